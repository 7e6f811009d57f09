"""Small factories with sensible defaults, called inside the test's app context."""

import itertools
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from fieldwork import audit
from fieldwork.access import UserRole
from fieldwork.auth.services import create_user, start_session
from fieldwork.extensions import db
from fieldwork.informants.services import create_informant
from fieldwork.organisations.services import create_organisation, create_role

PASSWORD = "violet-harbour-kettle-91"
# The study's time zone (TestConfig's TIMEZONE) and the frozen moment tests pass as `now=`:
# Monday 2 March 2026, 09:00 in Oslo (winter time, a few weeks before the clocks go forward).
OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
_sequence = itertools.count(1)


def oslo(*args):
    """An aware datetime in Oslo: `oslo(2026, 3, 9, 10)`."""
    return datetime(*args, tzinfo=OSLO)


def make_user(role=UserRole.COORDINATOR, email=None, name=None, password=PASSWORD,
              language=None):
    role = UserRole(role)
    n = next(_sequence)
    return create_user(email or f"{role.value}{n}@example.org", name or f"Test {role.label} {n}",
                       role.value, password, by=audit.COMMAND_LINE, language=language)


def log_client_in(client, user):
    """Give the test client a real login session for `user` (as the login page would)."""
    token = start_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session["session_token"] = token
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def make_organisation(name=None, code=None, level="local"):
    n = next(_sequence)
    return create_organisation({"name": name or f"Hospital trust {n}", "code": code or f"HT{n}",
                                "governance_level": level}, by=audit.COMMAND_LINE)


def make_role(name=None, code=None):
    n = next(_sequence)
    return create_role({"name": name or f"Role {n}", "code": code or f"R{n}"}, by=audit.COMMAND_LINE)


def make_informant(organisation=None, role=None, **values):
    organisation = organisation or make_organisation()
    role = role or make_role()
    n = next(_sequence)
    data = {"name": f"Informant Number{n}", "email": f"informant{n}@example.org",
            "organisation_id": organisation.id, "role_id": role.id, "language": "nb",
            "status": "identified"}
    data.update(values)
    return create_informant(data, by=audit.COMMAND_LINE)


def reload(model, ident):
    """A row as the database has it now, not as this test's session remembers it."""
    db.session.rollback()  # ends the session's snapshot and expires what it holds
    return db.session.get(model, ident)


GUIDE_MARKDOWN = """\
## [t-workflow] Workflow
- [q-daily] How does the AI tool fit into your daily reading?
  - What changed compared with before?
- [q-trust-ai] When do you trust the tool's findings?
  - And when not?
  - Can you give an example?

## [t-governance] Governance
- [q-who-decided] Who decided to introduce the tool?
"""


def make_guide(title=None, *, content=GUIDE_MARKDOWN, publish=False, by=None, **values):
    """A guide whose draft version 1 holds `content` (Markdown); published if asked."""
    from fieldwork.guides import services as guides

    n = next(_sequence)
    by = by or make_user(role="coordinator")
    data = {"title": title or f"Guide {n}", "purpose": "", "language": "en"}
    data.update(values)
    guide = guides.create_guide(data, by=by)
    version = guides.get_version(guide.id, 1)
    if content:
        guides.update_draft(version, {"content": content, "change_note": ""}, by=by)
    if publish:
        guides.publish_version(version, by=by)
    return guide


def published_version(by=None):
    """A published guide version to interview with."""
    from fieldwork.guides import services as guides

    guide = make_guide(publish=True, by=by)
    return guides.get_version(guide.id, 1)


def interview_values(*, informants, interviewers, start, duration=60, mode="video",
                     place="", meeting_url="https://meet.example.org/room-1", guide_version=None,
                     language="", notes=""):
    """Scheduling input as the form gives it; `start` is an aware datetime, entered in Oslo.
    `language` chooses one language for every informant's emails ("": each their own)."""
    from zoneinfo import ZoneInfo

    local = start.astimezone(ZoneInfo("Europe/Oslo"))
    return {"informant_ids": [i.id for i in informants],
            "interviewer_ids": [u.id for u in interviewers],
            "start_date": local.date(), "start_time": local.time(), "duration_minutes": duration,
            "mode": mode, "place": place, "meeting_url": meeting_url,
            "guide_version_id": (guide_version or published_version()).id,
            "language": language, "notes": notes}


def make_interview(*, informants=None, interviewers=None, start=None, by=None, now=None,
                   send_invites=True, **values):
    """An interview a week ahead at 10:00 Oslo time, invitations queued unless told otherwise."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from fieldwork.interviews import services as interviews

    by = by or make_user(role="coordinator")
    if start is None:
        day = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo("Europe/Oslo")).date()
        start = datetime.combine(day + timedelta(days=7), time(10),
                                 tzinfo=ZoneInfo("Europe/Oslo"))
    data = interview_values(informants=informants or [make_informant()],
                            interviewers=interviewers or [by], start=start, **values)
    return interviews.schedule_interview(data, by=by, now=now,
                                         send_invites=send_invites)


LETTER = """\
## Do you want to take part in the research project *AI in image diagnostics*?

We ask you because you work with the introduction of AI in radiology. Taking part is voluntary.
"""


def make_consent_form(language="nb", *, activate=True, by=None, version_label=None, **values):
    """A consent form version with the four standard items, active unless told otherwise."""
    from fieldwork.consent import services as consent

    n = next(_sequence)
    by = by or make_user(role="coordinator")
    data = {"title": f"Information letter {n}", "language": language,
            "version_label": version_label or f"v{n}", "letter_markdown": LETTER,
            "approval_reference": f"Sikt {100000 + n}"}
    data.update(values)
    version = consent.create_form_version(data, by=by)
    if activate:
        consent.activate_form_version(version, by=by)
    return consent.get_form_version(version.id)


def give_consent(informant, items=None, *, method="signed-paper", by=None, now=None, **options):
    """Register consent for `informant`; all four standard items unless `items` says otherwise."""
    from fieldwork.consent import services as consent
    from fieldwork.consent.models import STANDARD_ITEMS

    states = dict.fromkeys(STANDARD_ITEMS, True)
    states.update(items or {})
    return consent.give_consent(informant, states, method=method,
                                by=by or make_user(role="coordinator"), now=now, **options)


def wait_for_delivery(app=None):
    """Wait until the mail that requests handed over after their commit has been delivered."""
    from flask import current_app

    from fieldwork.outbox.delivery import courier_for

    assert courier_for(app or current_app._get_current_object()).wait_until_idle(timeout=30), \
        "delivery after the request did not finish"
