"""A guide version's content as data, as Markdown and as JSON, and its canonical hash.

Content is one JSON document, the same in the database, in exports and under the hash:

    {"themes": [{"key": "t-…", "title": "…",
                 "questions": [{"key": "q-…", "text": "…", "probes": ["…", …]}, …]}, …]}

Order is list order. Every text is one line, trimmed and NFC-normalised, so the Markdown and JSON
forms carry exactly the same information and convert into each other without loss.

Parsers return content in which keys may be None (a question typed without one); the services
give those a new key. Any problem raises FormatError naming the line.
"""

import bisect
import hashlib
import json
import re
from dataclasses import dataclass, field
from json.decoder import JSONObject
from json.scanner import py_make_scanner

from flask_babel import gettext as _
from ..errors import DomainError
from ..validation import clean_text

FORMAT_NAME = "fieldwork-guide/1"
THEME_KEY = re.compile(r"t-[a-z0-9]+(?:-[a-z0-9]+)*")
QUESTION_KEY = re.compile(r"q-[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_KEY_LENGTH = 40
MAX_THEMES = 100
MAX_QUESTIONS = 500
MAX_PROBES = 30
MAX_FILE_BYTES = 1024 * 1024
TITLE_LENGTH, QUESTION_LENGTH, PROBE_LENGTH = 200, 1000, 500


class FormatError(DomainError):
    """A guide file or text that cannot be read; the message names the line."""

    def __init__(self, message, line=None, field="content"):
        self.line = line
        super().__init__(_("Line %(line)s: %(message)s", line=line, message=message) if line
                         else message, field=field)


@dataclass
class Parsed:
    """What a file holds: the content, and the descriptive fields around it (informational)."""

    content: dict
    meta: dict = field(default_factory=dict)


# Canonical form and hash


def canonical_json(content):
    """The one serialisation the hash is computed from: the same bytes on every database."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_sha256(content):
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def empty_content():
    return {"themes": []}


# Building content item by item, with the same rules for Markdown and JSON


class _Builder:
    def __init__(self):
        self.themes = []
        self.keys = {}  # key -> line where first seen
        self.question_count = 0

    def theme(self, key, title, line):
        if len(self.themes) >= MAX_THEMES:
            raise FormatError(_("a guide has at most %(count)s themes.", count=MAX_THEMES), line)
        self._key(key, THEME_KEY, line)
        title = _text(title, TITLE_LENGTH, _("The theme title"), line)
        self.themes.append({"key": key, "title": title, "questions": []})

    def question(self, key, text, line):
        if not self.themes:
            raise FormatError(_("a question must come after a theme heading (## Theme)."), line)
        if self.question_count >= MAX_QUESTIONS:
            raise FormatError(_("a guide has at most %(count)s questions.", count=MAX_QUESTIONS),
                              line)
        self._key(key, QUESTION_KEY, line)
        text = _text(text, QUESTION_LENGTH, _("The question"), line)
        self.themes[-1]["questions"].append({"key": key, "text": text, "probes": []})
        self.question_count += 1

    def probe(self, text, line):
        questions = self.themes[-1]["questions"] if self.themes else []
        if not questions:
            raise FormatError(_("a probe must come right after its question."), line)
        probes = questions[-1]["probes"]
        if len(probes) >= MAX_PROBES:
            raise FormatError(_("a question has at most %(count)s probes.", count=MAX_PROBES),
                              line)
        probes.append(_text(text, PROBE_LENGTH, _("The probe"), line))

    def _key(self, key, pattern, line):
        if key is None:
            return
        if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not pattern.fullmatch(key):
            if pattern is THEME_KEY:
                message = _("a theme key is t- followed by lowercase letters, digits and single "
                            "hyphens, at most %(count)s characters.", count=MAX_KEY_LENGTH)
            else:
                message = _("a question key is q- followed by lowercase letters, digits and "
                            "single hyphens, at most %(count)s characters.", count=MAX_KEY_LENGTH)
            raise FormatError(message, line)
        if key in self.keys:
            raise FormatError(_("the key %(key)s is already used on line %(line)s.", key=key,
                                line=self.keys[key]), line)
        self.keys[key] = line

    def content(self):
        return {"themes": self.themes}


def _text(value, max_length, label, line):
    if not isinstance(value, str):
        raise FormatError(_("%(label)s must be text.", label=label), line)
    if "\n" in value or "\r" in value:
        raise FormatError(_("%(label)s must be on one line.", label=label), line)
    try:
        return clean_text(value, max_length=max_length, required=True, label=label)
    except DomainError as error:
        raise FormatError(error.message, line) from None


def check_content(content):
    """Validate content already in the stored shape (keys may be None); returns a clean copy."""
    return parse_json(json.dumps({"content": content})).content


# Markdown
#
#   ---                                 optional front matter, one `name: value` a line
#   guide: "Radiologists"               (values written as JSON strings, so also valid YAML;
#   ---                                  only change-note is read back, the rest informs)
#   # Radiologists                      optional title line, informational
#   ## [t-workflow] Workflow            a theme; the [key] is optional when typing
#   - [q-trust-ai] When do you trust…   a question (-, * or + or "1." bullets)
#     - And when not?                   a probe: an indented bullet under its question
#
# Blank lines are ignored; any other line is an error that names its line number.

_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*))?$")
_BULLET = re.compile(r"([ \t]*)(?:[-*+]|\d{1,3}[.)])[ \t]+(.*)$")
_KEYED = re.compile(r"\[([tqTQ]-[^\]\s]*)\](?:[ \t]+(.*))?$")
_META_LINE = re.compile(r"([a-z][a-z0-9-]*)[ \t]*:[ \t]*(.*)$")


def _split_key(rest, line):
    """`[q-key] text` -> (key, text); text without a leading [t-…] or [q-…] -> (None, text)."""
    match = _KEYED.match(rest)
    if not match:
        if rest[:3].lower() in ("[t-", "[q-"):
            raise FormatError(_("a key in brackets must be followed by a space and the text."),
                              line)
        return None, rest
    return match.group(1), match.group(2) or ""


def parse_markdown(text):
    lines = _lines(text)
    meta, start = _front_matter(lines)
    builder = _Builder()
    seen_title = False
    for number in range(start + 1, len(lines) + 1):
        raw = lines[number - 1].rstrip()
        if not raw.strip():
            continue
        heading = _HEADING.match(raw)
        bullet = _BULLET.match(raw)
        if heading:
            level, rest = len(heading.group(1)), (heading.group(2) or "").strip()
            if level == 1:
                if seen_title or builder.themes:
                    raise FormatError(_("only one title line (# Title) is allowed, before the "
                                        "first theme."), number)
                seen_title = True
                meta.setdefault("title", rest)
            elif level == 2:
                key, title = _split_key(rest, number)
                if key is not None and key[:2].lower() != "t-":
                    raise FormatError(_("theme keys start with t-."), number)
                builder.theme(key, title, number)
            else:
                raise FormatError(_("only themes (## Theme) and questions (- Question) are "
                                    "allowed; use ## for a theme."), number)
        elif bullet and not bullet.group(1):
            key, question = _split_key(bullet.group(2).strip(), number)
            if key is not None and key[:2].lower() != "q-":
                raise FormatError(_("question keys start with q-."), number)
            builder.question(key, question, number)
        elif bullet:
            builder.probe(bullet.group(2), number)
        else:
            raise FormatError(_("expected a theme (## Theme), a question (- Question) or an "
                                "indented probe (  - Probe)."), number)
    return Parsed(builder.content(), meta)


def _lines(text):
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise FormatError(_("The file is larger than 1 MB."))
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = text[:error.start].count(b"\n") + 1
            raise FormatError(_("the file is not UTF-8 text."), line) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _front_matter(lines):
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta = {}
    for index in range(1, len(lines)):
        raw = lines[index].strip()
        if raw == "---":
            return meta, index + 1
        if not raw:
            continue
        match = _META_LINE.match(raw)
        if not match:
            raise FormatError(_("front matter lines are `name: value`."), index + 1)
        value = match.group(2).strip()
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise FormatError(_("a quoted value must be a complete \"…\" string."),
                                  index + 1) from None
        meta[match.group(1)] = value
    raise FormatError(_("the front matter that starts on line 1 has no closing --- line."), 1)


def markdown_body(content):
    """Themes, questions and probes as Markdown: the part a person edits."""
    out = []
    for theme in content["themes"]:
        out.append(f"## [{theme['key']}] {theme['title']}")
        out.append("")
        for question in theme["questions"]:
            out.append(f"- [{question['key']}] {question['text']}")
            out.extend(f"  - {probe}" for probe in question["probes"])
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n" if out else ""


def export_markdown(version, guide):
    meta = _export_meta(version, guide)
    out = ["---"]
    for name, value in meta.items():
        if value is not None:
            out.append(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    out += ["---", "", f"# {guide.title}", ""]
    return "\n".join(out) + "\n" + markdown_body(version.content)


def _export_meta(version, guide):
    return {
        "format": FORMAT_NAME,
        "guide": guide.title,
        "language": guide.language.value,
        "version": version.number,
        "status": version.status.value,
        "change-note": version.change_note,
        "published-at": _iso(version.published_at),
        "sha256": version.content_sha256,
    }


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


# JSON


def export_json(version, guide):
    document = {
        "format": FORMAT_NAME,
        "guide": {"title": guide.title, "purpose": guide.purpose,
                  "language": guide.language.value,
                  "target_roles": [role.name for role in guide.target_roles]},
        "version": {"number": version.number, "status": version.status.value,
                    "change_note": version.change_note,
                    "published_at": _iso(version.published_at),
                    "sha256": version.content_sha256},
        "content": version.content,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


class _Located(dict):
    """A JSON object that remembers the line it starts on."""

    line = None


class _LocatingDecoder(json.JSONDecoder):
    """The standard decoder, in its pure-Python form, noting each object's line."""

    def __init__(self, text):
        super().__init__()
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

        def parse_object(s_and_end, *args, **kwargs):
            obj, end = JSONObject(s_and_end, *args, **kwargs)
            located = _Located(obj)
            located.line = bisect.bisect_right(starts, s_and_end[1] - 1)
            return located, end

        self.parse_object = parse_object
        self.scan_once = py_make_scanner(self)


def parse_json(text):
    lines = "\n".join(_lines(text))
    try:
        document = _LocatingDecoder(lines).decode(lines)
    except json.JSONDecodeError as error:
        raise FormatError(_("this is not valid JSON (%(reason)s).", reason=error.msg),
                          error.lineno) from None
    except RecursionError:
        raise FormatError(_("the JSON is nested too deeply.")) from None
    if not isinstance(document, dict) or not isinstance(document.get("content"), dict):
        raise FormatError(_("the file must be an object with a \"content\" object."), 1)
    content = document["content"]
    themes = content.get("themes")
    if not isinstance(themes, list) or set(content) != {"themes"}:
        raise FormatError(_("\"content\" must hold exactly one field, a \"themes\" list."),
                          content.line)
    builder = _Builder()
    for theme in themes:
        _fields(theme, {"title", "questions"}, "theme", content.line)
        builder.theme(theme.get("key"), theme.get("title"), theme.line)
        if not isinstance(theme.get("questions", []), list):
            raise FormatError(_("\"questions\" must be a list."), theme.line)
        for question in theme.get("questions", []):
            _fields(question, {"text"}, "question", theme.line)
            builder.question(question.get("key"), question.get("text"), question.line)
            probes = question.get("probes", [])
            if not isinstance(probes, list):
                raise FormatError(_("\"probes\" must be a list of texts."), question.line)
            for probe in probes:
                builder.probe(probe, question.line)
    return Parsed(builder.content(), _json_meta(document))


def _fields(obj, required, kind, parent_line):
    theme = kind == "theme"
    if not isinstance(obj, dict):
        raise FormatError(_("each theme must be an object.") if theme else
                          _("each question must be an object."), parent_line)
    allowed = {"theme": {"key", "title", "questions"},
               "question": {"key", "text", "probes"}}[kind]
    unknown = sorted(set(obj) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed))
        raise FormatError(
            _("a theme has no field \"%(field)s\" (expected: %(expected)s).",
              field=unknown[0], expected=expected) if theme else
            _("a question has no field \"%(field)s\" (expected: %(expected)s).",
              field=unknown[0], expected=expected), obj.line)
    missing = sorted(required - set(obj))
    if missing:
        raise FormatError(_("the theme has no \"%(field)s\".", field=missing[0]) if theme else
                          _("the question has no \"%(field)s\".", field=missing[0]), obj.line)


def _json_meta(document):
    version = document.get("version") if isinstance(document.get("version"), dict) else {}
    guide = document.get("guide") if isinstance(document.get("guide"), dict) else {}
    meta = {"title": guide.get("title"), "change-note": version.get("change_note")}
    return {k: v for k, v in meta.items() if isinstance(v, str)}


def parse_file(filename, data):
    """A Markdown (.md, .markdown, .txt) or JSON (.json) file, chosen by its name."""
    name = (filename or "").lower()
    if name.endswith(".json"):
        return parse_json(data)
    if name.endswith((".md", ".markdown", ".txt")):
        return parse_markdown(data)
    raise FormatError(_("Choose a Markdown (.md) or JSON (.json) file."), field="file")
