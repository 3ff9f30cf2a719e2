"""The office console in process (Starlette's TestClient): login and lockout, sessions,
roles, CSRF, contact requests, labelling and the training-file export, the report, the
knowledge base's freshness and its forms. The browser test (tests/test_console_browser.py)
does the acceptance list in Chromium; these pin the rules one by one."""

from __future__ import annotations

import time
from datetime import date, datetime, timezone

import pytest
import yaml
from starlette.routing import Route

from bot.console import app as console_app
from bot.kb import OfficeRecords, Repository
from bot.kb.loader import load_directory
from bot.kb.records import SECTIONS
from bot.kb.staff import StaffRecords
from bot.logic.clock import BERLIN
from bot.services.cli import main
from tests.console_fixtures import (
    MAX_FAILED,
    PASSWORD,
    log_questions,
    login,
    post,
    save_conversation,
    token,
)

SAMPLE_PARAMS = {"number": "1", "language": "de", "name": "summary", "section": "tours",
                 "key": "tour-2023-06-10"}


def pages(scope: str | None = None) -> list[tuple[str, str]]:
    """(method, path) of every console page, with sample path parameters."""
    from bot.console.app import routes

    found = []
    for route in routes():
        if not isinstance(route, Route):
            continue
        role = getattr(route.endpoint, "scope", None)
        if scope is not None and role != scope:
            continue
        path = route.path
        for name, value in SAMPLE_PARAMS.items():
            path = path.replace(f"{{{name}}}", value).replace(f"{{{name}:int}}", value)
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, path))
    return found


def test_every_page_without_a_session_leads_to_the_login(site):
    client = site.client()
    checked = [page for page in pages() if page[1] != "/login"]
    assert len(checked) >= 15, checked
    for method, path in [*checked, ("GET", "/no/such/page"), ("POST", "/requests/1/done")]:
        answer = client.request(method, path, follow_redirects=False)
        assert answer.status_code == 303, (method, path, answer.status_code)
        assert answer.headers["location"].startswith("/login?next="), (method, path)
    assert client.get("/login").status_code == 200
    assert client.get("/static/console.css").status_code == 200  # the login page's style


def test_a_wrong_password_is_refused_and_the_account_locked_after_the_limit(site):
    client = site.client()
    answer = login(client, "anna", "wrong password!")
    assert answer.status_code == 401 and "fehlgeschlagen" in answer.text
    assert "anna" not in client.cookies.get("smartcity_console", "")
    assert client.get("/requests", follow_redirects=False).status_code == 303
    for _ in range(MAX_FAILED - 1):
        assert login(client, "anna", "wrong password!").status_code == 401
    refused = login(client, "anna", PASSWORD)  # locked now: the right password is refused
    assert refused.status_code == 401
    assert client.get("/requests", follow_redirects=False).status_code == 303
    staff = StaffRecords(site.db_url)
    assert staff.account("anna").locked_until > datetime.now(timezone.utc)
    actions = [entry.action for entry in staff.audit_log()]
    assert "account locked" in actions and "login refused" in actions
    assert login(site.client(), "otto", PASSWORD).status_code == 303  # others unaffected
    # An unknown name gets the same answer as a wrong password.
    unknown = login(site.client(), "nobody", PASSWORD)
    assert unknown.status_code == 401 and "fehlgeschlagen" in unknown.text
    assert main(["staff", "unlock", "anna"]) == 0
    assert login(site.client(), "anna", PASSWORD).status_code == 303


def test_an_office_user_cannot_reach_editor_pages(site):
    office, editor = site.logged_in("otto"), site.logged_in("anna")
    editor_pages = pages("editor")
    assert {"/kb", "/audit", "/kb/tours/new"} <= {path for _, path in editor_pages}
    for method, path in editor_pages:
        if method == "GET":
            assert office.get(path).status_code == 403, path
            assert editor.get(path).status_code == 200, path
        else:
            assert office.post(path, follow_redirects=False).status_code == 403, path
    assert "Redaktion" in office.get("/kb").text
    assert 'href="/kb"' not in office.get("/requests").text  # not offered either
    for path in ("/requests", "/unanswered", "/report"):
        assert office.get(path).status_code == 200, path


def test_a_form_posted_without_its_csrf_token_is_refused(site):
    office = OfficeRecords(site.db_url)
    request = office.add_request(question="Wann?", email="erika@example.org", language="de",
                                 sender_id="s1")
    client = site.logged_in("otto")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": token(client.get("/login").text)
                                               + "x"}):
        answer = client.post(f"/requests/{request.id}/done", data=data, follow_redirects=False)
        assert answer.status_code == 403, data
        assert "Formular abgelaufen" in answer.text
    assert office.request(request.id).status == "open"
    # A token from another session does not hold either.
    stranger = site.logged_in("anna")
    foreign = token(stranger.get(f"/requests/{request.id}").text)
    answer = client.post(f"/requests/{request.id}/done", data={"csrf_token": foreign},
                         follow_redirects=False)
    assert answer.status_code == 403 and office.request(request.id).status == "open"
    # The login form and logout are protected too.
    assert site.client().post("/login", data={"name": "anna", "password": PASSWORD},
                              follow_redirects=False).status_code == 403
    assert client.post("/logout", follow_redirects=False).status_code == 403


def test_sessions_expire_end_on_logout_and_are_cookies_of_the_framework(site, monkeypatch):
    client = site.logged_in("otto")
    cookie = client.cookies.get("smartcity_console")
    answer = client.get("/requests")
    set_cookie = answer.headers["set-cookie"]
    assert f"Max-Age={site.settings.session_minutes * 60}" in set_cookie
    assert "httponly" in set_cookie.lower() and "samesite=strict" in set_cookie.lower()
    copy = site.client()
    copy.cookies.set("smartcity_console", cookie)
    assert copy.get("/requests", follow_redirects=False).status_code == 200
    assert post(client, "/requests", "/logout").status_code == 303
    assert client.get("/requests", follow_redirects=False).status_code == 303
    assert copy.get("/requests", follow_redirects=False).status_code == 303  # the copy too
    again = site.logged_in("otto")
    monkeypatch.setattr(console_app, "MAX_SESSION_HOURS", 0)
    assert again.get("/requests", follow_redirects=False).status_code == 303


def test_an_idle_session_expires(site, monkeypatch):
    import itsdangerous.timed

    client = site.logged_in("otto")
    assert client.get("/requests", follow_redirects=False).status_code == 200
    idle = site.settings.session_minutes * 60 + 5

    class Later:  # the signature's clock, the idle time later
        @staticmethod
        def time() -> float:
            return time.time() + idle

    monkeypatch.setattr(itsdangerous.timed, "time", Later)
    assert client.get("/requests", follow_redirects=False).status_code == 303


def test_security_headers_and_hosts(site):
    client = site.client()
    answer = client.get("/login")
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    hostile = client.get("/login", headers={"Host": "evil.example"})
    assert hostile.status_code == 400 and "evil" not in hostile.text


def test_a_request_in_full_with_its_redacted_conversation_and_marked_done(site):
    created = datetime.now(timezone.utc)
    save_conversation(site.endpoints, "web-42", [
        ("user", "Hallo, ich heiße Erika Muster, Tel. 0171 2345678"),
        ("bot", "Guten Tag! Wie kann ich helfen?"),
        ("user", "Wann kommt der Sensor in die Kornmarkt 12?")], created.timestamp() - 60)
    office = OfficeRecords(site.db_url)
    request = office.add_request(question="Wann kommt der Sensor?", email="erika@example.org",
                                 language="de", sender_id="web-42", created=created)
    office.add_request(question="When is the tour?", email="john@example.org", language="en",
                       sender_id="web-43")
    client = site.logged_in("otto")
    listing = client.get("/requests")
    assert "erika@example.org" in listing.text and "john@example.org" in listing.text
    english = client.get("/requests?language=en")
    assert "john@example.org" in english.text and "erika@example.org" not in english.text
    detail = client.get(f"/requests/{request.id}").text
    assert "Wann kommt der Sensor?" in detail and "mailto:erika@example.org?subject=" in detail
    assert "Ihre%20Anfrage%20an%20SMARTCity%20Gera%20%28Nr.%201%29" in detail
    assert "[name]" in detail and "[phone]" in detail and "[address]" in detail
    assert "Erika Muster" not in detail and "2345678" not in detail
    assert "Kornmarkt 12" not in detail
    done = post(client, f"/requests/{request.id}", f"/requests/{request.id}/done")
    assert done.status_code == 303
    assert office.request(request.id).status == "done"
    assert "erledigt" in client.get(f"/requests/{request.id}").text
    assert "erika@example.org" not in client.get("/requests").text  # open ones only
    assert "erika@example.org" in client.get("/requests?status=done").text
    entry = StaffRecords(site.db_url).audit_log()[0]
    assert (entry.who, entry.action, entry.target) == ("otto", "request marked done", "#1")


def label(client, ids: list[int], kind: str, intent: str = "") -> None:  # type: ignore[no-untyped-def]
    answer = post(client, "/unanswered", "/unanswered/label",
                  {"questions": ",".join(map(str, ids)), "label": kind, "intent": intent})
    assert answer.status_code == 303, answer.text


def test_unanswered_groups_labelled_and_exported_as_training_files(site):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    ids = log_questions(site.db_url)
    client = site.logged_in("otto")
    page = client.get("/unanswered").text
    assert page.count('class="group"') == 3  # the similar questions share a group
    assert "noch keine" in page
    assert "[phone]" in page and "2345678" not in page  # shown through the redaction again
    label(client, ids["bike"], "intent", "tour_next")
    label(client, ids["english"], "intent", "tour_next")
    label(client, ids["parking"], "missing_fact")
    assert "tour_next" in client.get("/unanswered").text
    german = client.get("/unanswered/export/de.yml")
    assert german.status_code == 200
    assert 'filename="nlu-from-console-de.yml"' in german.headers["content-disposition"]
    data = RasaYAMLReader().reads(german.text)
    examples = sorted((m.get("intent"), m.get("text")) for m in data.intent_examples)
    assert examples == [("tour_next", "Gibt es eine Fahrradtour durch Gera?"),
                        ("tour_next", "Gibt es eine Fahrradtour durch Gera? Ruf mich an: "
                                      "[phone]"),
                        ("tour_next", "gibt es eine fahrradtour durch gera")]
    raw = yaml.safe_load(german.text)
    sources = [example["metadata"]["source"] for block in raw["nlu"]
               for example in block["examples"]]
    assert all("unanswered question #" in s and "labelled by otto" in s for s in sources)
    assert "2345678" not in german.text and "parken" not in german.text
    english = RasaYAMLReader().reads(client.get("/unanswered/export/en.yml").text)
    assert [m.get("text") for m in english.intent_examples] == [
        "Is there a bike tour through Gera?"]
    # "Out of scope" trains the out_of_scope intent; a relabelled group leaves the export.
    label(client, ids["english"], "out_of_scope")
    english = RasaYAMLReader().reads(client.get("/unanswered/export/en.yml").text)
    assert [m.get("intent") for m in english.intent_examples] == ["out_of_scope"]
    label(client, ids["english"], "none")
    assert RasaYAMLReader().reads(client.get(
        "/unanswered/export/en.yml").text).intent_examples == []
    # Missing facts are the knowledge base's to-do.
    editor = site.logged_in("anna")
    assert "am rathaus parken" in editor.get("/kb").text.lower()
    actions = [entry.action for entry in StaffRecords(site.db_url).audit_log()]
    assert actions.count("questions labelled") == 4 and "training file exported" in actions


def test_an_intent_label_needs_a_known_intent(site):
    ids = log_questions(site.db_url)
    client = site.logged_in("otto")
    label(client, ids["bike"], "intent", "no_such_intent")
    assert StaffRecords(site.db_url).labels() == []


def test_labels_are_purged_with_their_questions(site):
    from bot.services.retention import purge_by_table

    ids = log_questions(site.db_url)
    client = site.logged_in("otto")
    label(client, ids["bike"], "missing_fact")
    assert len(StaffRecords(site.db_url).labels()) == 3
    later = datetime.now(timezone.utc).timestamp() + 40 * 86400
    deleted = purge_by_table(site.endpoints, days=30, now=later)
    assert deleted["unanswered questions"] == 6 and deleted["unanswered question labels"] == 3


def test_the_report_page_and_its_csv_tables(site):
    save_conversation(site.endpoints, "web-1", [("user", "Hallo"), ("bot", "Guten Tag")],
                      datetime(2024, 3, 4, 10, tzinfo=BERLIN).timestamp())
    client = site.logged_in("otto")
    page = client.get("/report?since=2024-03-01&until=2024-03-31")
    assert page.status_code == 200
    assert "01.03.2024" in page.text and page.text.count("data:image/png;base64,") == 5
    assert 'alt="Bar chart: conversations started per day' in page.text
    csv = client.get("/report/summary.csv?since=2024-03-01&until=2024-03-31")
    assert csv.status_code == 200 and csv.text.startswith("figure,value")
    assert "conversations,1" in csv.text
    daily = client.get("/report/daily.csv?since=2024-03-04&until=2024-03-04").text
    assert daily.splitlines()[1:] == ["2024-03-04,de,1,1", "2024-03-04,en,0,0"]
    assert client.get("/report/nothing.csv").status_code == 404


def test_freshness_flags_old_records_and_no_tour_ahead(site, monkeypatch):
    monkeypatch.setenv("SMARTCITY_NOW", "2024-07-01T10:00")
    page = site.logged_in("anna").get("/kb").text
    assert "Kein Rundgang geplant. Der letzte war am 16.09.2023." in page
    kb = load_directory(site.kb_dir)
    dates = [record.as_of for section in SECTIONS for record in section.records(kb)]
    assert page.count("<tr") == len(dates) + 1  # every record, plus the heading row
    assert page.count('class="stale"') == sum(day < date(2023, 7, 1) for day in dates) > 40
    monkeypatch.setenv("SMARTCITY_NOW", "2023-06-09T10:00")
    page = site.logged_in("anna").get("/kb").text
    assert "Nächster Rundgang: 10.06.2023." in page
    assert page.count('class="stale"') == sum(day < date(2022, 6, 9) for day in dates)


TOUR = {"key": "tour-2024-07-06", "date": "2024-07-06", "start": "14:00", "end": "16:00",
        "mode": "bike", "meeting_point_de": "Marktplatz", "meeting_point_en": "Market square",
        "meeting_point_easy": "", "source": "gera.de/SMARTCity", "as_of": "2024-06-01"}


def test_a_tour_added_in_the_form_is_in_the_file_and_the_database(site):
    client = site.logged_in("anna")
    before = (site.kb_dir / "tours.yml").read_text(encoding="utf-8")
    answer = post(client, "/kb/tours/new", "/kb/tours/new", TOUR)
    assert answer.status_code == 303, answer.text
    text = (site.kb_dir / "tours.yml").read_text(encoding="utf-8")
    assert text.startswith(before.split("tours:")[0])  # the editors' comments stay
    assert "key: tour-2024-07-06" in text and "meeting_point_easy" not in text.split(
        "tour-2024-07-06")[1]
    assert load_directory(site.kb_dir).tours[-1].key == "tour-2024-07-06"
    assert Repository(site.db_url).tours()[-1].key == "tour-2024-07-06"
    changed = dict(TOUR, start="15:00")
    assert post(client, "/kb/tours/tour-2024-07-06/edit", "/kb/tours/tour-2024-07-06/edit",
                changed).status_code == 303
    assert Repository(site.db_url).tours()[-1].start.hour == 15
    assert post(client, "/kb/tours/tour-2024-07-06/delete", "/kb/tours/tour-2024-07-06/delete"
                ).status_code == 303
    assert (site.kb_dir / "tours.yml").read_text(encoding="utf-8") == before
    actions = [(e.action, e.target) for e in StaffRecords(site.db_url).audit_log()][:3]
    assert actions == [("record deleted", "tours tour-2024-07-06"),
                       ("record changed", "tours tour-2024-07-06"),
                       ("record added", "tours tour-2024-07-06")]


@pytest.mark.parametrize(("change", "message"), [
    ({"date": "2024-02-30"}, "February 2024 has 29 days"),
    ({"end": "13:00"}, "before it starts"),
    ({"key": "tour-2023-06-10"}, "duplicate key"),
    ({"mode": "boat"}, "unknown tour mode"),
    ({"meeting_point_en": ""}, "missing required field"),
])
def test_an_invalid_tour_is_refused_with_the_schemas_message(site, change, message):
    client = site.logged_in("anna")
    before = (site.kb_dir / "tours.yml").read_text(encoding="utf-8")
    answer = post(client, "/kb/tours/new", "/kb/tours/new", {**TOUR, **change})
    assert answer.status_code == 422 and message in answer.text, answer.text
    assert (site.kb_dir / "tours.yml").read_text(encoding="utf-8") == before
    assert len(Repository(site.db_url).tours()) == len(load_directory(site.kb_dir).tours)


def test_a_closure_day_added_and_answered_from_the_database(site):
    client = site.logged_in("anna")
    closure = {"date": "2024-12-27", "reason_de": "Brückentag", "reason_en": "Bridge day",
               "source": "gera.de/SMARTCity", "as_of": "2024-11-01"}
    assert post(client, "/kb/closures/new", "/kb/closures/new", closure).status_code == 303
    [stored] = Repository(site.db_url).closures()
    assert (stored.date.isoformat(), stored.reason_en) == ("2024-12-27", "Bridge day")
    assert "opening_hours:" in (site.kb_dir / "hours.yml").read_text(encoding="utf-8")
