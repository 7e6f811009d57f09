"""Times are stored in UTC and shown in the study's time zone (Europe/Oslo unless configured)."""

from zoneinfo import ZoneInfo

from flask import current_app


def study_zone():
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value):
    return value.astimezone(study_zone()) if value is not None else None


def format_local(value, fmt="%d.%m.%Y %H:%M"):
    return to_local(value).strftime(fmt) if value is not None else ""


def format_local_date(value):
    return format_local(value, "%d.%m.%Y")

