from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import StudyDateField, coerce_optional_id, free_text, options
from ..informants.models import Language
from .models import STANDARD_ITEMS, ConsentMethod, ConsentStatus

ITEM_LABELS = {"participation": _l("Participation"), "audio_recording": _l("Audio recording"),
               "direct_quotation": _l("Direct quotation"),
               "re_contact": _l("Re-contact for follow-up")}
# A history entry's action (ConsentEvent.action, stored as these values) as the pages name it.
EVENT_ACTIONS = {"requested": _l("Requested"), "re-requested": _l("Requested again"),
                 "re-consent-requested": _l("Re-consent requested"),
                 "follow-up": _l("Follow-up"), "given": _l("Given"),
                 "partly-given": _l("Partly given"), "declined": _l("Declined"),
                 "withdrawn": _l("Withdrawn")}


def _wording():
    return free_text(_l("Wording"), max_length=2000, multiline=True)


class FormVersionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[free_text(_l("Title"), max_length=200)])
    language = SelectField(_l("Language"),
                           choices=options(Language.choices()))
    version_label = StringField(_l("Version"),
                                validators=[free_text(_l("Version"), max_length=40)],
                                description=_l("For example 1.0, or 2026-11."))
    letter_markdown = TextAreaField(_l("Information letter"), validators=[
        free_text(_l("Information letter"), max_length=100_000, multiline=True)],
        description=_l("Markdown: ## headings, *emphasis*, lists, links."))
    letter_pdf = FileField(_l("Information letter as PDF (optional)"),
                           description=_l("The approved letter as sent; at most 10 MB."))
    approval_reference = StringField(_l("Approval reference"), validators=[
        free_text(_l("Approval reference"), max_length=100)],
        description=_l("For example the Sikt notification number."))
    approval_date = StudyDateField(_l("Approval date"), validators=[Optional()])
    wording_participation = TextAreaField(_l("Participation (required)"),
                                          validators=[_wording()])
    wording_audio_recording = TextAreaField(_l("Audio recording"), validators=[_wording()])
    wording_direct_quotation = TextAreaField(_l("Direct quotation"), validators=[_wording()])
    wording_re_contact = TextAreaField(_l("Re-contact for follow-up"), validators=[_wording()])
    submit = SubmitField(_l("Save draft"))


class RegisterConsentForm(FlaskForm):
    """Consent given on paper or orally, registered by the team."""

    answer = SelectField(_l("Answer"), choices=options([
        ("given", _l("Consents (to the items ticked)")),
        ("declined", _l("Declines to take part"))]))
    form_version_id = SelectField(_l("Form version"), coerce=coerce_optional_id)
    item_participation = BooleanField(_l("Participation"))
    item_audio_recording = BooleanField(_l("Audio recording"))
    item_direct_quotation = BooleanField(_l("Direct quotation"))
    item_re_contact = BooleanField(_l("Re-contact for follow-up"))
    method = SelectField(_l("How"), choices=options(
        (m.value, ConsentMethod.__labels__[m.value]) for m in ConsentMethod
        if m is not ConsentMethod.ELECTRONIC))
    consented_on = StudyDateField(_l("Date"), validators=[Optional()])
    evidence = FileField(_l("Evidence (optional)"),
                         description=_l("A scan or PDF of the signed form: PDF, JPEG or PNG, at "
                                        "most 10 MB."))
    note = TextAreaField(_l("Note"), validators=[
        free_text(_l("Note"), max_length=2000, multiline=True)],
        description=_l("For the team; for example where the paper form is kept."))
    submit = SubmitField(_l("Register"))

    def item_states(self):
        return {key: bool(getattr(self, f"item_{key}").data) for key in STANDARD_ITEMS}


class WithdrawForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"),
                         validators=[free_text(_l("Note"), max_length=2000, multiline=True)],
                         description=_l("How the withdrawal reached you, and any limits the "
                                        "informant set (for example: quotes already published "
                                        "may stay)."))
    submit = SubmitField(_l("Withdraw"))


class TaskDoneForm(FlaskForm):
    note = StringField(_l("Note"), validators=[
        free_text(_l("Note"), max_length=2000, multiline=True)])
    submit = SubmitField(_l("Done"))


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

    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    role = SelectField(_l("Role"), validators=[Optional()])
    status = SelectField(_l("Consent status"), validators=[Optional()], choices=options(
        [("", _l("Any status"))] + ConsentStatus.choices()))
    within_days = IntegerField(_l("Missing consent for an interview in the next … days"),
                               validators=[Optional(), NumberRange(min=0, max=366)])
