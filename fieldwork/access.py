"""Who may use which route.

Every view declares the user roles that may call it (`@allow_roles`) or that it is public
(`@public`). One `before_request` hook enforces the declaration, and refuses any route that has
none, so a forgotten decorator fails closed instead of exposing personal data.
"""

from flask import abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .database import LabelledEnum
from .extensions import login_manager


class UserRole(LabelledEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    RESEARCHER = "researcher"
    ANALYST = "analyst"

    __labels__ = {"admin": _l("Admin"), "coordinator": _l("Coordinator"),
                  "researcher": _l("Researcher"), "analyst": _l("Analyst")}


ALL_ROLES = frozenset(UserRole)
# Roles that see informants' identities; analysts work with pseudonym codes only.
IDENTITY_ROLES = frozenset({UserRole.ADMIN, UserRole.COORDINATOR, UserRole.RESEARCHER})
# Roles that register and change informants, organisations and interviews.
MANAGING_ROLES = frozenset({UserRole.ADMIN, UserRole.COORDINATOR})


def allow_roles(*roles):
    """Declare the roles that may use a view (the view itself is left unwrapped).

    Takes roles and groups of roles (ALL_ROLES, MANAGING_ROLES, any set). Anything that is not a
    UserRole, such as the string "admin", is a mistake in the code and fails at import time.
    """
    allowed = set()
    for group in roles:
        members = [group] if isinstance(group, UserRole) else group
        if isinstance(members, str):
            raise TypeError(f"allow_roles takes UserRole members, not the string {members!r}")
        for role in members:
            if not isinstance(role, UserRole):
                raise TypeError(f"allow_roles takes UserRole members, not {role!r}")
            allowed.add(role)
    if not allowed:
        raise ValueError("allow_roles needs at least one role")
    allowed = frozenset(allowed)

    def decorate(view):
        view.allowed_roles = allowed
        return view

    return decorate


def public(view):
    """Declare a view that needs no login (the login page, informants' personal links)."""
    view.is_public = True
    return view


def personal_link_page(template, status=200, **context):
    """A page an informant reached by their personal link (consent, offer, member check): it
    holds their own data, so search engines are told never to index it or follow its links."""
    response = current_app.make_response((render_template(template, **context), status))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# A personal link that cannot be used: never heard of, or expired or spent (gone for good).
_LINK_PROBLEM_STATUS = {"unknown": 404, "expired": 410, "used": 410}


def link_problem_page(kind):
    """The page for a personal link that cannot be used (`kind`: unknown, expired, used)."""
    return personal_link_page("consent/link_problem.html", _LINK_PROBLEM_STATUS[kind], kind=kind)


def enforce_route_roles():
    """`before_request` hook: log in first, then the role the route declares."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    allowed = getattr(view, "allowed_roles", None)
    if allowed is None:
        current_app.logger.error("route %s declares no roles; refused", request.endpoint)
        abort(403)
    if current_user.role not in allowed:
        abort(403)
    return None
