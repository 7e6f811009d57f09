"""What the list pages keep between requests or build once per page gives the same markup as
building it every time: the filter form kept by its values and choices, and the rows' links."""

from datetime import datetime, timedelta, timezone

from flask import url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from fieldwork.extensions import db
from fieldwork import forms
from fieldwork.forms import kept_form_markup
from fieldwork.informants.forms import InformantFilterForm
from fieldwork.routing import IdUrl
from tests import factories


def test_a_row_link_is_what_url_for_writes(app):
    for root in ("", "/fieldwork"):
        with app.test_request_context("/", base_url=f"http://localhost{root}"):
            detail = IdUrl("informants.detail", "informant_id")
            for informant_id in (1, 9, 10, 987654321, 2_000_000_000):
                assert detail(informant_id) == url_for("informants.detail",
                                                       informant_id=informant_id)
            assert IdUrl("interviews.detail", "interview_id")(42) \
                == url_for("interviews.detail", interview_id=42)


def _form(query):
    form = InformantFilterForm(MultiDict(query))
    form.organisation.choices = [("", "Any organisation"), ("1", "Trust (T)")]
    form.role.choices = [("", "Any role")]
    return form


def test_the_kept_filter_form_is_the_form_rendered_for_these_values(app):
    calls = []

    def render(form, clear_url):
        calls.append(1)
        return Markup("".join(str(field()) for field in form)) + Markup(clear_url)

    forms._form_markup.clear()  # kept by an earlier test in this process
    with app.test_request_context("/"):
        first = kept_form_markup(render, _form({"status": "agreed"}), "/informants/")
        again = kept_form_markup(render, _form({"status": "agreed"}), "/informants/")
        assert first == again and len(calls) == 1
        # Another value, other choices or another link: rendered anew, never the kept markup.
        other = kept_form_markup(render, _form({"status": "contacted"}), "/informants/")
        assert other != first and '<option selected value="contacted">' in other
        changed = _form({"status": "agreed"})
        changed.organisation.choices = [("", "Any organisation"), ("1", "Renamed trust (T)")]
        assert "Renamed trust" in kept_form_markup(render, changed, "/informants/")
        assert kept_form_markup(render, _form({"status": "agreed"}), "/x/").endswith("/x/")
        assert len(calls) == 4
        # A form with errors is rendered as it is, messages and all.
        invalid = _form({"status": "no such status"})
        assert not invalid.validate()
        kept_form_markup(render, invalid, "/informants/")
        assert len(calls) == 5


def test_a_new_organisation_is_in_the_list_filters_at_once(client, login_as):
    """The filters' choices are kept per version of the study's data: a change shows at once."""
    login_as("coordinator")
    factories.make_organisation(name="Before trust", code="BEF")
    db.session.commit()
    assert "Before trust (BEF)" in client.get("/informants/").get_data(as_text=True)
    assert "Before trust (BEF)" in client.get("/interviews/").get_data(as_text=True)
    factories.make_organisation(name="After trust", code="AFT")
    db.session.commit()
    for path in ("/informants/", "/interviews/"):
        page = client.get(path).get_data(as_text=True)
        assert "Before trust (BEF)" in page and "After trust (AFT)" in page


def test_the_whole_lists_totals_are_kept_until_the_study_changes(client, login_as, count_queries):
    """Everyone (no filter) is counted once per version of the study's data; a change shows at
    once, and a filtered list is counted as before."""
    coordinator = login_as("coordinator")
    organisation, role = factories.make_organisation(), factories.make_role()
    people = [factories.make_informant(organisation, role) for _ in range(3)]
    factories.make_interview(informants=people[:1], interviewers=[coordinator],
                             by=coordinator, send_invites=False)
    db.session.commit()
    assert "3 in all." in client.get("/informants/").get_data(as_text=True)
    assert "1 in all." in client.get("/interviews/?when=all").get_data(as_text=True)
    with count_queries:
        assert "3 in all." in client.get("/informants/").get_data(as_text=True)
        assert "1 in all." in client.get("/interviews/?when=all").get_data(as_text=True)
    assert not any("count(" in statement.lower() for statement in count_queries.statements)
    factories.make_informant(organisation, role, status="agreed")
    factories.make_interview(informants=people[1:2], interviewers=[coordinator],
                             by=coordinator, send_invites=False,
                             start=datetime.now(timezone.utc) + timedelta(days=9))
    db.session.commit()
    assert "4 in all." in client.get("/informants/").get_data(as_text=True)
    assert "2 in all." in client.get("/interviews/?when=all").get_data(as_text=True)
    assert "1 in all." in client.get("/informants/?status=agreed").get_data(as_text=True)
