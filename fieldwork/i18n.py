"""The language of the staff's pages: bokmål or English, chosen per account.

Which language a page speaks, in order:

1. a language a view set for its page (`g.page_language`);
2. a logged-in member of the team reads their account's language (`User.language`);
3. a visitor who chose a language on the login page reads that (kept in the session);
4. otherwise the study's language, `FIELDWORK_DEFAULT_LANGUAGE` (bokmål unless configured).

Outside a request (the scheduler, the command line, a test calling a domain function) messages
are English, so logs and command output read the same on every install.

The catalogs live in `fieldwork/translations/<language>/LC_MESSAGES/messages.po`; the compiled
`.mo` files are built by `make translations` (and by `make run` and `make test`), not committed.
"""

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import current_app, g, has_app_context, has_request_context, session
from flask_babel import Domain, get_domain, get_locale

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

# Each language as its own speakers write its name, so anyone can find theirs in a list.
AUTONYMS = {"nb": "Norsk (bokmål)", "en": "English"}
LANGUAGES = tuple(AUTONYMS)
SESSION_KEY = "language"


def page_language():
    """The language of the page being rendered (Flask-Babel's locale selector)."""
    if not has_request_context():
        return "en"
    chosen = g.get("page_language")
    if chosen in LANGUAGES:
        return chosen
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        language = getattr(current_user.language, "value", current_user.language)
        if language in LANGUAGES:
            return language
    visitor = session.get(SESSION_KEY)
    if visitor in LANGUAGES:
        return visitor
    return current_app.config["DEFAULT_LANGUAGE"]


def current_language():
    """The language messages are being translated into right now (Babel's locale, as a code)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def request_translations():
    """The catalog of the locale being translated into, looked up once per request and locale.

    Flask-Babel finds the request's context, its locale and the locale's cache key anew for
    every text it translates, some 15 µs each; a list page translates hundreds (its labels,
    every row's status), and that had made the pages up to twice as slow. The catalog is kept
    beside the locale object it is for: `force_locale` (emails in their reader's language) and
    `refresh` (a new language chosen) put another locale object there, which finds it again."""
    context = g.get("_flask_babel") if has_app_context() else None
    kept = getattr(context, "fieldwork_translations", None)
    if kept is not None and kept[0] is getattr(context, "babel_locale", None):
        return kept[1]
    translations = Domain.get_translations(get_domain())
    context = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(context, "babel_locale", None)
    if locale is not None:
        context.fieldwork_translations = (locale, translations)
    return translations


class RequestDomain(Domain):
    """Flask-Babel's message domain, with `request_translations` behind every lazy text and
    `gettext` in Python."""

    def get_translations(self):
        return request_translations()


def install_template_gettext(jinja_env):
    """Templates' `_()`, `ngettext` and `pgettext` through `request_translations`, in place of
    Flask-Babel's, which look the catalog up for every text."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)


def choose_for_visitor(language):
    """The login page's switch: a visitor who has not logged in reads `language` from now on."""
    from flask_babel import refresh

    if language in LANGUAGES:
        session[SESSION_KEY] = language
        refresh()


def format_number(value, digits=None):
    """A number as the page's language writes it: "1 234,5" in bokmål, "1,234.5" in English."""
    if value is None:
        return ""
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    # Babel's own Locale object: a code given as text is parsed again on every call.
    return format_decimal(value, format=pattern, locale=get_locale() or "en")


def compile_catalogs(directory=TRANSLATIONS_DIR):
    """Compile each `messages.po` into the `.mo` that gettext reads, where the `.mo` is missing
    or older. Written to a temporary file and renamed, so a process reading the catalog never
    sees half of one. Returns the languages compiled."""
    compiled = []
    for po_path in sorted(Path(directory).glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(handle, "wb") as mo_file:
                write_mo(mo_file, catalog, use_fuzzy=False)
            os.replace(temporary, mo_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        compiled.append(po_path.parent.parent.name)
    return compiled


def missing_catalogs(directory=TRANSLATIONS_DIR):
    """Languages whose catalog has no compiled `.mo`, or one older than its `.po`."""
    missing = []
    for po_path in sorted(Path(directory).glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            missing.append(po_path.parent.parent.name)
    return missing


def warn_if_not_compiled(app):
    """Said at start-up: without a compiled catalog every page quietly comes out in English."""
    missing = missing_catalogs()
    if missing:
        app.logger.warning("translations not compiled for %s: pages fall back to English. "
                           "Run `make translations`.", ", ".join(missing))
