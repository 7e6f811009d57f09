"""Form fields point screen readers only at text that is on the page."""

import re
from html.parser import HTMLParser

import pytest

FORM_PAGES = ["/informants/new", "/interviews/new", "/guides/new", "/documents/new",
              "/consent/forms/new", "/organisations/new"]


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.described_by = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if "aria-describedby" in attrs:
            self.described_by.append(attrs["aria-describedby"])


def _check(html):
    parser = _Ids()
    parser.feed(html)
    duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
    assert not duplicates, f"ids used twice: {duplicates}"
    for value in parser.described_by:
        for target in (value or "").split():
            assert target in parser.ids, f"aria-describedby points at missing #{target}"
    return parser


@pytest.mark.parametrize("url", FORM_PAGES)
def test_form_fields_describe_themselves_with_elements_that_exist(client, login_as, url):
    login_as("coordinator")
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert not re.search(r'aria-describedby="(None|)"', html)
    _check(html)


def test_a_refused_form_points_each_field_at_its_message(client, login_as):
    login_as("coordinator")
    response = client.post("/informants/new", data={"name": "", "email": "not an address"})
    assert response.status_code == 422
    parser = _check(response.get_data(as_text=True))
    assert "name-error" in parser.described_by and "email-error" in parser.described_by
