"""An HTML table as a reader sees it: which cell covers each row and column once rowspan and
colspan are applied."""

from html.parser import HTMLParser


class _Table(HTMLParser):
    def __init__(self, css_class):
        super().__init__()
        self.css_class, self.depth, self.rows, self.cell = css_class, 0, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (self.depth or self.css_class in (attrs.get("class") or "").split()):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th") and self.rows:
            self.cell = {"tag": tag, "text": "", "class": attrs.get("class") or "",
                         "rowspan": int(attrs.get("rowspan", 1)),
                         "colspan": int(attrs.get("colspan", 1))}
            self.rows[-1].append(self.cell)

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def table_grid(html, css_class):
    """The first table with `css_class` as a list of rows, each a list of the cell (a dict with
    tag, text, class, rowspan, colspan) that covers that position; a cell spanning several
    positions is the same dict in each."""
    parser = _Table(css_class)
    parser.feed(html)
    grid = {}
    for r, row in enumerate(parser.rows):
        c = 0
        for cell in row:
            while (r, c) in grid:
                c += 1
            for dr in range(cell["rowspan"]):
                for dc in range(cell["colspan"]):
                    grid[(r + dr, c + dc)] = cell
            c += cell["colspan"]
    height = len(parser.rows)
    width = max((c for _, c in grid), default=-1) + 1
    return [[grid.get((r, c)) for c in range(width)] for r in range(height)]
