"""Domain errors: services raise them, views turn them into form messages."""


class DomainError(Exception):
    """A rule of the study was broken. `field` names the form field the message belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The action is understood but not permitted in the current state."""
