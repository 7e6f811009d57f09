"""The `int` URL converter, replaced for the whole app: an id in a URL is ASCII digits from 1 to
the database's largest integer, so `/informants/１` or `/interviews/2147483648` is a 404, never an
alias of another id or an overflow in the database."""

from werkzeug.routing import BaseConverter, ValidationError

from .errors import DomainError
from .validation import parse_whole_number


class WholeNumberConverter(BaseConverter):
    regex = r"[0-9]{1,10}"  # not \d, which matches any script's digits
    weight = 50
    part_isolating = True

    def to_python(self, value):
        try:
            return parse_whole_number(value)
        except DomainError:
            raise ValidationError() from None  # no route matches: 404

    def to_url(self, value):
        return str(int(value))
