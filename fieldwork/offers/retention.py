"""What offers keep that the study's erasure must remove: the informants' own messages ("none of
these suit me", a cancellation's reason), which may say anything about them, also in the audit
log's snapshots of offers. Places and meeting links are the team's, like an interview's."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..extensions import db
from ..retention import services as retention
from .models import Offer

retention.AUDIT_IDENTITY_FIELDS["offer"] = ("message",)


def _holding():
    return (Offer.message != "") & (Offer.message != retention.ERASED)


def _count():
    return db.session.scalar(select(func.count()).select_from(Offer).where(_holding()))


def _erase(now):
    return db.session.execute(update(Offer).where(_holding()).values(message=retention.ERASED)
                              .execution_options(synchronize_session=False)).rowcount


retention.register(retention.IdentityStore(
    "offer-messages", _l("Informants' messages in answer to offered times"), _count, _erase,
    ("offer",)))
