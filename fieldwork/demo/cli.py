"""`flask demo load`: fill an empty database with the demo data and a demo coordinator."""

import secrets
import unicodedata
from datetime import time, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from .. import audit
from ..auth.services import create_user
from ..consent import services as consent
from ..consent.models import STANDARD_ITEMS
from ..dashboard.services import set_targets
from ..database import utcnow
from ..documents.services import create_document
from ..extensions import db
from ..guides import services as guides
from ..informants.services import create_informant
from ..interviews import afterwards
from ..interviews import services as interviews
from ..interviews.queries import suggested_guide_version
from ..interviews.models import TranscriptStatus
from ..organisations.models import Organisation
from ..outbox import services as outbox
from ..organisations.services import create_organisation, create_role
from ..timeutil import local_to_utc, to_local
from . import data

demo_cli = AppGroup("demo", help="Demo data.")
DEMO_COORDINATOR = "coordinator@example.org"


def _email(name):
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", ".") + "@example.org"


def load_demo_data():
    """Create the demo organisations, roles, informants, coordinator, guides, planned interviews,
    consent forms and consent records, documents and sampling targets; returns the coordinator's
    password."""
    by = audit.COMMAND_LINE
    organisations = {code: create_organisation({"name": name, "code": code,
                                                "governance_level": level}, by=by)
                     for name, code, level in data.ORGANISATIONS}
    roles = {code: create_role({"name": name, "code": code}, by=by) for name, code in data.ROLES}
    informants = [
        create_informant({"name": name, "email": _email(name),
                          "organisation_id": organisations[org].id, "role_id": roles[role].id,
                          "job_title": title, "language": language, "status": status}, by=by)
        for name, org, role, title, language, status in data.INFORMANTS]
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    coordinator = create_user(DEMO_COORDINATOR, "Demo Coordinator", "coordinator", password, by=by)
    for title, purpose, role_codes, content in data.GUIDES:
        guide = guides.create_guide({"title": title, "purpose": purpose, "language": "en",
                                     "target_role_ids": [roles[c].id for c in role_codes]}, by=by)
        draft = guides.get_version(guide.id, 1)
        guides.update_draft(draft, {"content": content, "change_note": "First version."}, by=by)
        guides.publish_version(draft, by=coordinator)
    today = to_local(utcnow()).date()
    for index, days, start, mode, where in data.INTERVIEWS:
        informant = informants[index]
        # Saved as planned: demo informants are invented, so no invitation goes out by itself.
        interviews.schedule_interview({
            "informant_ids": [informant.id], "interviewer_ids": [coordinator.id],
            "start_date": today + timedelta(days=days), "start_time": time.fromisoformat(start),
            "duration_minutes": 60, "mode": mode,
            "place": where if mode == "in-person" else "",
            "meeting_url": where if mode == "video" else "",
            "guide_version_id": suggested_guide_version(informant).id},
            by=coordinator, send_invites=False)
    _load_consent(informants, coordinator)
    _load_past_interviews(informants, coordinator, today)
    for title, kind, org, level, issued, reference, status, themes, notes in data.DOCUMENTS:
        create_document({"title": title, "document_type": kind,
                         "organisation_id": organisations[org].id if org else None,
                         "governance_level": level, "issued_on": issued, "reference": reference,
                         "status": status, "themes": themes, "notes": notes}, by=by)
    set_targets({(organisations[org].id, roles[role].id): target
                 for org, role, target in data.SAMPLING_TARGETS}, by=by)
    return password


def _load_consent(informants, coordinator):
    """Consent forms in both languages and consent in various states. Requests and withdrawals
    queue emails; the demo informants are invented, so those are cancelled at once."""
    for language, title, label, reference, letter in data.CONSENT_FORMS:
        version = consent.create_form_version(
            {"title": title, "language": language, "version_label": label,
             "approval_reference": reference, "approval_date": to_local(utcnow()).date(),
             "letter_markdown": letter}, by=coordinator)
        consent.activate_form_version(version, by=coordinator)
    for index, state, refused, method in data.CONSENTS:
        informant = informants[index]
        if state == "requested":
            consent.request_consent(informant, by=coordinator)
        elif state == "declined":
            consent.decline_consent(informant, method=method, by=coordinator)
        else:
            items = {key: key not in refused for key in STANDARD_ITEMS}
            consent.give_consent(informant, items, method=method, by=coordinator)
            if state == "withdrawn":
                consent.withdraw_consent(informant, by=coordinator, note="Demo data.")
        outbox.cancel_pending(informant_id=informant.id, by=coordinator, now=utcnow())
    db.session.commit()


def _load_past_interviews(informants, coordinator, today):
    """Interviews held in the last weeks, as if booked two weeks ahead and recorded afterwards, so
    the dashboard's chart, the pipeline board and the exports have something to show."""
    for index, days_ago, start, mode, where, stage, is_recorded in data.PAST_INTERVIEWS:
        informant = informants[index]
        day = today - timedelta(days=days_ago)
        interview = interviews.schedule_interview({
            "informant_ids": [informant.id], "interviewer_ids": [coordinator.id],
            "start_date": day, "start_time": time.fromisoformat(start), "duration_minutes": 60,
            "mode": mode, "place": where if mode == "in-person" else "",
            "meeting_url": where if mode == "video" else "",
            "guide_version_id": suggested_guide_version(informant).id},
            by=coordinator, now=local_to_utc(day - timedelta(days=14), time(9)),
            send_invites=False)
        evening = local_to_utc(day, time(18))
        afterwards.mark_conducted(interview, by=coordinator, now=evening)
        if is_recorded:
            afterwards.register_recording(
                interview, {"recording_location": f"Secure research storage, {informant.code}"},
                by=coordinator, now=evening)
        stages = list(TranscriptStatus)
        for step, status in enumerate(stages[1:stages.index(TranscriptStatus(stage)) + 1], 1):
            afterwards.set_transcript_status(interview, status, by=coordinator,
                                             now=evening + timedelta(days=2 * step))


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing, quietly, if there is data already.")
def load_command(if_empty):
    """Load the demo data into an empty database."""
    if db.session.scalar(select(func.count()).select_from(Organisation)):
        if if_empty:
            return
        raise click.ClickException("The database already has data; demo data goes only into an empty one.")
    password = load_demo_data()
    click.echo("Demo data loaded.")
    click.echo(f"Log in as {DEMO_COORDINATOR} with the password {password}")
    click.echo("(shown only this once; `flask --app wsgi users create` makes more accounts)")
