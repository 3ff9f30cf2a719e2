"""Graceful degradation of the embedded default (issue 14).

Unit tests: the action endpoint's deadline and apology against a fake action server, the REST
body checks, the apology's wording and contact, the supervisor of `make run`.
Stack tests (``flock /tmp/stack.lock``): Rasa with a PostgreSQL tracker store and a private
action server, which is hung (SIGSTOP), killed, given a broken knowledge base, while the
tracker store is stopped; and scripts/run.sh with one service killed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import yaml
from aiohttp import web

from bot import ROOT
from bot.kb.loader import load_directory
from bot.plugins import action_endpoint
from bot.plugins.action_endpoint import APOLOGY, DegradingEndpoint, fallback_reply
from bot.plugins.rest_channel import MAX_BODY_BYTES, BadRequest, parse_body
from bot.services.processes import Backoff, Service, Supervisor, free_port, read_procfile, wait_for
from tests.kb_fixtures import PostgresServer, find_pg_bin
from tests.stack import MODEL, VENV_BIN, ActionServer

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
CONTACT = load_directory(ROOT / "data" / "kb").contact
TIMEOUT = action_endpoint.DEFAULT_TIMEOUT
#: Rasa's own work around the action call (NLU, policies, rendering) on a busy 2-core machine.
SLACK = 3.0


def apology_texts() -> dict[str, str]:
    """The apology's text per language, as domain.yml declares it."""
    texts = {}
    for variation in DOMAIN["responses"][APOLOGY]:
        conditions = variation.get("condition") or []
        if any(c["name"] != "language" for c in conditions):
            continue  # another register (easy-read), chosen by a slot these tests leave unset
        values = [c["value"] for c in conditions] or ["de"]
        texts[values[0]] = variation["text"]
    return texts


# ---------------------------------------------------------------- wording


def test_the_apology_is_short_bilingual_and_carries_the_knowledge_base_contact() -> None:
    texts = apology_texts()
    assert set(texts) == {"de", "en"}
    assert CONTACT is not None
    for variation in DOMAIN["responses"][APOLOGY]:  # every register carries the contact
        text = variation["text"]
        assert CONTACT.email in text and CONTACT.phone in text, text
        assert len(text) < 260
    assert "Sie" in texts["de"] and "Entschuldigung" in texts["de"]
    assert "Sorry" in texts["en"]


def test_no_python_module_spells_the_contact() -> None:
    """The contact lives in data/kb (and, for the apology, domain.yml), never in code."""
    assert CONTACT is not None
    code = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]
    spelt = [str(p) for p in code if CONTACT.email in p.read_text(encoding="utf-8")
             or CONTACT.phone in p.read_text(encoding="utf-8")]
    assert not spelt


# ---------------------------------------------------------------- action endpoint


class FakeActionServer:
    """An action server on loopback whose behaviour a test sets: ok, hang, 500, 400, text."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.calls = 0
        self.port = free_port()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        body = await request.json()
        if self.mode == "hang":
            await asyncio.sleep(60)
        if self.mode == "500":
            return web.Response(status=500, text="boom")
        if self.mode == "400":
            return web.json_response({"action_name": body["next_action"], "error": "no"},
                                     status=400)
        if self.mode == "text":
            return web.Response(text="not json", content_type="text/plain")
        return web.json_response({"events": [], "responses": [{"response": "utter_greet"}]})

    async def __aenter__(self) -> FakeActionServer:
        app = web.Application()
        app.router.add_post("/webhook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.runner.cleanup()


def action_call(action: str = "action_tour_next", sender: str = "s1", turn: int = 1) -> dict:
    events = [{"event": "user", "text": f"m{i}"} for i in range(turn)]
    return {"next_action": action, "sender_id": sender, "tracker": {"events": events}}


async def call(endpoint: DegradingEndpoint, body: dict) -> tuple[Any, float]:
    started = time.monotonic()
    result = await endpoint.request(json=body, method="post", timeout=300)
    return result, time.monotonic() - started


def endpoint_for(port: int, timeout: float = 1.0) -> DegradingEndpoint:
    from rasa.utils.endpoints import EndpointConfig

    return DegradingEndpoint.wrap(EndpointConfig(url=f"http://127.0.0.1:{port}/webhook"), timeout)


def test_a_hanging_action_server_gives_the_apology_within_the_deadline() -> None:
    async def scenario() -> None:
        async with FakeActionServer() as server:
            endpoint = endpoint_for(server.port, timeout=1.0)
            server.mode = "hang"
            result, took = await call(endpoint, action_call(turn=1))
            assert result == fallback_reply("action_tour_next", apologise=True)
            assert result["responses"] == [{"response": APOLOGY}]
            assert 0.9 <= took < 1.8
            # A second action of the same turn neither waits nor apologises twice.
            result, took = await call(endpoint, action_call("action_repeat_answer", turn=1))
            assert result == {"events": [], "responses": []} and took < 0.3
            # Another conversation is not affected by this one's failure: it waits its own turn.
            result, took = await call(endpoint, action_call(sender="s2", turn=1))
            assert result["responses"] == [{"response": APOLOGY}] and took >= 0.9
            # Once the server answers again, so does the assistant.
            server.mode = "ok"
            await asyncio.sleep(1.0)
            result, _ = await call(endpoint, action_call(turn=2))
            assert result["responses"] == [{"response": "utter_greet"}]

    asyncio.run(scenario())


def test_a_session_start_that_fails_starts_the_session_without_apology() -> None:
    async def scenario() -> None:
        async with FakeActionServer() as server:
            server.mode = "hang"
            endpoint = endpoint_for(server.port, timeout=0.5)
            result, _ = await call(endpoint, action_call("action_session_start", turn=0))
            assert [e["event"] for e in result["events"]] == ["session_started", "action"]
            assert result["events"][1]["name"] == "action_listen"
            assert result["responses"] == []
            # The message's own action follows at once and apologises.
            result, took = await call(endpoint, action_call(turn=1))
            assert result["responses"] == [{"response": APOLOGY}] and took < 0.3

    asyncio.run(scenario())


def test_refused_connection_error_status_and_non_json_give_the_apology() -> None:
    async def scenario() -> None:
        closed = endpoint_for(free_port())
        result, took = await call(closed, action_call())
        assert result["responses"] == [{"response": APOLOGY}] and took < 0.5
        async with FakeActionServer() as server:
            for turn, mode in enumerate(("500", "text"), 1):
                server.mode = mode
                result, _ = await call(endpoint_for(server.port), action_call(turn=turn))
                assert result["responses"] == [{"response": APOLOGY}], mode

    asyncio.run(scenario())


def test_a_form_validation_rejection_stays_rasas() -> None:
    """HTTP 400 means ActionExecutionRejection to Rasa: it must pass through unchanged."""
    from rasa.utils.endpoints import ClientResponseError

    async def scenario() -> None:
        async with FakeActionServer() as server:
            server.mode = "400"
            with pytest.raises(ClientResponseError) as error:
                await call(endpoint_for(server.port), action_call())
            assert error.value.status == 400

    asyncio.run(scenario())


def test_the_deadline_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(action_endpoint.TIMEOUT_VARIABLE, raising=False)
    assert action_endpoint.action_timeout() == action_endpoint.DEFAULT_TIMEOUT <= 5
    monkeypatch.setenv(action_endpoint.TIMEOUT_VARIABLE, "2.5")
    assert action_endpoint.action_timeout() == 2.5
    for bad in ("0", "-1", "soon", "301"):
        monkeypatch.setenv(action_endpoint.TIMEOUT_VARIABLE, bad)
        with pytest.raises(ValueError):
            action_endpoint.action_timeout()


def test_install_gives_agent_and_processor_the_degrading_endpoint(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.utils.endpoints import EndpointConfig

    monkeypatch.setenv(action_endpoint.TIMEOUT_VARIABLE, "3")
    plain = EndpointConfig(url="http://a:5055/webhook", token="t", selective_domain=True)
    agent = SimpleNamespace(action_endpoint=plain, processor=SimpleNamespace(action_endpoint=plain))
    action_endpoint.install(agent)
    installed = agent.action_endpoint
    assert isinstance(installed, DegradingEndpoint) and installed.timeout == 3
    assert agent.processor.action_endpoint is installed
    assert installed == plain and installed.kwargs == {"selective_domain": True}
    action_endpoint.install(agent)
    assert agent.action_endpoint is installed
    nothing = SimpleNamespace(action_endpoint=None, processor=None)
    action_endpoint.install(nothing)
    assert nothing.action_endpoint is None


# ---------------------------------------------------------------- REST bodies


@pytest.mark.parametrize("body", [
    b"[]", b'"Hallo"', b"null", b"42", b"not json", b"", b"\xff\xfe",
    b'{"sender": "a"}', b'{"message": 5}', b'{"message": null}',
    b'{"sender": [], "message": "Hallo"}', b'{"sender": "", "message": "Hallo"}',
    ('{"sender": "' + "x" * 256 + '", "message": "Hallo"}').encode(),
    b'{"message": "Hallo", "metadata": "de"}', b'{"message": "Hallo", "input_channel": 1}',
    b"--b\r\nContent-Disposition: form-data; name=message\r\n\r\nHallo\r\n--b--",
])
def test_malformed_rest_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(BadRequest):
        parse_body(body)


def test_well_formed_rest_bodies_are_accepted() -> None:
    assert parse_body(b'{"message": "Hallo"}') == {
        "sender": "default", "message": "Hallo", "metadata": None, "input_channel": None}
    fields = parse_body(json.dumps({"sender": "ä" * 255, "message": "",
                                    "metadata": {"language": "en"}}).encode())
    assert fields["metadata"] == {"language": "en"} and fields["message"] == ""
    assert MAX_BODY_BYTES >= 16 * 1024


# ---------------------------------------------------------------- supervisor


def python_service(name: str, code: str) -> Service:
    return Service(name, [sys.executable, "-c", code])


def test_a_crashing_service_is_restarted_with_growing_delays_and_the_others_keep_running(
        ) -> None:
    said: list[str] = []
    supervisor = Supervisor(
        [python_service("steady", "import time; time.sleep(60)"),
         python_service("crashy", "import sys; sys.exit(3)")],
        backoff=Backoff(first=0.2, factor=2, longest=0.8, stable=30), stop_timeout=5,
        say=said.append)
    supervisor.start()
    steady = supervisor.pid("steady")
    restarted_at: list[float] = []
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and supervisor.restarts("crashy") < 4:
            before = supervisor.restarts("crashy")
            supervisor.step()
            if supervisor.restarts("crashy") > before:
                restarted_at.append(time.monotonic())
            time.sleep(0.02)
        assert supervisor.restarts("crashy") == 4
        assert supervisor.pid("steady") == steady  # never touched
        gaps = [b - a for a, b in zip(restarted_at, restarted_at[1:], strict=False)]
        # delays 0.4, 0.8, 0.8 (capped) between restarts 1-2, 2-3, 3-4 (plus start-up time)
        assert gaps[0] >= 0.35 and gaps[1] >= 0.75 and gaps[2] >= 0.75, gaps
        assert gaps[2] < 2.0, gaps
        assert any("crashy exited with status 3" in line for line in said)
    finally:
        supervisor.stop()
    assert supervisor.pid("steady") is None and supervisor.pid("crashy") is None


def test_backoff_resets_after_a_stable_run() -> None:
    backoff = Backoff(first=1, factor=2, longest=30, stable=60)
    assert [backoff.delay(n) for n in (1, 2, 3, 4, 5, 6, 7)] == [1, 2, 4, 8, 16, 30, 30]


def test_procfile_format(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("# comment\n\nweb: python -m x --a 'b c'\nrasa: rasa run\n")
    assert read_procfile(procfile) == [Service("web", ["python", "-m", "x", "--a", "b c"]),
                                      Service("rasa", ["rasa", "run"])]
    for bad in ("web python\n", "web: a\nweb: b\n", "no name: x\n", "web:\n"):
        procfile.write_text(bad)
        with pytest.raises(ValueError):
            read_procfile(procfile)


def test_the_supervisor_stops_every_service_on_sigterm(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    child = ("import os, pathlib, time; "
             f"pathlib.Path({str(pids)!r}, str(os.getpid())).touch(); time.sleep(60)")
    procfile = tmp_path / "Procfile"
    procfile.write_text(f'a: {sys.executable} -c "{child}"\nb: {sys.executable} -c "{child}"\n')
    process = subprocess.Popen([sys.executable, "-m", "bot.services.processes", str(procfile)],
                               cwd=ROOT)
    deadline = time.monotonic() + 20
    while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    children = [int(p.name) for p in pids.iterdir()]
    assert len(children) == 2
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(
            f"/proc/{pid}/status").read_text().lower()


# ---------------------------------------------------------------- the running stack

TOUR_QUESTION = {"de": "Wann ist der nächste Rundgang?", "en": "When is the next tour?"}


class PrivateRasa:
    """Rasa on a spare port with its own endpoints file (tracker store, action server)."""

    def __init__(self, log_dir: Path, endpoints: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.endpoints = log_dir / f"endpoints-{self.port}.yml"
        self.endpoints.write_text(endpoints)
        self.log = log_dir / f"rasa-{self.port}.log"
        self.process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(self.port),
             "--endpoints", str(self.endpoints), "--credentials", str(ROOT / "credentials.yml")],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=self.log.open("a"),
            stderr=subprocess.STDOUT)
        wait_for(f"http://127.0.0.1:{self.port}/webhooks/rest/", 300, self.process)

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def say(self, sender: str, text: str, language: str | None = None) -> tuple[str, float]:
        """Bot texts of the reply (joined) and the seconds it took; fails on any non-200."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if language:
            body["metadata"] = {"language": language}
        started = time.monotonic()
        reply = requests.post(self.webhook, json=body, timeout=120)
        took = time.monotonic() - started
        assert reply.status_code == 200, (reply.status_code, reply.text)
        return "\n".join(m.get("text", "") for m in reply.json()), took

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)


class Postgres(PostgresServer):
    """The throw-away server, which a test can also stop and start again (same data)."""

    def pause(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def resume(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} "
                   "-c fsync=off")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "-t", "60", "start")


@pytest.fixture(scope="module")
def stack(trained_model: str, stack_dir: Path) -> Iterator[SimpleNamespace]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL is missing: run scripts/test-deps.sh (Debian package postgresql)")
    postgres = Postgres(bin_dir)
    actions = ActionServer(stack_dir)
    rasa = None
    try:
        postgres.start()
        actions.start()
        env = {key: value for key, value in os.environ.items()
               if key != action_endpoint.TIMEOUT_VARIABLE}
        rasa = PrivateRasa(stack_dir, textwrap.dedent(f"""\
            action_endpoint:
              url: "http://127.0.0.1:{actions.port}/webhook"
            tracker_store:
              type: SQL
              dialect: postgresql
              url: 127.0.0.1
              port: {postgres.port}
              db: kbtest
              username: postgres
            """), env)
        os.environ.pop(action_endpoint.TIMEOUT_VARIABLE, None)
        yield SimpleNamespace(rasa=rasa, actions=actions, postgres=postgres)
    finally:
        if rasa is not None:
            rasa.stop()
        actions.stop()
        postgres.stop()


def assert_apology(text: str, language: str) -> None:
    assert text == apology_texts()[language], text


@pytest.mark.stack
@pytest.mark.model
def test_malformed_bodies_get_400_from_rasa_itself(stack: SimpleNamespace) -> None:
    webhook = stack.rasa.webhook
    for body, content_type in [
        (b"[]", "application/json"), (b"{", "application/json"), (b"Hallo", "text/plain"),
        (b'{"message": 1}', "application/json"),
        (b"message=Hallo", "application/x-www-form-urlencoded"),
        (b"--x\r\n\r\nHallo\r\n--x--", "multipart/form-data; boundary=x"),
        (b'{"sender": {"$ne": 1}, "message": "Hallo"}', "application/json"),
    ]:
        reply = requests.post(webhook, data=body, headers={"Content-Type": content_type},
                              timeout=30)
        assert reply.status_code == 400, (body, reply.status_code, reply.text)
        assert "error" in reply.json()
    big = json.dumps({"sender": "big", "message": "a" * (MAX_BODY_BYTES + 1)})
    assert requests.post(webhook, data=big, timeout=30).status_code == 413
    # What the README's curl sends (JSON as form data) is still a message.
    reply = requests.post(webhook, data=b'{"sender": "curl-like", "message": "Hallo"}',
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          timeout=60)
    assert reply.status_code == 200 and reply.json(), reply.text


@pytest.mark.stack
@pytest.mark.model
def test_a_hanging_action_server_gives_the_apology_in_time(stack: SimpleNamespace) -> None:
    rasa, actions = stack.rasa, stack.actions
    answer, _ = rasa.say("hang-de", TOUR_QUESTION["de"])
    assert answer and answer != apology_texts()["de"]
    os.kill(actions.process.pid, signal.SIGSTOP)
    try:
        for language in ("de", "en"):
            reply, took = rasa.say(f"hang-{language}", TOUR_QUESTION[language], language)
            assert_apology(reply, language)
            assert took < TIMEOUT + SLACK, took
        # Rasa keeps serving: a new conversation is greeted (its session start waits once).
        greeting, took = rasa.say("hang-new", "Hallo")
        assert "SMARTCity" in greeting and took < TIMEOUT + SLACK
    finally:
        os.kill(actions.process.pid, signal.SIGCONT)
    time.sleep(TIMEOUT)  # the conversation's "server is down" memory runs out
    answer, _ = rasa.say("hang-de", TOUR_QUESTION["de"])
    assert answer and answer != apology_texts()["de"]


@pytest.mark.stack
@pytest.mark.model
def test_a_stopped_action_server_gives_the_apology_at_once(stack: SimpleNamespace) -> None:
    rasa, actions = stack.rasa, stack.actions
    actions.stop()
    try:
        reply, took = rasa.say("down-en", TOUR_QUESTION["en"], "en")
        assert_apology(reply, "en")
        assert took < SLACK, took
    finally:
        actions.start()
    time.sleep(1)
    answer, _ = rasa.say("down-en-2", TOUR_QUESTION["en"], "en")
    assert answer and answer != apology_texts()["en"]


@pytest.mark.stack
@pytest.mark.model
def test_a_knowledge_base_that_is_down_gives_the_apology(stack: SimpleNamespace) -> None:
    rasa, actions = stack.rasa, stack.actions
    nowhere = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/kb"
    actions.start(extra_env={"SMARTCITY_DB_URL": nowhere})
    try:
        reply, took = rasa.say("kb-down", TOUR_QUESTION["de"])
        assert_apology(reply, "de")
        assert took < TIMEOUT + SLACK
    finally:
        actions.start()


@pytest.mark.stack
@pytest.mark.model
def test_a_tracker_store_that_is_down_is_logged_and_apologised_for(
        stack: SimpleNamespace) -> None:
    rasa, postgres = stack.rasa, stack.postgres
    rasa.say("store", "Hallo")
    postgres.pause()
    try:
        reply, took = rasa.say("store", TOUR_QUESTION["de"])
        assert_apology(reply, "de")
        reply, _ = rasa.say("store-en", TOUR_QUESTION["en"], "en")
        assert_apology(reply, "en")
        reply, _ = rasa.say("store-en-2", TOUR_QUESTION["en"])  # language from the NLU
        assert_apology(reply, "en")
    finally:
        postgres.resume()
    log = rasa.log.read_text(encoding="utf-8", errors="replace")
    assert "rest: Rasa failed on a message of sender store" in log
    assert TOUR_QUESTION["de"] not in log  # no message text in the log
    answers = [rasa.say("store", TOUR_QUESTION["de"])[0] for _ in range(2)]
    assert answers[-1] and answers[-1] != apology_texts()["de"], answers


# ---------------------------------------------------------------- make run's supervision


def service_pid(port: int, marker: str) -> int | None:
    """The pid of the process whose command line holds ``marker`` and ``--port port``."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        if marker in words and "--port" in words and str(port) in words:
            return int(proc.name)
    return None


@pytest.mark.stack
@pytest.mark.model
def test_run_sh_restarts_a_crashed_service_and_keeps_the_others(
        trained_model: str, stack_dir: Path) -> None:
    rasa_port, actions_port, web_port = free_port(), free_port(), free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("SMARTCITY_NOW", "TELEGRAM_TOKEN", "FACEBOOK_VERIFY",
                          "ROCKETCHAT_USER", "RASA_API_TOKEN", "SMARTCITY_PROFILE")}
    env.update(RASA_PORT=str(rasa_port), ACTIONS_PORT=str(actions_port), WEB_PORT=str(web_port),
               SMARTCITY_CONSOLE_PORT=str(free_port()))
    log = stack_dir / "run-supervised.log"
    run = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env,
                           stdout=log.open("w"), stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{actions_port}/health", 180, run)
        wait_for(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", 300, run)
        webhook = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        first = service_pid(actions_port, "actions")
        assert first is not None
        os.kill(first, signal.SIGKILL)
        # While it is down, Rasa and the page keep serving: the apology, then answers again.
        reply = requests.post(webhook, json={"sender": "sup", "message": TOUR_QUESTION["de"]},
                              timeout=60)
        assert reply.status_code == 200
        assert requests.get(f"http://127.0.0.1:{web_port}/healthz", timeout=10).ok
        wait_for(f"http://127.0.0.1:{actions_port}/health", 120, run)
        second = service_pid(actions_port, "actions")
        assert second is not None and second != first
        time.sleep(TIMEOUT)
        reply = requests.post(webhook, json={"sender": "sup", "message": TOUR_QUESTION["de"]},
                              timeout=60)
        texts = "\n".join(m.get("text", "") for m in reply.json())
        assert texts and texts != apology_texts()["de"]
        assert run.poll() is None
        assert "actions exited" in log.read_text(encoding="utf-8")
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert service_pid(rasa_port, "run") is None and service_pid(actions_port, "actions") is None


def test_a_failing_tracker_store_fails_the_message_instead_of_forgetting_it() -> None:
    """Rasa's FailSafeTrackerStore would start over and keep the text in memory."""
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain

    from bot.plugins import conversation_store

    class Broken(InMemoryTrackerStore):
        async def retrieve(self, sender_id: str) -> Any:
            raise ConnectionError("INSERT ... 'the citizen's text'")

        async def save(self, tracker: Any) -> None:
            raise ConnectionError("INSERT ... 'the citizen's text'")

    store = FailSafeTrackerStore(Broken(Domain.empty()))
    assert asyncio.run(store.retrieve("a")) is None  # Rasa's own behaviour
    agent = SimpleNamespace(tracker_store=store)
    conversation_store.install(agent)
    with pytest.raises(conversation_store.ConversationStoreDown) as failure:
        asyncio.run(store.retrieve("a"))
    assert "citizen" not in str(failure.value)
    from rasa.shared.core.trackers import DialogueStateTracker

    with pytest.raises(conversation_store.ConversationStoreDown):
        asyncio.run(store.save(DialogueStateTracker("a", [])))
    assert asyncio.run(store.fallback_tracker_store.retrieve("a")) is None  # nothing kept


def test_a_busy_rasa_does_not_turn_a_quick_reply_into_the_apology() -> None:
    """Rasa's NLU blocks its event loop for seconds under load; the action server answered in
    milliseconds meanwhile. The deadline is about the action server, not about Rasa."""
    import threading

    ready = threading.Event()
    holder: dict[str, Any] = {}

    def serve() -> None:
        async def main() -> None:
            async with FakeActionServer() as server:
                holder["port"] = server.port
                ready.set()
                await asyncio.sleep(30)

        asyncio.run(main())

    threading.Thread(target=serve, daemon=True).start()
    assert ready.wait(10)

    async def busy(stop: asyncio.Event) -> None:
        while not stop.is_set():
            time.sleep(0.15)  # one message's NLU, on the event loop
            await asyncio.sleep(0)

    async def scenario() -> None:
        endpoint = endpoint_for(holder["port"], timeout=1.0)
        stop = asyncio.Event()
        others = [asyncio.ensure_future(busy(stop)) for _ in range(10)]
        try:
            result, took = await call(endpoint, action_call())
        finally:
            stop.set()
            await asyncio.gather(*others)
        # Each turn of the loop takes 1.5 s here; the call needs several turns of its own loop.
        assert result["responses"] == [{"response": "utter_greet"}], (result, took)

    asyncio.run(scenario())
