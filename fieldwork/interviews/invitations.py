"""What an interview's attendees receive: the calendar event, and the emails that carry it.

Everyone gets their own email, in their own language (`fieldwork.languages` decides: an
informant's preferred one unless the coordinator chose one for the interview, a colleague's
account language), carrying the same event: one UID for the interview's whole life, the current
SEQUENCE. An informant's copy names only the interviewers and that informant as attendees.

A new message to someone supersedes their unsent older ones about the interview (DESIGN.md,
"Outbox order"), so each calendar gets what it needs and nothing stale: the newest state, as an
invitation if they never received one; a cancellation only if they hold the event.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import ical, languages, mail
from ..consent.services.requests import links_for_invitation
from ..extensions import db
from ..guides.models import GuideVersion
from ..informants.models import Informant
from ..outbox import services as outbox
from ..timeutil import babel_locale, to_local
from .models import InterviewMode

SUMMARY = {"nb": "Forskningsintervju: {study}", "en": "Research interview: {study}"}
WHEN_FORMAT = {"nb": "EEEE d. MMMM y 'kl.' HH:mm", "en": "EEEE d MMMM y 'at' HH:mm"}


@dataclass(frozen=True)
class Attendee:
    key: str             # "informant:12" or "user:3": who, whatever their address is
    email: str | None
    name: str
    label: str           # how messages to the coordinator name them: a code or a colleague's name
    informant_id: int | None = None
    user_id: int | None = None
    language: str = "en"  # of everything they receive about the interview


def attendees(interview):
    """Informants first, then interviewers, as the invitation lists them."""
    people = [Attendee(f"informant:{i.id}", i.email, i.name, i.code, informant_id=i.id,
                       language=languages.for_informant(i, interview))
              for i in interview.informants]
    people += [Attendee(f"user:{u.id}", u.email, u.name, u.name, user_id=u.id,
                        language=languages.for_user(u))
               for u in interview.interviewers]
    return people


def new_uid():
    return ical.new_uid(urlsplit(current_app.config["BASE_URL"]).hostname or "fieldwork")


def organizer(language):
    return ical.Participant(current_app.config["ORGANIZER_EMAIL"],
                            languages.organizer_name(language))


def summary(language):
    return SUMMARY[language].format(study=languages.study_name(language))


def local_when(value, language):
    from babel.dates import format_datetime  # Babel's locale data loads on first use

    return format_datetime(to_local(value), WHEN_FORMAT[language],
                           locale=babel_locale(language))


def _details(interview, language):
    """What every message says about the meeting, in `language`."""
    return {
        "language": language,
        "study_name": languages.study_name(language),
        "starts": local_when(interview.starts_at, language),
        "ends": to_local(interview.ends_at).strftime("%H:%M"),
        "duration": interview.duration_minutes,
        "zone": to_local(interview.starts_at).tzname(),
        "mode": interview.mode.value,
        "place": interview.place,
        "meeting_url": interview.meeting_url,
        "contact_name": languages.organizer_name(language),
        "contact_email": current_app.config["ORGANIZER_EMAIL"],
        "interviewers": [u.name for u in interview.interviewers],
    }


def message_details(interview, language):
    """The meeting as emails describe it (time, place, contact), in `language`: for reminders."""
    return _details(interview, language)


def _description(details):
    """DESCRIPTION repeats the essentials, for clients that show the event, not the email."""
    if details["language"] == "nb":
        lines = [f"Tid: {details['starts']}–{details['ends']} ({details['zone']})"]
        where = {"in-person": "Sted", "video": "Videomøte", "phone": "Telefon"}
        contact = "Kontakt"
    else:
        lines = [f"Time: {details['starts']}–{details['ends']} ({details['zone']})"]
        where = {"in-person": "Place", "video": "Video meeting", "phone": "Phone"}
        contact = "Contact"
    if details["mode"] == "video":
        lines.append(f"{where['video']}: {details['meeting_url']}")
    elif details["place"] or details["mode"] == "in-person":
        lines.append(f"{where[details['mode']]}: {details['place']}")
    lines.append(f"{contact}: {details['contact_name']} <{details['contact_email']}>")
    return "\n".join(lines)


def calendar_event(interview, people, language):
    details = _details(interview, language)
    location = interview.place if interview.mode is InterviewMode.IN_PERSON else (
        interview.meeting_url if interview.mode is InterviewMode.VIDEO else interview.place)
    return ical.Event(
        uid=interview.uid, sequence=interview.sequence,
        starts_at=interview.starts_at, ends_at=interview.ends_at,
        summary=summary(details["language"]), location=location,
        description=_description(details),
        url=interview.meeting_url if interview.mode is InterviewMode.VIDEO else "",
        attendees=tuple(ical.Participant(p.email, p.name) for p in people if p.email))


def queue_request(interview, recipients, *, purpose, by, now):
    """Queue the current version of the event (METHOD:REQUEST) to each recipient.

    Interviewers' copies list everyone. Each informant's copy lists the interviewers and that
    informant only (RFC 5546 lets each recipient's copy carry its own attendees): in a group
    interview nobody learns the other informants' addresses from the invitation."""
    if not recipients:
        return []
    everyone = attendees(interview)
    team = [p for p in everyone if p.user_id is not None]
    for_team = {}  # one copy per language

    def calendar_for(person):
        language = person.language
        if person.informant_id is None:
            if language not in for_team:
                for_team[language] = ical.build_request(
                    calendar_event(interview, everyone, language), organizer(language), stamp=now)
            return for_team[language]
        return ical.build_request(calendar_event(interview, [person, *team], language),
                                  organizer(language), stamp=now)

    return _queue(interview, recipients, calendar_for, "REQUEST", purpose, by=by, now=now)


def queue_cancel(interview, recipients, *, by, now):
    """Queue a cancellation (METHOD:CANCEL) to each recipient, naming only them as attendees,
    so that removing one person does not cancel the event for the others."""
    if not recipients:
        return []
    calendars = {language: ical.build_cancel(calendar_event(interview, recipients, language),
                                             organizer(language), stamp=now)
                 for language in {p.language for p in recipients}}
    return _queue(interview, recipients, lambda person: calendars[person.language], "CANCEL",
                  "cancel", by=by, now=now)


def _queue(interview, recipients, calendar_for, method, purpose, *, by, now):
    details = {}  # per language
    messages = []
    informants = {i.id: i for i in interview.informants}
    recipients = [p for p in recipients if p.email]
    team = _for_the_team(interview) if any(p.user_id for p in recipients) else {}
    addresses = {p.key: _address_or_none(p.email) for p in recipients}
    holding = outbox.supersede_pending(
        interview.id, [a for a in addresses.values() if a is not None])
    for person in recipients:
        has_event = addresses[person.key] in holding
        # An update to someone whose invitation never left is their invitation.
        what = "invite" if method == "REQUEST" and not has_event else purpose
        links = {}
        if person.informant_id is not None:
            links = _informant_links(informants.get(person.informant_id) or
                                     db.session.get(Informant, person.informant_id),
                                     now, with_consent=method == "REQUEST", by=by)
        language = person.language
        if language not in details:
            details[language] = _details(interview, language)
            del details[language]["language"]
        subject, text, html = mail.render_email(
            f"interview_{what}", language, recipient_name=person.name,
            is_informant=person.informant_id is not None, **details[language], **links,
            **(team if person.user_id is not None else {}))
        messages.append(outbox.new_email(
            recipient=(person.email, person.name), subject=subject, text=text, html=html,
            purpose=what, now=now, calendar=calendar_for(person), method=method,
            sequence=interview.sequence, informant_id=person.informant_id,
            user_id=person.user_id, interview_id=interview.id, by=by, language=language,
            # A calendar that never held the event needs no cancellation: kept, not sent.
            superseded=method == "CANCEL" and not has_event))
    return outbox.queue_emails(messages)


def _for_the_team(interview):
    """What interviewers' emails add: who the informants are (interviewers see identities), the
    guide version to use, and the interview's page. Never in an informant's email."""
    version = db.session.scalar(select(GuideVersion).options(joinedload(GuideVersion.guide))
                                .where(GuideVersion.id == interview.guide_version_id))
    base = current_app.config["BASE_URL"].rstrip("/")
    return {"team_informants": [f"{i.code} ({i.name})" for i in interview.informants],
            "team_guide": f"{version.guide.title}, version {version.number}" if version else "",
            "team_interview_url": f"{base}/interviews/{interview.id}"}


def _address_or_none(address):
    """The address as the outbox stores it; None for one that cannot go into a header, which
    `outbox.new_email` refuses (or, during a withdrawal, records as failed)."""
    try:
        return mail.check_address("To", address)
    except mail.UnsafeHeader:
        return None


def _informant_links(informant, now, *, with_consent, by):
    """Every email to an informant carries their withdrawal link; an invitation also carries
    the consent link while their consent is not given (scheduling may come before consent),
    which makes it a consent request."""
    links = links_for_invitation(informant, by=by, now=now, offer_consent=with_consent)
    return {"withdraw_url": links.withdraw_url, "consent_url": links.consent_url}


def download_file(interview, *, language, now):
    """The event as a file to open in a calendar by hand (the interview page's .ics), in the
    language of whoever downloads it."""
    return ical.build_event_file(calendar_event(interview, attendees(interview), language),
                                 organizer(language), stamp=now)

