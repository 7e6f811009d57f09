from urllib.parse import unquote, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from ..access import ALL_ROLES, UserRole, allow_roles, public
from ..errors import DomainError
from ..extensions import db
from ..forms import form_page, show_domain_error
from ..i18n import choose_for_visitor, current_language
from . import services
from .forms import (ChangePasswordForm, LanguageForm, LoginForm, LogoutForm,
                    VisitorLanguageForm)
from .models import User

blueprint = Blueprint("auth", __name__)


def safe_next(target):
    """`target` if it is a path on this site, else None (no open redirects, however spelt).

    The decoded form is checked too, in case a proxy or browser decodes the value once more.
    """
    if not target or len(target) > 2048:
        return None
    for candidate in (target, unquote(target)):
        if (not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate
                or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in candidate)):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
    return target


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    status, headers = 200, {}
    language_form = VisitorLanguageForm(prefix="switch", formdata=None,
                                        language=current_language())
    if form.validate_on_submit():
        try:
            user, token = services.log_in(form.email.data, form.password.data,
                                          address=request.remote_addr)
        except services.LoginRefused as error:
            form.form_errors.append(error.message)
            status = 401
            if isinstance(error, services.LoginThrottled):
                status, headers = 429, {"Retry-After": str(error.retry_after)}
        else:
            session.clear()  # a new session at login: nothing carried over from before
            session["session_token"] = token
            session.permanent = True
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("dashboard.index"))
    elif form.is_submitted():
        status = 422
    return (render_template("auth/login.html", form=form, language_form=language_form),
            status, headers)


@blueprint.post("/language")
@public
def choose_language():
    """The login page's language switch: the visitor reads the login page in that language.
    Once logged in, the account's own language counts."""
    form = VisitorLanguageForm(prefix="switch")
    if not form.validate_on_submit():
        flash(_("Choose one of the languages in the list."), "error")
        return redirect(url_for("auth.login")), 303
    choose_for_visitor(form.language.data)
    return redirect(safe_next(request.args.get("next")) or url_for("auth.login"), 303)


@blueprint.post("/logout")
@allow_roles(ALL_ROLES)
def logout():
    if LogoutForm().validate_on_submit():
        language = current_language()
        services.log_out(current_user, session.get("session_token"))
        logout_user()
        session.clear()
        choose_for_visitor(language)  # the login page that follows stays in their language
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@allow_roles(ALL_ROLES)
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            token = services.change_password(current_user, form.current_password.data,
                                             form.new_password.data)
        except DomainError as error:
            show_domain_error(form, error)
            status = 429 if isinstance(error, services.PasswordChangeThrottled) else 422
        else:
            session["session_token"] = token
            flash(_("Your password is changed. Other sessions have been logged out."), "success")
            return redirect(url_for("dashboard.index"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/password.html", form=form), status


@blueprint.route("/account", methods=["GET", "POST"])
@allow_roles(ALL_ROLES)
def account():
    form = LanguageForm(language=current_user.language.value)
    return form_page(form, "auth/account.html",
                     save=lambda f: services.set_language(current_user, f.language.data,
                                                          by=current_user),
                     done=_saved(lambda: _("Your language is saved."), "auth.account"))


@blueprint.get("/users")
@allow_roles(UserRole.ADMIN)
def users():
    return render_template("auth/users.html", users=services.list_users(), form=LanguageForm())


@blueprint.route("/users/<int:user_id>/language", methods=["GET", "POST"])
@allow_roles(UserRole.ADMIN)
def user_language(user_id):
    user = db.get_or_404(User, user_id)
    form = LanguageForm(language=user.language.value)
    form.language.label.text = _("Their language")
    form.language.description = _("The app's pages and the email it sends them are in this "
                                  "language.")
    return form_page(form, "auth/user_language.html", user=user,
                     save=lambda f: services.set_language(user, f.language.data,
                                                          by=current_user),
                     done=_saved(lambda: _("The language of %(name)s is saved.", name=user.name),
                                 "auth.users"))


def _saved(message, endpoint):
    """`message()` is called after the save, so it speaks the language just chosen."""
    def done(user):
        refresh()
        flash(message(), "success")
        return redirect(url_for(endpoint))
    return done
