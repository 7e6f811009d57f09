"""Rules for values typed by people, shared by forms, CSV import and the command line.

Each `clean_*` function returns the normalised value or raises DomainError with a message fit to
show beside the field. The messages never repeat the rejected value (it may be personal data).
"""

import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .errors import DomainError

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: none belongs in a name
# or title, and some of them break calendar files, CSV exports and email headers.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_CHARACTERS_EXCEPT_NEWLINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def clean_text(value, *, max_length, required=False, label=_l("This field"), multiline=False):
    value = unicodedata.normalize("NFC", (value or "").strip())
    pattern = _CONTROL_CHARACTERS_EXCEPT_NEWLINES if multiline else _CONTROL_CHARACTERS
    if pattern.search(value):
        raise DomainError(_("%(label)s contains control characters; remove them.", label=label))
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if required and not value:
        raise DomainError(_("%(label)s is required.", label=label))
    if len(value) > max_length:
        raise DomainError(_("%(label)s must be at most %(count)s characters.", label=label,
                            count=max_length))
    return value


# The largest id or page number taken from a URL or a form: PostgreSQL's integer, so a larger one
# is "not found" or a message, never an overflow in the database (SQLite's limit is higher).
MAX_WHOLE_NUMBER = 2**31 - 1
# ASCII digits only: int() also reads "１" (fullwidth), and str.isdigit() accepts "²".
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_whole_number(value, *, minimum=1, maximum=MAX_WHOLE_NUMBER, label=_l("The number")):
    """An id or page number written in ASCII digits, within [minimum, maximum]."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = (value or "").strip() if isinstance(value, str) else ""
        number = int(text) if _ASCII_DIGITS.fullmatch(text) else None
    if number is None or not minimum <= number <= maximum:
        raise DomainError(_("%(label)s must be a whole number from %(minimum)s to %(maximum)s.",
                            label=label, minimum=minimum, maximum=maximum))
    return number


# "=?" starts an RFC 2047 encoded word, which some mail readers decode into line breaks inside a
# header; fieldwork.mail refuses to build such a header, so a name or address that goes into one
# is refused where it is typed, not when the first email to that person fails.
_ENCODED_WORD_START = "=?"


def clean_person_name(value, *, max_length=200, required=True, label=_l("Name")):
    """A person's name: free text on one line, and fit for the To header of an email."""
    value = clean_text(value, max_length=max_length, required=required, label=label)
    if _ENCODED_WORD_START in value:
        raise DomainError(_("%(label)s cannot contain “=?”: email programs would read it as code.",
                            label=label))
    return value


def clean_email(value, *, required=True):
    value = (value or "").strip()
    if not value:
        if required:
            raise DomainError(_("Email address is required."))
        return None
    if len(value) > 254 or _CONTROL_CHARACTERS.search(value):
        raise DomainError(_("Enter a valid email address."))
    if _ENCODED_WORD_START in value:
        raise DomainError(_("An email address cannot contain “=?”: email programs would read "
                            "it as code."))
    from email_validator import EmailNotValidError, validate_email  # loaded on first use

    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(_("Enter a valid email address (%(reason)s).", reason=error)) from None
    # Addresses compare case-insensitively in practice; one spelling avoids duplicates.
    return result.normalized.lower()


def clean_phone(value):
    """A Norwegian number (8 digits, optionally with +47) or any E.164 number, stored as E.164."""
    value = (value or "").strip()
    if not value:
        return None
    if _CONTROL_CHARACTERS.search(value) or len(value) > 32:
        raise DomainError(_("Enter a Norwegian phone number or an international one starting "
                            "with +."))
    import phonenumbers  # its metadata loads on first use, not in every process

    try:
        number = phonenumbers.parse(value, "NO")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(_("Enter a Norwegian phone number or an international one starting "
                            "with +."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_code(value, *, max_length, label=_l("Code")):
    value = (value or "").strip().upper()
    if not re.fullmatch(r"[A-ZÆØÅ0-9]{1,%d}" % max_length, value):
        raise DomainError(_("%(label)s must be 1 to %(count)s letters or digits, without spaces.",
                            label=label, count=max_length))
    return value


def clean_fields(values, rules):
    """Apply a rule per field: (cleaned values, {field: message}) with every problem found."""
    cleaned, errors = {}, {}
    for name, rule in rules.items():
        try:
            cleaned[name] = rule(values.get(name))
        except DomainError as error:
            errors[name] = error.message
    return cleaned, errors


def require_clean(values, rules):
    """Apply a rule per field and raise the first problem as a DomainError naming its field."""
    cleaned, errors = clean_fields(values, rules)
    if errors:
        name, message = next(iter(errors.items()))
        raise DomainError(message, field=name)
    return cleaned
