"""The scheduled jobs: each calls one service that finds in the database what is due and is
safe to run twice, and returns a short summary in counts for the status page."""

from ..database import utcnow


def dispatch_mail():
    from ..outbox.services import dispatch_pending

    report = dispatch_pending(now=None)  # the dispatcher reads the clock per message
    return report.summary()


def send_reminders():
    from ..reminders.services import send_due_reminders

    return send_due_reminders(now=utcnow()).summary()


def send_digest():
    from ..digest.services import send_daily_digest

    return send_daily_digest(now=utcnow())


def report_retention():
    from ..retention.services import send_retention_report

    return send_retention_report(now=utcnow())


def run_member_checks():
    from ..memberchecks.services import run_member_checks

    return run_member_checks(now=utcnow())


def follow_up_consent():
    from ..consent.services import send_consent_follow_ups

    return f"sent {len(send_consent_follow_ups(now=utcnow()))}"


def refresh_busy_times():
    from ..availability.busy import refresh_due_calendars

    return refresh_due_calendars(now=utcnow())


def read_replies():
    from ..replies.services import read_replies

    return read_replies(now=None).summary()  # each message is stamped as it is read


def follow_up_offers():
    from ..offers.services import follow_up_offers

    return follow_up_offers(now=utcnow())
