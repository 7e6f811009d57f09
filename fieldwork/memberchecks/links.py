"""Member-check links: a random token in the URL, only its SHA-256 in the database (as consent
links, fieldwork.consent.tokens). A link works while its request is open and before its
deadline; the request email and the reminder each carry a fresh one."""

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..audit.security import SECURITY_PREFIX
from ..consent.tokens import _TOKEN_SHAPE, TokenProblem, token_hash, url
from ..extensions import db
from ..informants.models import Informant
from .models import MemberCheckLink, MemberCheckRequest, RequestStatus

MEMBER_CHECK_PATH = "/m/{token}"
PURPOSE = "member-check"


@dataclass(frozen=True)
class LinkContext:
    """What the informant's page may show: their own request and name, nothing else."""

    link: MemberCheckLink
    request: MemberCheckRequest
    informant: Informant


def issue_link(request, *, now):
    """A new link to `request` (its URL, to put in one email); the hash is added to the session."""
    token = secrets.token_urlsafe(32)
    db.session.add(MemberCheckLink(request_id=request.id, token_hash=token_hash(token),
                                   created_at=now))
    return url(MEMBER_CHECK_PATH, token)


def open_link(token, *, now):
    """The request behind a URL's token, or TokenProblem ("unknown", "expired", "used"): a
    request answered in full or cancelled by a withdrawal is "used", one past its deadline
    "expired". Reading changes nothing."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        raise TokenProblem("unknown")
    row = db.session.execute(
        select(MemberCheckLink, MemberCheckRequest)
        .join(MemberCheckRequest, MemberCheckRequest.id == MemberCheckLink.request_id)
        .where(MemberCheckLink.token_hash == token_hash(token))).first()
    if row is None:
        raise TokenProblem("unknown")
    link, request = row
    if request.status in (RequestStatus.ANSWERED, RequestStatus.CANCELLED):
        raise TokenProblem("used", link.id)
    if request.status is RequestStatus.EXPIRED or request.deadline_at <= now:
        raise TokenProblem("expired", link.id)
    return LinkContext(link, request, db.session.get(Informant, request.informant_id))


def record_link_refused(problem, *, now):
    """A member-check link forged, mistyped, expired or used up: a security event with the
    stored link's id, never the token. Commits (the request changes nothing else)."""
    db.session.rollback()
    audit.record(SECURITY_PREFIX + "link_refused", by="anonymous",
                 entity_type="member_check_link", entity_id=problem.token_id,
                 after={"purpose": PURPOSE, "problem": problem.kind}, now=now)
    db.session.commit()
