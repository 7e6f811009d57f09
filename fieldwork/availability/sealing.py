"""Secrets the app must use again later (a private calendar address, a CalDAV password), kept
encrypted at rest. Tokens the app only compares are hashed instead (fieldwork.consent.tokens);
these cannot be, because the scheduler has to send them to the calendar server.

The key is derived from FIELDWORK_SECRET_KEY, so a copy of the database alone does not reveal
them. Changing the secret key makes them unreadable: each interviewer then enters the address
again (the availability page says so)."""

import base64

from flask import current_app


class Unreadable(Exception):
    """A sealed value that this secret key cannot open."""


def _fernet():
    # Imported here: only the availability pages and the scheduler's calendar reads need it.
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"fieldwork busy calendar v1").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text):
    return _fernet().encrypt(text.encode()).decode() if text else ""


def unseal(sealed):
    if not sealed:
        return ""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise Unreadable() from None
