"""Helpers shared by every feature's forms."""

import threading
from collections import OrderedDict

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest
from wtforms import DateField, SelectField, StringField, SubmitField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import Select, TextInput, html_params

from .errors import DomainError, NotAllowed
from .extensions import db
from .i18n import current_language
from .validation import clean_text, parse_whole_number


class StudyDateField(DateField):
    """A date typed as the pages write it, day first (09.12.2026), in a plain text field.

    A browser's own date field lays the date out in the browser's locale, whatever the page's
    language (Chromium in English shows 12/09/2026 beside pages that say 09.12.2026), so the
    field is text with the format shown beside it. ISO dates (2026-12-09) are accepted too, for
    links and filters that carry them. Only years a study can mean are taken, so that year 1 or
    9999 gets a message instead of overflowing when turned into an instant in the study's zone."""

    widget = TextInput()
    FIRST_YEAR, LAST_YEAR = 1900, 2199
    FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
    MESSAGE = _l("Enter the date as day.month.year, for example 09.12.2026.")

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"autocomplete": "off", "spellcheck": "false", "class": "short"})
        super().__init__(label, validators, format=self.FORMATS,
                         invalid_value_message=self.MESSAGE, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata([value.strip() for value in valuelist])

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.data and not self.FIRST_YEAR <= self.data.year <= self.LAST_YEAR:
            self.data = None
            raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                    first=self.FIRST_YEAR, last=self.LAST_YEAR))


class StudyTimeField(TimeField):
    """A time on the 24-hour clock (14:30) in a plain text field, for the reason the date field
    is one: a browser's time field in an English locale shows 02:30 PM. 14.30 is taken too."""

    widget = TextInput()
    FORMATS = ["%H:%M", "%H.%M"]
    MESSAGE = _l("Enter the time as hours:minutes on the 24-hour clock, for example 14:30.")

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"autocomplete": "off", "spellcheck": "false", "class": "short"})
        super().__init__(label, validators, format=self.FORMATS,
                         invalid_value_message=self.MESSAGE, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata([value.strip() for value in valuelist])


class QuickSelect(Select):
    """WTForms' single-choice <select>, the same markup, with each option written by one string
    format. The list pages render their filter selects on every request, and WTForms' general
    option rendering (an attribute dict per option, sorted and escaped) was most of their
    rendering time."""

    def __call__(self, field, **kwargs):
        choices = field.choices or []
        if self.multiple or any(not isinstance(c, SelectChoice) or c.render_kw
                                or c.optgroup is not None for c in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = True
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in choices:
            selected = " selected" if field.coerce(choice.value) == field.data else ""
            html.append(f'<option{selected} value="{escape(choice.value)}">'
                        f"{escape(choice.label or choice.value)}</option>")
        html.append("</select>")
        return Markup("".join(html))


def filter_select(label, **kwargs):
    """A list filter's select field, rendered by `QuickSelect`; choices as `options()` makes them."""
    return SelectField(label, widget=QuickSelect(), **kwargs)


class Cleaned:
    """A WTForms validator that runs one of the `validation.clean_*` rules and keeps its
    normalised value, so forms, CSV import and the CLI apply the same rule."""

    field_flags = {}

    def __init__(self, clean, **options):
        self.clean = clean
        self.options = options

    def __call__(self, form, field):
        try:
            field.data = self.clean(field.data, **self.options)
        except DomainError as error:
            raise ValidationError(error.message) from None


def free_text(label, *, max_length, required=False, multiline=False):
    """The one rule for text people type (`validation.clean_text`), as a form validator: NUL,
    ESC and other control characters and U+2028/U+2029 refused, line breaks only where
    `multiline`, and a message, not a silent cut, past `max_length`. Every text field of every
    form has it or a stricter rule built on it (tests/platform/test_hostile_input.py checks)."""
    return Cleaned(clean_text, max_length=max_length, required=required, label=label,
                   multiline=multiline)


def show_domain_error(form, error):
    """Put a service's DomainError beside the field it concerns (or at the top of the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is checked."""

    submit = SubmitField(_l("Confirm"))


def form_page(form, template, *, save, done, **context):
    """The usual form round trip: on a valid POST call `save(form)`; a DomainError goes beside its
    field. Returns `done(result)` (a redirect) or the page with 422 when the input was refused,
    409 when the change is not allowed in the current state (NotAllowed: a withdrawal already
    made, perhaps a moment ago by someone else). A refused change is rolled back, and with it any
    lock the service took."""
    status = 200
    if form.validate_on_submit():
        try:
            result = save(form)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
            status = 409 if isinstance(error, NotAllowed) else 422
        else:
            return done(result)
    elif form.is_submitted():
        status = 422
    return render_template(template, form=form, **context), status


def button_action(do, *, done, refused, form=None):
    """The round trip of a button that changes state, as `form_page` is for forms.

    The POST must carry a valid CSRF token and valid choices: otherwise 400 (no page sends
    anything else). Text a person typed that is refused (a note with control characters, say)
    comes back as `refused()` with the messages, 422.
    `do()` calls one service; `done(result)` flashes and redirects. A DomainError changes nothing
    (the session is rolled back): `refused()` renders the page the button was on again, with the
    reason flashed, answered 409 when the action is not allowed in the current state (NotAllowed)
    and 422 when the input is invalid."""
    form = form or ConfirmForm()
    if not form.validate_on_submit():
        typed = {field.name for field in form if isinstance(field, StringField)}
        if not form.is_submitted() or not form.errors or set(form.errors) - typed:
            abort(400)
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return refused(), 422
    try:
        result = do()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return refused(), 409 if isinstance(error, NotAllowed) else 422
    return done(result)


def coerce_id(value):
    """`coerce` for a select of records: an id in ASCII digits, else ValueError (a form error)."""
    try:
        return parse_whole_number(value)
    except DomainError as error:
        raise ValueError(error.message) from None


def coerce_optional_id(value):
    """`coerce_id` where the empty choice means none."""
    return None if value in (None, "") else coerce_id(value)


class BadNumber(BadRequest):
    """400 for a page number or id in a query string that is not one; the page says why."""

    def __init__(self, message):
        super().__init__(message)
        self.shows_description = True


def page_number():
    """The `page` query argument (1 when absent); BadNumber when it is not a usable page."""
    value = request.args.get("page")
    if value in (None, ""):
        return 1
    try:
        return parse_whole_number(value, label=_("The page number"))
    except DomainError as error:
        raise BadNumber(error.message) from None


def options(pairs):
    """Select options from (value, label) pairs. A lazy label stays lazy (it is translated when
    rendered), but escaped: Flask-Babel's lazy strings hand themselves to Markup unescaped."""
    return [SelectChoice(str(value), _escaped(label)) for value, label in pairs]


class _EscapedLazyString(LazyString):
    def __html__(self):
        return escape(str(self))


def _escaped(label):
    if isinstance(label, LazyString) and not isinstance(label, _EscapedLazyString):
        return _EscapedLazyString(lambda: str(label))
    return label


FORM_MARKUP_KEPT = 128  # rendered filter forms kept per process, oldest dropped first
_form_markup = OrderedDict()
_form_markup_lock = threading.Lock()


def kept_form_markup(render, form, *args):
    """`render(form, *args)` (a template macro), kept between requests for a form without CSRF
    token or errors: its markup then depends only on the form's class, the arguments, each
    field's submitted and current values and choices, and the reader's language (date fields
    carry it). A list's filter form is the same for most requests, and rendering it field by
    field was a large part of the list pages' time."""
    if form.meta.csrf or form.errors:
        return render(form, *args)
    try:
        key = (type(form), args, current_language(),
               tuple(_field_key(field) for field in form))
        hash(key)
    except TypeError:  # a value or choice that cannot be a key: render as usual
        return render(form, *args)
    with _form_markup_lock:
        markup = _form_markup.get(key)
        if markup is not None:
            _form_markup.move_to_end(key)
            return markup
    markup = render(form, *args)
    with _form_markup_lock:
        _form_markup[key] = markup
        while len(_form_markup) > FORM_MARKUP_KEPT:
            _form_markup.popitem(last=False)
    return markup


def _field_key(field):
    choices = getattr(field, "choices", None)
    if choices is not None:
        choices = tuple((c.value, c.label, repr(c.render_kw) if c.render_kw else None, c.optgroup)
                        if isinstance(c, SelectChoice) else tuple(c) for c in choices)
    return field.name, tuple(field.raw_data or ()), repr(field.data), choices
