"""Helpers shared by every feature's forms."""

from wtforms import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from .errors import DomainError


class StudyDateField(DateField):
    """A date field that takes only years a study can mean, so that year 1 or 9999 gets a
    message instead of overflowing when turned into an instant in the study's time zone."""

    FIRST_YEAR, LAST_YEAR = 1900, 2199

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.data and not self.FIRST_YEAR <= self.data.year <= self.LAST_YEAR:
            self.data = None
            raise ValidationError(f"Enter a date between {self.FIRST_YEAR} and {self.LAST_YEAR}.")


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


def show_domain_error(form, error):
    """Put a service's DomainError beside the field it concerns (or at the top of the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def form_page(form, template, *, save, done, **context):
    """The usual form round trip: on a valid POST call `save(form)`; a DomainError goes beside its
    field. Returns `done(result)` (a redirect) or the page with 422 when the input was refused."""
    from flask import render_template

    if form.validate_on_submit():
        try:
            result = save(form)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return done(result)
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def options(pairs):
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]
