from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AuditRedaction(db.Model):
    """A row here, inside the erasure's own transaction, is what lets the audit triggers accept
    an UPDATE of audit_event; the erasure deletes it before committing, so no other transaction
    ever sees it and the log stays append-only for everything else."""

    __tablename__ = "audit_redaction"

    id: Mapped[int] = mapped_column(primary_key=True)
