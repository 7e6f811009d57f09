"""The append-only audit log: who changed what, when, with the state before and after."""

from .services import COMMAND_LINE, changed_fields, record, record_update

__all__ = ["COMMAND_LINE", "changed_fields", "record", "record_update"]
