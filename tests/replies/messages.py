"""Calendar answers as the common programs send them (RFC 6047 iMIP), built byte by byte.

The layouts follow what each program is documented or commonly seen to send:
- Outlook: subject "Accepted: ...", multipart/alternative with text/plain and a base64
  text/calendar; method=REPLY part; times with a Windows TZID and its VTIMEZONE.
- Google Calendar: multipart/mixed holding multipart/alternative (with an inline 7bit
  text/calendar part) and the same file as an `invite.ics` attachment (application/ics, base64).
- Apple Calendar: a single inline text/calendar part after the text, quoted-printable.
- Thunderbird (Lightning): PARTSTAT with a COMMENT, multipart/mixed, an 8bit UTF-8 part.
"""

import base64
import quopri
from datetime import UTC

STAMP = "20260302T090000Z"


def _vcalendar(method, uid, sequence, attendee, *, partstat=None, comment="", start=None,
               end=None, tz=None, organizer="coordinator@example.org", prodid="-//Test//EN",
               extra="", stamp=STAMP):
    lines = ["BEGIN:VCALENDAR", f"PRODID:{prodid}", "VERSION:2.0", f"METHOD:{method}"]
    if tz:
        lines += tz
    lines += ["BEGIN:VEVENT", f"UID:{uid}", f"SEQUENCE:{sequence}", f"DTSTAMP:{stamp}",
              f"ORGANIZER:mailto:{organizer}"]
    params = f";PARTSTAT={partstat}" if partstat else ""
    lines.append(f"ATTENDEE{params}:{attendee}")
    if start:
        lines += [start, end]
    if comment:
        lines.append(f"COMMENT:{comment}")
    if extra:
        lines.append(extra)
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def _headers(sender, subject, message_id, content_type):
    return (f"From: {sender}\r\nTo: coordinator@example.org\r\nSubject: {subject}\r\n"
            f"Date: Mon, 02 Mar 2026 10:00:00 +0100\r\nMessage-ID: {message_id}\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n")


def _b64(text, charset="utf-8"):
    return base64.encodebytes(text.encode(charset)).decode().replace("\n", "\r\n")


WINDOWS_TZ = ["BEGIN:VTIMEZONE", "TZID:W. Europe Standard Time", "BEGIN:STANDARD",
              "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
              "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "END:STANDARD", "BEGIN:DAYLIGHT",
              "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
              "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE"]


def outlook(uid, sequence, address, *, partstat="ACCEPTED", message_id="<outlook-1@mail.example.net>",
            sender=None, subject_word="Accepted"):
    # Outlook writes the scheme in capitals.
    ics = _vcalendar("REPLY", uid, sequence, f"MAILTO:{address}", partstat=partstat,
                     tz=WINDOWS_TZ, prodid="-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN")
    boundary = "_000_outlook_"
    return (_headers(sender or address, f"{subject_word}: Research interview: AI in image diagnostics",
                     message_id, f'multipart/alternative; boundary="{boundary}"') +
            f"--{boundary}\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\n\r\n"
            f"--{boundary}\r\nContent-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(ics)}\r\n--{boundary}--\r\n").encode()


def google(uid, sequence, address, *, partstat="DECLINED", message_id="<google-1@mail.example.net>"):
    ics = _vcalendar("REPLY", uid, sequence,
                     f"mailto:{address}", partstat=partstat,
                     prodid="-//Google Inc//Google Calendar 70.9054//EN")
    ics = ics.replace("ATTENDEE;", 'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;CN="Åse Øvrebø";')
    outer, inner = "000000000000outer", "000000000000inner"
    word = {"DECLINED": "Declined", "ACCEPTED": "Accepted", "TENTATIVE": "Tentatively Accepted"}
    return (_headers(f'"=?UTF-8?Q?=C3=85se?=" <{address}>',
                     f"{word[partstat]}: Research interview @ Mon 9 Mar 2026 10am - 11am (CET)",
                     message_id, f'multipart/mixed; boundary="{outer}"') +
            f"--{outer}\r\nContent-Type: multipart/alternative; boundary=\"{inner}\"\r\n\r\n"
            f"--{inner}\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\n"
            f"{address} has declined this invitation.\r\n"
            f"--{inner}\r\nContent-Type: text/calendar; charset=\"UTF-8\"; method=REPLY\r\n"
            f"Content-Transfer-Encoding: 7bit\r\n\r\n" +
            ics.replace("Åse Øvrebø", "Ase Ovrebo") +
            f"--{inner}--\r\n"
            f"--{outer}\r\nContent-Type: application/ics; name=\"invite.ics\"\r\n"
            f"Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(ics)}\r\n--{outer}--\r\n").encode()


def apple(uid, sequence, address, *, partstat="TENTATIVE", message_id="<apple-1@icloud.example.net>"):
    ics = _vcalendar("REPLY", uid, sequence, f"mailto:{address}", partstat=partstat,
                     prodid="-//Apple Inc.//iPhone OS 17.4//EN",
                     extra="X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC")
    qp = quopri.encodestring(ics.encode("utf-8")).decode()
    boundary = "Apple-Mail=_1234"
    return (_headers(address, "Invitation: Research interview (Maybe)", message_id,
                     f'multipart/alternative; boundary="{boundary}"') +
            f"--{boundary}\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/plain;\r\n"
            f"\tcharset=us-ascii\r\n\r\nMaybe.\r\n"
            f"--{boundary}\r\nContent-Transfer-Encoding: quoted-printable\r\n"
            f"Content-Type: text/calendar;\r\n\tcharset=utf-8;\r\n\tmethod=REPLY;\r\n"
            f"\tname=invite.ics\r\nContent-Disposition: inline;\r\n\tfilename=invite.ics\r\n\r\n"
            f"{qp}\r\n--{boundary}--\r\n").encode()


def thunderbird(uid, sequence, address, *, partstat="DECLINED", comment="Jeg er på kurs den dagen",
                message_id="<thunderbird-1@example.net>", charset="UTF-8", stamp=STAMP):
    ics = _vcalendar("REPLY", uid, sequence, f"mailto:{address}", partstat=partstat,
                     comment=comment, stamp=stamp, prodid="-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN")
    boundary = "------------tb0123456789"
    body = ics.encode(charset)
    return (_headers(address, "Declined: Research interview", message_id,
                     f'multipart/mixed; boundary="{boundary}"').encode() +
            f"--{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
            f"Declined.\r\n--{boundary}\r\nContent-Type: text/calendar; charset={charset}; "
            f"method=REPLY\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode() +
            body + f"--{boundary}--\r\n".encode())


def counter(uid, sequence, address, start, end, *, comment="Kan vi ta det dagen etter?",
            message_id="<counter-1@mail.example.net>"):
    """Outlook's "New Time Proposed": METHOD:COUNTER with the proposed DTSTART and DTEND."""
    def stamp(value):
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    ics = _vcalendar("COUNTER", uid, sequence, f"mailto:{address}", partstat="TENTATIVE",
                     comment=comment, start=f"DTSTART:{stamp(start)}", end=f"DTEND:{stamp(end)}",
                     prodid="-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN")
    boundary = "_000_counter_"
    return (_headers(address, "New Time Proposed: Research interview", message_id,
                     f'multipart/alternative; boundary="{boundary}"') +
            f"--{boundary}\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\n\r\n"
            f"--{boundary}\r\nContent-Type: text/calendar; charset=\"utf-8\"; method=COUNTER\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(ics)}\r\n--{boundary}--\r\n").encode()


def plain(message_id="<plain-1@example.net>", sender="someone@example.net"):
    """Ordinary mail in the study mailbox: fieldwork never touches it."""
    return (_headers(sender, "Question about the study", message_id,
                     "text/plain; charset=utf-8") + "Hello, a question.\r\n").encode()


def malformed(message_id="<broken-1@example.net>", sender="someone@example.net"):
    """A REPLY part that says REPLY but holds no event."""
    boundary = "b"
    return (_headers(sender, "Accepted: ?", message_id, f'multipart/mixed; boundary="{boundary}"') +
            f"--{boundary}\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n"
            "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
            f"--{boundary}--\r\n").encode()
