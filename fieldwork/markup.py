"""Markdown typed by users, rendered to HTML that cannot carry script."""

from functools import cache

from markupsafe import Markup


@cache
def _markdown():
    """The parser, built on first use: most requests render no Markdown, so processes do not pay
    for importing markdown-it at start-up."""
    from markdown_it import MarkdownIt

    # Raw HTML in the source is escaped by markdown-it ("html": False); nh3 then removes
    # anything unsafe that Markdown itself can produce, such as javascript: links.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text):
    import nh3

    html = _markdown().render(text or "")
    return Markup(nh3.clean(html, url_schemes={"http", "https", "mailto"},
                            link_rel="noopener noreferrer nofollow"))
