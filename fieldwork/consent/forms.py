from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import StudyDateField, coerce_optional_id, free_text, options
from ..informants.models import Language
from .models import STANDARD_ITEMS, ConsentMethod, ConsentStatus

ITEM_LABELS = {"participation": "Participation", "audio_recording": "Audio recording",
               "direct_quotation": "Direct quotation", "re_contact": "Re-contact for follow-up"}


def _wording():
    return free_text("Wording", max_length=2000, multiline=True)


class FormVersionForm(FlaskForm):
    title = StringField("Title", validators=[free_text("Title", max_length=200)])
    language = SelectField("Language", choices=options((l.value, l.label) for l in Language))
    version_label = StringField("Version", validators=[free_text("Version", max_length=40)],
                                description="For example 1.0, or 2026-11.")
    letter_markdown = TextAreaField("Information letter", validators=[
        free_text("Information letter", max_length=100_000, multiline=True)],
                                    description="Markdown: ## headings, *emphasis*, lists, links.")
    letter_pdf = FileField("Information letter as PDF (optional)",
                           description="The approved letter as sent; at most 10 MB.")
    approval_reference = StringField("Approval reference", validators=[
        free_text("Approval reference", max_length=100)],
                                     description="For example the Sikt notification number.")
    approval_date = StudyDateField("Approval date", validators=[Optional()])
    wording_participation = TextAreaField("Participation (required)", validators=[_wording()])
    wording_audio_recording = TextAreaField("Audio recording", validators=[_wording()])
    wording_direct_quotation = TextAreaField("Direct quotation", validators=[_wording()])
    wording_re_contact = TextAreaField("Re-contact for follow-up", validators=[_wording()])
    submit = SubmitField("Save draft")


class RegisterConsentForm(FlaskForm):
    """Consent given on paper or orally, registered by the team."""

    answer = SelectField("Answer", choices=options([("given", "Consents (to the items ticked)"),
                                                    ("declined", "Declines to take part")]))
    form_version_id = SelectField("Form version", coerce=coerce_optional_id)
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
    note = TextAreaField("Note", validators=[free_text("Note", max_length=2000, multiline=True)],
                         description="For the team; for example where the paper form is kept.")
    submit = SubmitField("Register")

    def item_states(self):
        return {key: bool(getattr(self, f"item_{key}").data) for key in STANDARD_ITEMS}


class WithdrawForm(FlaskForm):
    note = TextAreaField("Note (optional)",
                         validators=[free_text("Note", max_length=2000, multiline=True)],
                         description="How the withdrawal reached you, and any limits the informant "
                                     "set (for example: quotes already published may stay).")
    submit = SubmitField("Withdraw")


class TaskDoneForm(FlaskForm):
    note = StringField("Note", validators=[free_text("Note", max_length=2000, multiline=True)])
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
