"""A real Dovecot for the whole session (tests/support/dovecot.py), emptied for each test."""

import pytest

from tests.conftest import require
from tests.support import dovecot as dovecot_support


@pytest.fixture(scope="session")
def dovecot():
    require(dovecot_support.available(),
            "Dovecot is not installed (Debian package dovecot-imapd, and openssl)")
    server = dovecot_support.Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(app, dovecot):
    """The study mailbox on Dovecot, empty, configured as FIELDWORK_IMAP_URL (STARTTLS)."""
    dovecot.empty()
    app.config["IMAP_URL"] = dovecot.url()
    app.config["IMAP_DONE_FOLDER"] = "fieldwork-answers"
    return dovecot
