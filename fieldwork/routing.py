"""The `int` URL converter, replaced for the whole app: an id in a URL is ASCII digits from 1 to
the database's largest integer, so `/informants/１` or `/interviews/2147483648` is a 404, never an
alias of another id or an overflow in the database."""

from werkzeug.routing import IntegerConverter, ValidationError

from .errors import DomainError
from .validation import MAX_WHOLE_NUMBER, parse_whole_number


def digits_up_to(maximum):
    """A regular expression for 1..maximum in ASCII digits, without leading zeros.

    The range is in the pattern, not only in `to_python`: Werkzeug answers 405 instead of 404
    when a rule for another method matched the pattern before `to_python` refused the value."""
    text = str(maximum)
    shorter = [f"[1-9][0-9]{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    same_length = []
    for position, digit in enumerate(text):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            rest = len(text) - position - 1
            same_length.append(f"{text[:position]}[{lowest}-{int(digit) - 1}]"
                               + (f"[0-9]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join([*shorter, *same_length, text]) + ")"


class WholeNumberConverter(IntegerConverter):
    """Still an IntegerConverter, for code that asks, with a stricter pattern and range."""

    regex = digits_up_to(MAX_WHOLE_NUMBER)  # [0-9], not \d, which matches any script's digits

    def to_python(self, value):
        try:
            return parse_whole_number(value)
        except DomainError:
            raise ValidationError() from None

    def to_url(self, value):
        return str(int(value))



class IdUrl:
    """The URL of `endpoint` for any id, as url_for writes it, built once per page: a list of 50
    rows links each row, and url_for per row was a noticeable part of rendering it.

    `IdUrl("informants.detail", "informant_id")(42)` == url_for("informants.detail",
    informant_id=42). The URL is built once with a marker id and split there; an id is written as
    WholeNumberConverter writes it (its digits), so nothing needs escaping."""

    MARKER = 987654321

    def __init__(self, endpoint, name, **values):
        from flask import url_for

        self._before, self._after = url_for(endpoint, **{name: self.MARKER}, **values) \
            .rsplit(str(self.MARKER), 1)

    def __call__(self, value):
        return f"{self._before}{int(value)}{self._after}"
