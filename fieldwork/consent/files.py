"""Uploaded files (consent evidence, information letters as PDF): checked by their content, kept
under the instance folder by random names, never under a name or path a user supplied."""

import hashlib
import os
import re
import secrets
from pathlib import Path

from contextlib import contextmanager

from flask import current_app
from flask_babel import gettext as _

from ..errors import DomainError
from ..extensions import db

EVIDENCE_FOLDER = "consent-evidence"
LETTER_FOLDER = "consent-files"
EVIDENCE_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
LETTER_TYPES = {"application/pdf": "pdf"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png)")


def read_limited(stream):
    """At most one byte more than the limit, so an oversize upload is known without reading it
    all into memory."""
    return stream.read(current_app.config["CONSENT_UPLOAD_MAX_BYTES"] + 1)


def check_upload(data, allowed, *, field):
    """(content type, extension) of an upload, judged by its bytes; DomainError otherwise."""
    limit = current_app.config["CONSENT_UPLOAD_MAX_BYTES"]
    if not data:
        raise DomainError(_("The file is empty."), field)
    if len(data) > limit:
        raise DomainError(_("The file is larger than %(size)s MB.", size=limit // (1024 * 1024)),
                          field)
    import filetype  # here, not at start-up: only uploads need it

    kind = filetype.guess(data)
    if kind is None or kind.mime not in allowed:
        names = ", ".join(sorted(ext.upper() for ext in set(allowed.values())))
        raise DomainError(_("The file is not a %(types)s file (judged by its content, not its "
                            "name).", types=names), field)
    return kind.mime, allowed[kind.mime]


def store(data, folder, extension):
    """Write the bytes under instance/<folder>/ by a new random name; returns (name, sha256)."""
    directory = Path(current_app.instance_path) / folder
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.{extension}"
    descriptor = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return name, hashlib.sha256(data).hexdigest()


def path_of(folder, stored_name):
    """The file's path; only names this module made are accepted."""
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise ValueError("not a stored file name")
    return Path(current_app.instance_path) / folder / stored_name


def discard(folder, stored_name):
    """Remove a file written for a transaction that did not commit."""
    try:
        path_of(folder, stored_name).unlink(missing_ok=True)
    except ValueError:
        pass


@contextmanager
def committed_or_discarded(folder):
    """Commit the transaction at the end of the block; if anything fails, roll it back and remove
    the files stored for it (their names appended to the list this yields): no file without its
    row, no row without its file."""
    written = []
    try:
        yield written
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in written:
            discard(folder, name)
        raise
