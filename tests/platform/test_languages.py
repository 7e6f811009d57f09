"""The staff's pages in bokmål and English (issue 19).

- The bokmål catalog holds every text the code and templates mark, each translated, none stale,
  with the same placeholders as the English.
- Every page every role can open, rendered in bokmål, shows none of a list of English words
  that bokmål never uses; rendered in English, none of a list of bokmål words.
- The login page's switch, the account's language, WTForms' own messages, and dates.
"""

import re
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from fieldwork.access import UserRole
from fieldwork.auth.models import User
from fieldwork.extensions import db
from fieldwork.informants.models import Language
from fieldwork.timeutil import format_local, format_long
from tests import factories
from tests.support.crawl import page_urls, seed_study

PROJECT = Path(__file__).resolve().parents[2]
CATALOG = PROJECT / "fieldwork/translations/nb/LC_MESSAGES/messages.po"
# The keywords of `make messages`, besides Babel's own (_, gettext, ngettext, pgettext, ...).
KEYWORDS = {"_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "lazy_pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")

# Words English pages use all the time and bokmål never does. Lower-case ones are matched as
# written, capitalised ones as labels and buttons are written; names and codes in the seeded
# study use none of them.
ENGLISH_WORDS = [
    "the", "and", "with", "your", "you", "this", "that", "are", "has", "have", "will", "was",
    "which", "when", "there", "their", "been", "from", "after", "before", "of", "or", "no",
    "yet", "not yet", "Save", "Cancel", "Delete", "Edit", "Back", "Search", "Show", "Add", "New",
    "Upcoming", "Download", "Withdraw", "Schedule", "Interviews", "Organisation",
    "Organisations", "Documents", "Dashboard", "Date", "Time", "Name", "Notes", "Change",
    "Email", "None", "Yes", "All", "Open", "Close", "Sent", "Cancelled", "Conducted",
    "Scheduled", "Confirmed", "Invited", "Week", "Month", "Today", "Previous", "Next", "Page",
    "Filter", "Consent", "Withdrawn", "Given", "Pending", "Language", "Level", "Recording",
    "Transcript", "Question", "Questions", "Theme", "Themes", "Published", "Draft", "Version",
]
# And the other way round: bokmål words an English page never shows.
BOKMAL_WORDS = [
    "og", "med", "ikke", "eller", "til", "fra", "som", "har", "er", "Lagre", "Avbryt", "Slett",
    "Rediger", "Tilbake", "Søk", "Vis", "Ny", "Nytt", "Kommende", "Last ned", "Intervjuer",
    "Dokumenter", "Oversikt", "Dato", "Navn", "Notater", "Endre", "E-post", "Ingen", "Ja",
    "Alle", "Avlyst", "Gjennomført", "Planlagt", "Bekreftet", "Uke", "Måned", "I dag",
    "Forrige", "Neste", "Side", "Filtrer", "Samtykke", "Språk", "Nivå", "Lydopptak",
    "Transkripsjon", "Spørsmål", "Tema", "Publisert", "Utkast", "Versjon",
]
ENGLISH = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ENGLISH_WORDS)) + r")(?![\w-])")
# "Send" is a button in both languages, so neither list has it.
BOKMAL = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, BOKMAL_WORDS)) + r")(?![\w-])")


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes, and the attributes screen readers and
    browsers show (aria-label, title, placeholder, alt, button values). Scripts and styles are
    not text; <code>, anything marked with a `lang` other than the page's (an informant's
    email subject, a consent letter in its own language) and stored values marked
    translate="no" are not the page's language."""

    SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.stack, self.page_lang = [], [], None

    def _skipping(self):
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page_lang = attrs.get("lang")
            return
        # Another language, or stored values shown as they are (translate="no", the audit log).
        foreign = ("lang" in attrs and attrs["lang"] != self.page_lang
                   or attrs.get("translate") == "no")
        skip = tag in ("script", "style", "code", "pre", "textarea", "option") or foreign
        if not self._skipping() and not skip:
            self.texts.extend(attrs[name] for name in self.SHOWN_ATTRIBUTES if attrs.get(name))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in self.VOID and tag != "html" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.texts.append(data.strip())


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return parser.page_lang, "\n".join(parser.texts)


def extracted_messages():
    """What `make messages` extracts today: {(context, msgid): placeholders}."""
    with (PROJECT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for _, _, message, _, context in extract_from_dir(
            str(PROJECT), method_map, options_map, keywords={**DEFAULT_KEYWORDS, **KEYWORDS}):
        key = (context, message if isinstance(message, str) else message[0])
        found[key] = message
    return found


def placeholders(text):
    return sorted(set(PLACEHOLDER.findall(text)))


def test_the_bokmal_catalog_holds_every_message_translated_and_nothing_stale():
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="nb")
    entries = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m
               for m in catalog if m.id}
    extracted = extracted_messages()
    missing = sorted(str(key) for key in extracted if key not in entries)
    stale = sorted(str(key) for key in entries if key not in extracted)
    untranslated, wrong_placeholders = [], []
    for key, message in entries.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            untranslated.append(str(key))
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = placeholders(ids[-1])
        for string in strings:
            # A plural's singular may write "one" instead of its number.
            if placeholders(string) != expected and not (
                    len(strings) > 1 and set(placeholders(string)) <= set(expected)):
                wrong_placeholders.append(str(key))
    assert missing == [], "not in the catalog: run `make messages` and translate them"
    assert untranslated == []
    assert stale == [], "in the catalog but no longer in the code: run `make messages`"
    assert wrong_placeholders == []


def bokmal_study(app):
    """The crawl's study, its one English study text (a consent letter) in bokmål."""
    seed_study(note="Notert", transcript_note="Transkribert",
               letter="## Vil du delta?\n\nDeltakelse er frivillig.")


def crawl(app, client, language, role):
    """(url, text) of every HTML page `role` may open, with the account in `language`."""
    user = factories.make_user(role=role, language=language, name="Kari Nordmann")
    factories.log_client_in(client, user)
    for url in page_urls(app, role):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code == 200 and response.mimetype == "text/html":
            page_lang, text = visible_text(response.get_data(as_text=True))
            assert page_lang == language, url
            yield url, text


def other_language_on_pages(app, client, language, role, other_words):
    """(pages crawled, {url: words of the other language shown there})."""
    leaks, pages = {}, 0
    for url, text in crawl(app, client, language, role):
        pages += 1
        found = sorted(set(other_words.findall(text)))
        if found:
            leaks[url] = found
    return pages, leaks


@pytest.mark.parametrize("role", list(UserRole), ids=lambda r: r.value)
def test_every_page_in_bokmal_shows_no_english(app, client, role):
    bokmal_study(app)
    pages, leaks = other_language_on_pages(app, client, "nb", role, ENGLISH)
    assert pages > 15
    assert leaks == {}, "\n".join(f"{url}: {words}" for url, words in leaks.items())


def test_every_page_in_english_shows_no_bokmal(app, client):
    # The seeded study's own bokmål (consent items, the letter) is data, marked with its
    # language, and so not counted.
    bokmal_study(app)
    pages, leaks = other_language_on_pages(app, client, "en", UserRole.ADMIN, BOKMAL)
    assert pages > 20
    assert leaks == {}, "\n".join(f"{url}: {words}" for url, words in leaks.items())


def test_a_visitor_switches_the_login_page_and_logging_in_keeps_the_account_language(app, client):
    app.config["DEFAULT_LANGUAGE"] = "nb"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="nb">' in page and "Logg inn" in page and "Norsk (bokmål)" in page
    switched = client.post("/language", data={"switch-language": "en"})
    assert switched.status_code == 303
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page and "Logg inn" not in page
    refused = client.post("/language", data={"switch-language": "de"})
    assert refused.status_code == 303
    assert "Choose one of the languages in the list." in client.get("/login").get_data(True)
    user = factories.make_user(role="researcher", language="nb")
    factories.log_client_in(client, user)
    assert '<html lang="nb">' in client.get("/account").get_data(as_text=True)


def test_the_account_language_changes_the_pages_at_once(app, client, login_as):
    user = login_as("coordinator")
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="en">' in page and "Your account" in page
    saved = client.post("/account", data={"language": "nb"}, follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert '<html lang="nb">' in text and "Kontoen din" in text and "Språket ditt er lagret." in text
    assert factories.reload(User, user.id).language is Language.NB


def test_form_messages_including_wtforms_own_are_in_bokmal(app, client):
    user = factories.make_user(role="coordinator", language="nb")
    factories.log_client_in(client, user)
    response = client.post("/account", data={"language": "de"})
    assert response.status_code == 422
    assert "Ikke et gyldig valg" in response.get_data(as_text=True)
    assert factories.reload(User, user.id).language is Language.NB


@pytest.mark.parametrize(("language", "expected"), [
    ("nb", "søndag 29. mars 2026 kl. 03:30"), ("en", "Sunday 29 March 2026 at 03:30")])
def test_dates_name_weekdays_and_months_in_the_page_language_across_daylight_saving(
        app, language, expected):
    # 01:30 UTC on the night the clocks go forward is 03:30 summer time in Oslo.
    instant = datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)
    with app.test_request_context():
        from flask import g

        g.page_language = language
        assert format_long(instant) == expected
        winter = format_local(datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc), "%A %H:%M")
        assert winter == {"nb": "søndag 01:30", "en": "Sunday 01:30"}[language]
        assert format_local(date(2026, 10, 25), "%a %d. %b") == {
            "nb": "søn 25. okt", "en": "Sun 25. Oct"}[language]
