"""Consent pages: the informant's personal links (tokens: expiry, reuse, tampering), uploads
(type by content, size, file names), and the team's pages."""

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from fieldwork.audit.models import AuditEvent
from fieldwork.consent import services as consent
from fieldwork.consent.gates import consent_summaries
from fieldwork.consent.models import (ConsentEvidence, ConsentFormVersion, ConsentStatus,
                                      ConsentToken, FormStatus)
from fieldwork.extensions import db
from fieldwork.outbox.models import OutboxStatus
from tests import factories
from tests.consent.test_services import links_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


@pytest.fixture
def instance_dir(app, tmp_path, monkeypatch):
    """Uploads go to a folder of this test's own."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    return tmp_path / "instance"


def requested(outbox, language="nb"):
    """An informant with a consent request; returns (informant, consent token, withdraw token)."""
    factories.make_consent_form(language)
    informant = factories.make_informant(language=language)
    factories.make_informant(name="Other Person Visible")  # must never appear on their pages
    consent.request_consent(informant, by=factories.make_user())
    links = links_in(outbox.last)
    return informant, links["c"], links["w"]


def status_of(informant):
    return consent_summaries([informant.id])[informant.id].status


# The informant's pages and their tokens


def test_consent_page_shows_the_letter_and_the_items_and_nothing_about_others(client, outbox):
    informant, token, _ = requested(outbox, "en")
    response = client.get(f"/c/{token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Do you want to take part" in page and "audio recorded" in page
    assert "Withdraw from the study" in page
    assert "Other Person Visible" not in page and "Informant Number" not in page
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert 'content="noindex, nofollow"' in page
    # The token stays on this site, yet the answer keeps the same-origin Referer that the CSRF
    # check requires over HTTPS.
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert 'name="referrer"' not in page
    assert 'href="/informants' not in page and 'lang="en"' in page


@pytest.mark.parametrize("language, study, skip", [
    ("nb", "KI i bildediagnostikk", "Hopp til innholdet"),
    ("en", "AI in image diagnostics", "Skip to content")])
def test_the_informants_page_names_the_study_in_their_language(client, outbox, language, study,
                                                               skip):
    _, token, withdraw = requested(outbox, language)
    for path in (f"/c/{token}", f"/w/{withdraw}"):
        page = client.get(path).get_data(as_text=True)
        assert f'<span class="brand">{study}</span>' in page and f">{skip}</a>" in page
        assert f'lang="{language}"' in page


def test_consenting_through_the_link_records_electronic_consent_once(client, outbox):
    informant, token, _ = requested(outbox)
    response = client.post(f"/c/{token}", data={"items": ["participation", "direct_quotation"],
                                                "consent": "1"})
    assert response.status_code == 200 and "samtykket ditt er registrert" in response.get_data(as_text=True)
    record = consent.record_of(informant.id)
    assert record.status is ConsentStatus.PARTLY_GIVEN and record.method.value == "electronic"
    assert record.item_states() == {"participation": True, "audio_recording": False,
                                    "direct_quotation": True, "re_contact": False}
    assert consent.history_of(informant.id)[0].actor_label == "informant link"
    receipt = outbox.last
    assert "Kvittering" in receipt["Subject"] and set(links_in(receipt)) == {"w"}
    # Reuse: the link is spent, and a second answer changes nothing.
    again = client.post(f"/c/{token}", data={"items": ["participation"], "decline": "1"})
    assert again.status_code == 410 and "allerede brukt" in again.get_data(as_text=True)
    assert client.get(f"/c/{token}").status_code == 410
    assert status_of(informant) is ConsentStatus.PARTLY_GIVEN


def test_the_receipt_is_delivered_as_soon_as_the_informant_has_answered(app, client, outbox,
                                                                        smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    informant, token, _ = requested(outbox, "en")
    response = client.post(f"/c/{token}", data={"items": ["participation"], "consent": "1"})
    assert response.status_code == 200
    factories.wait_for_delivery()
    receipt = outbox.rows(purpose="consent-receipt")
    assert [row.status.value for row in receipt] == ["sent"]
    assert receipt[0].message_id in smtp_server.message_ids()


def test_a_submission_without_either_button_is_no_answer(client, outbox):
    informant, token, _ = requested(outbox)
    response = client.post(f"/c/{token}", data={"items": ["participation"]})
    assert response.status_code == 400
    assert status_of(informant) is ConsentStatus.REQUESTED
    assert client.get(f"/c/{token}").status_code == 200  # the link still works


def test_a_link_is_used_once_even_by_two_answers_that_both_found_it_unused(app, outbox):
    """The second of two simultaneous answers loaded the link before the first committed; the
    database, not what each request read, decides that only one counts."""
    from fieldwork.consent.models import TokenPurpose
    from fieldwork.consent.tokens import TokenProblem, find_token, use_token
    from fieldwork.database import utcnow
    from sqlalchemy.orm.attributes import set_committed_value

    _, token, _ = requested(outbox)
    first = find_token(token, TokenPurpose.CONSENT, now=utcnow())
    second_id = find_token(token, TokenPurpose.CONSENT, now=utcnow()).id
    use_token(first, utcnow())
    db.session.commit()
    db.session.expunge_all()  # the second request's own session, which read it as unused
    second = db.session.get(type(first), second_id)
    set_committed_value(second, "used_at", None)  # as it was when that request read it
    with pytest.raises(TokenProblem) as refused:
        use_token(second, utcnow())
    assert refused.value.kind == "used"


def test_participation_must_be_ticked_on_the_page(client, outbox):
    informant, token, _ = requested(outbox, "en")
    response = client.post(f"/c/{token}", data={"items": ["audio_recording"], "consent": "1"})
    assert response.status_code == 422
    assert "Participation must be ticked" in response.get_data(as_text=True)
    assert status_of(informant) is ConsentStatus.REQUESTED


def test_declining_through_the_link(client, outbox):
    informant, token, _ = requested(outbox)
    assert client.post(f"/c/{token}", data={"decline": "1"}).status_code == 200
    assert status_of(informant) is ConsentStatus.DECLINED


def test_personal_link_pages_tell_search_engines_not_to_index_them(client, outbox):
    _, token, withdraw = requested(outbox)
    for url in (f"/c/{token}", f"/w/{withdraw}", "/c/short", "/o/short", "/m/short"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow", url


def test_forged_and_tampered_tokens_get_404_and_change_nothing(client, outbox):
    informant, token, withdraw = requested(outbox)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for url in (f"/c/{tampered}", f"/w/{withdraw[:-1]}x", "/c/short", f"/c/{token}extra",
                f"/w/{token}", f"/c/{withdraw}", f"/c/{'A' * 43}"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"items": ["participation"], "consent": "1",
                                      "withdraw": "1"}).status_code in (404, 405), url
    assert status_of(informant) is ConsentStatus.REQUESTED


def test_only_a_hash_of_the_token_is_stored(app, outbox):
    _, token, withdraw = requested(outbox)
    stored = db.session.scalars(select(ConsentToken.token_hash)).all()
    assert token not in stored and withdraw not in stored
    assert all(len(h) == 64 for h in stored)


def test_expired_consent_link_gets_410_but_the_withdrawal_link_keeps_working(client, outbox):
    informant, token, withdraw = requested(outbox)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=31)):
        assert client.get(f"/c/{token}").status_code == 410
        response = client.post(f"/c/{token}", data={"items": ["participation"], "consent": "1"})
        assert response.status_code == 410 and "utløpt" in response.get_data(as_text=True)
        assert status_of(informant) is ConsentStatus.REQUESTED
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=3 * 365)):
        assert client.get(f"/w/{withdraw}").status_code == 200


def test_withdrawing_through_the_link(client, outbox):
    informant, _, withdraw = requested(outbox)
    factories.give_consent(informant)
    page = client.get(f"/w/{withdraw}")
    assert page.status_code == 200 and "Trekk meg fra studien" in page.get_data(as_text=True)
    done = client.post(f"/w/{withdraw}", data={"withdraw": "1"})
    assert done.status_code == 200 and "trukket deg" in done.get_data(as_text=True)
    assert status_of(informant) is ConsentStatus.WITHDRAWN
    assert consent.history_of(informant.id)[0].actor_label == "informant link"
    assert client.post(f"/w/{withdraw}", data={"withdraw": "1"}).status_code == 410
    pending = outbox.rows(informant_id=informant.id, status=OutboxStatus.PENDING)
    assert [r.purpose for r in pending] == ["consent-withdrawn"]


def test_withdrawing_from_the_consent_page_takes_one_click(client, outbox):
    informant, token, _ = requested(outbox)
    response = client.post(f"/c/{token}/withdraw", data={"withdraw": "1"})
    assert response.status_code == 200
    assert status_of(informant) is ConsentStatus.WITHDRAWN
    assert client.get(f"/c/{token}").status_code == 410


# Uploads


def _register(client, informant, version, **extra):
    data = {"answer": "given", "form_version_id": str(version.id), "item_participation": "y",
            "item_audio_recording": "y", "method": "signed-paper"}
    data.update(extra)
    return client.post(f"/consent/informants/{informant.id}/register", data=data,
                       content_type="multipart/form-data")


def test_register_paper_consent_with_evidence_and_download_it(client, login_as, instance_dir):
    coordinator = login_as("coordinator")
    version = factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    response = _register(client, informant, version,
                         evidence=(io.BytesIO(PDF), "../../../etc/passwd.pdf"))
    assert response.status_code == 302
    evidence = db.session.scalar(select(ConsentEvidence))
    stored = instance_dir / "consent-evidence" / evidence.stored_name
    assert stored.read_bytes() == PDF
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", evidence.stored_name)
    assert not (instance_dir.parent / "etc").exists()
    assert status_of(informant) is ConsentStatus.PARTLY_GIVEN
    download = client.get(f"/consent/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "application/pdf"
    assert "passwd" not in download.headers["Content-Disposition"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "consent.evidence_download")) == 1


@pytest.mark.parametrize("name, content", [("scan.pdf", HTML), ("scan.png", b"GIF89a" + b"\0" * 40),
                                           ("scan.jpg", b"MZ" + b"\0" * 200)])
def test_evidence_of_the_wrong_type_behind_a_right_name_is_refused(client, login_as,
                                                                   instance_dir, name, content):
    coordinator = login_as("coordinator")
    version = factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    response = _register(client, informant, version, evidence=(io.BytesIO(content), name))
    assert response.status_code == 422
    assert "judged by its content" in response.get_data(as_text=True)
    assert status_of(informant) is ConsentStatus.NOT_REQUESTED
    assert not (instance_dir / "consent-evidence").exists() or \
        not any((instance_dir / "consent-evidence").iterdir())


def test_oversize_evidence_is_refused(app, client, login_as, instance_dir):
    app.config["CONSENT_UPLOAD_MAX_BYTES"] = 1024
    coordinator = login_as("coordinator")
    version = factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    response = _register(client, informant, version,
                         evidence=(io.BytesIO(PNG + b"\0" * 2048), "scan.png"))
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ConsentEvidence)) == 0
    assert status_of(informant) is ConsentStatus.NOT_REQUESTED


def test_an_empty_evidence_file_is_refused_not_ignored(client, login_as, instance_dir):
    coordinator = login_as("coordinator")
    version = factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    response = _register(client, informant, version, evidence=(io.BytesIO(b""), "scan.pdf"))
    assert response.status_code == 422 and "The file is empty." in response.get_data(as_text=True)
    assert status_of(informant) is ConsentStatus.NOT_REQUESTED


def test_evidence_is_for_identity_roles_only(app, client, login_as, instance_dir):
    coordinator = factories.make_user()
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    factories.give_consent(informant, by=coordinator, evidence=PNG)
    evidence = db.session.scalar(select(ConsentEvidence))
    login_as("analyst")
    assert client.get(f"/consent/evidence/{evidence.id}").status_code == 403
    login_as("researcher")
    assert client.get(f"/consent/evidence/{evidence.id}").status_code == 200
    assert client.get("/consent/evidence/999").status_code == 404


def test_letter_pdf_must_be_a_pdf(client, login_as, instance_dir):
    login_as("coordinator")
    data = {"title": "Letter", "language": "nb", "version_label": "2.0",
            "approval_reference": "Sikt 123", "letter_markdown": "Text",
            "letter_pdf": (io.BytesIO(PNG), "letter.pdf")}
    response = client.post("/consent/forms/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "not a PDF file" in response.get_data(as_text=True)
    data["letter_pdf"] = (io.BytesIO(PDF), "letter.pdf")
    response = client.post("/consent/forms/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    version_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/consent/forms/{version_id}/letter.pdf").data == PDF
    assert client.post(f"/consent/forms/{version_id}/activate").status_code == 302
    assert consent.get_form_version(version_id).status is FormStatus.ACTIVE


# The team's pages


def test_coordinator_requests_registers_and_withdraws_from_the_informant_page(client, login_as,
                                                                              outbox):
    coordinator = login_as("coordinator")
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    page = client.get(f"/informants/{informant.id}").get_data(as_text=True)
    assert "Not requested" in page and "Send consent request" in page
    assert client.post(f"/consent/informants/{informant.id}/request").status_code == 302
    assert status_of(informant) is ConsentStatus.REQUESTED
    response = client.post(f"/consent/informants/{informant.id}/withdraw", data={"note": "Phoned."})
    assert response.status_code == 302
    page = client.get(f"/informants/{informant.id}").get_data(as_text=True)
    assert "Withdrawn" in page and "Delete the audio recording" in page and "Phoned." in page


def test_overview_for_analysts_shows_codes_and_states_only(client, login_as):
    coordinator = factories.make_user()
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    factories.give_consent(informant, by=coordinator)
    login_as("analyst")
    page = client.get("/consent/").get_data(as_text=True)
    assert informant.code in page and informant.name not in page and informant.email not in page
    detail = client.get(f"/informants/{informant.id}").get_data(as_text=True)
    assert "Given" in detail and coordinator.email not in detail
    assert client.get("/consent/re-consent").status_code == 403
    assert client.get("/consent/?within_days=-3").status_code == 400


def test_re_consent_page_asks_everyone_at_once(client, login_as, outbox):
    coordinator = login_as("coordinator")
    factories.make_consent_form("nb", by=coordinator)
    informants = [factories.make_informant() for _ in range(2)]
    for informant in informants:
        factories.give_consent(informant, by=coordinator)
    factories.make_consent_form("nb", by=coordinator)
    page = client.get("/consent/re-consent").get_data(as_text=True)
    assert all(i.code in page for i in informants)
    assert client.post("/consent/re-consent").status_code == 302
    assert len(outbox.rows(purpose="consent-request")) == 2


def test_scheduling_without_consent_warns_and_the_interview_page_shows_consent(client, login_as,
                                                                               outbox):
    coordinator = login_as("coordinator")
    factories.make_consent_form("nb", by=coordinator)
    informant = factories.make_informant()
    version = factories.published_version(by=coordinator)
    day = datetime.now(timezone.utc).date() + timedelta(days=9)
    response = client.post("/interviews/new", data={
        "informant_ids": [str(informant.id)], "interviewer_ids": [str(coordinator.id)],
        "start_date": day.isoformat(), "start_time": "10:00", "duration_minutes": "60",
        "mode": "video", "meeting_url": "https://meet.example.org/x",
        "guide_version_id": str(version.id), "language": "nb", "send_invites": "y"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "No participation consent yet from" in page
    assert informant.code in page and "do not quote" in page
    invite = outbox.messages(informant_id=informant.id)[0]
    assert set(links_in(invite)) == {"c", "w"}


def test_overview_filters_by_status_and_pages_in_fixed_queries(client, login_as, count_queries,
                                                               outbox):
    coordinator = login_as("coordinator")
    factories.make_consent_form("nb", by=coordinator)
    given, asked, unknown = (factories.make_informant() for _ in range(3))
    factories.give_consent(given, by=coordinator)
    consent.request_consent(asked, by=coordinator)
    page = client.get("/consent/?status=given").get_data(as_text=True)
    assert given.code in page and asked.code not in page and unknown.code not in page
    page = client.get("/consent/?status=not-requested").get_data(as_text=True)
    assert unknown.code in page and given.code not in page
    with count_queries:
        client.get("/consent/")
    few = count_queries.count
    for _ in range(6):
        factories.give_consent(factories.make_informant(), by=coordinator)
    with count_queries:
        assert client.get("/consent/").status_code == 200
    assert count_queries.count == few


def test_the_teams_consent_pages_render(client, login_as, outbox):
    coordinator = login_as("coordinator")
    active = factories.make_consent_form("nb", by=coordinator)
    draft = factories.make_consent_form("en", activate=False, by=coordinator)
    informant = factories.make_informant()
    factories.make_interview(informants=[informant], by=coordinator)
    for url, expected in [
            ("/consent/forms", active.title),
            (f"/consent/forms/{active.id}", "Retire"),
            (f"/consent/forms/{draft.id}", "Make active"),
            (f"/consent/forms/{draft.id}/edit", draft.title),
            ("/consent/forms/new", "New consent form version"),
            (f"/consent/informants/{informant.id}/register", "Register consent"),
            (f"/consent/informants/{informant.id}/withdraw", "1 future interview"),
            ("/consent/re-consent", "Re-consent")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.get_data(as_text=True), url
    edit_active = client.get(f"/consent/forms/{active.id}/edit")
    assert edit_active.status_code == 302
    response = client.post(f"/consent/forms/{draft.id}/edit", data={
        "title": "Changed draft", "version_label": "0.9", "letter_markdown": "Text",
        "approval_reference": "Sikt 1"}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert factories.reload(ConsentFormVersion, draft.id).title == "Changed draft"
    assert client.post(f"/consent/forms/{active.id}/retire").status_code == 302
    assert factories.reload(ConsentFormVersion, active.id).status is FormStatus.RETIRED


def test_a_scan_stored_for_an_answer_that_fails_is_removed_again(app, outbox, instance_dir):
    """The file is written before the commit; when the transaction fails after it (here the link
    was spent meanwhile, by another answer), the file goes too."""
    from fieldwork.consent.models import TokenPurpose
    from fieldwork.consent.tokens import TokenProblem, find_token, use_token
    from fieldwork.database import utcnow

    informant, token, _ = requested(outbox)
    link = find_token(token, TokenPurpose.CONSENT, now=utcnow())
    use_token(link, utcnow())
    db.session.commit()
    items = {"participation": True, "audio_recording": True, "direct_quotation": True,
             "re_contact": True}
    with pytest.raises(TokenProblem):
        consent.give_consent(informant, items, method="signed-paper", by=factories.make_user(),
                             evidence=PNG, token=link)
    folder = instance_dir / "consent-evidence"
    assert folder.is_dir() and not any(folder.iterdir())
    assert status_of(informant) is ConsentStatus.REQUESTED
