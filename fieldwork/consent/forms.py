from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import StudyDateField, options
from ..informants.models import Language
from .models import STANDARD_ITEMS, ConsentMethod, ConsentStatus

ITEM_LABELS = {"participation": "Participation", "audio_recording": "Audio recording",
               "direct_quotation": "Direct quotation", "re_contact": "Re-contact for follow-up"}


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class FormVersionForm(FlaskForm):
    title = StringField("Title")
    language = SelectField("Language", choices=options((l.value, l.label) for l in Language))
    version_label = StringField("Version", description="For example 1.0, or 2026-11.")
    letter_markdown = TextAreaField("Information letter",
                                    description="Markdown: ## headings, *emphasis*, lists, links.")
    letter_pdf = FileField("Information letter as PDF (optional)",
                           description="The approved letter as sent; at most 10 MB.")
    approval_reference = StringField("Approval reference",
                                     description="For example the Sikt notification number.")
    approval_date = StudyDateField("Approval date", validators=[Optional()])
    wording_participation = TextAreaField("Participation (required)")
    wording_audio_recording = TextAreaField("Audio recording")
    wording_direct_quotation = TextAreaField("Direct quotation")
    wording_re_contact = TextAreaField("Re-contact for follow-up")
    submit = SubmitField("Save draft")


class RegisterConsentForm(FlaskForm):
    """Consent given on paper or orally, registered by the team."""

    answer = SelectField("Answer", choices=options([("given", "Consents (to the items ticked)"),
                                                    ("declined", "Declines to take part")]))
    form_version_id = SelectField("Form version", coerce=_optional_int)
    item_participation = BooleanField("Participation")
    item_audio_recording = BooleanField("Audio recording")
    item_direct_quotation = BooleanField("Direct quotation")
    item_re_contact = BooleanField("Re-contact for follow-up")
    method = SelectField("How", choices=options(
        (m.value, m.label) for m in ConsentMethod if m is not ConsentMethod.ELECTRONIC))
    consented_on = StudyDateField("Date", validators=[Optional()])
    evidence = FileField("Evidence (optional)",
                         description="A scan or PDF of the signed form: PDF, JPEG or PNG, at most "
                                     "10 MB.")
    note = TextAreaField("Note", description="For the team; for example where the paper form is kept.")
    submit = SubmitField("Register")

    def item_states(self):
        return {key: bool(getattr(self, f"item_{key}").data) for key in STANDARD_ITEMS}


class WithdrawForm(FlaskForm):
    note = TextAreaField("Note (optional)",
                         description="How the withdrawal reached you, and any limits the informant "
                                     "set (for example: quotes already published may stay).")
    submit = SubmitField("Withdraw")


class TaskDoneForm(FlaskForm):
    note = StringField("Note")
    submit = SubmitField("Done")


class LinkAnswerForm(FlaskForm):
    """The informant's consent page: tick items, then consent or decline."""

    items = SelectMultipleField("", widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput())
    consent = SubmitField("I consent to what I have ticked")
    decline = SubmitField("I do not want to take part")


class LinkWithdrawForm(FlaskForm):
    withdraw = SubmitField("Withdraw from the study")


class OverviewFilterForm(FlaskForm):
    """The overview's filters, sent by GET: none of them is personal data."""

    class Meta:
        csrf = False

    organisation = SelectField("Organisation", validators=[Optional()])
    role = SelectField("Role", validators=[Optional()])
    status = SelectField("Consent status", validators=[Optional()], choices=options(
        [("", "Any status")] + [(s.value, s.label) for s in ConsentStatus]))
    within_days = IntegerField("Missing consent for an interview in the next … days",
                               validators=[Optional(), NumberRange(min=0, max=366)])
