"""Markdown typed by users, rendered to HTML that cannot carry script."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is escaped by markdown-it ("html": False); nh3 then removes anything
# unsafe that Markdown itself can produce, such as javascript: links.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text):
    html = _markdown.render(text or "")
    return Markup(nh3.clean(html, url_schemes={"http", "https", "mailto"},
                            link_rel="noopener noreferrer nofollow"))
