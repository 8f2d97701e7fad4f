"""The hostile corpus (tests/hostile/, see its README): every page is contained, graded within its
time bound with the outcome its case file states, and leaves the browser fit for the next page.

Three logs must agree that no request left the sandbox:
- a loopback trap server (TCP and UDP, on a free port) that hostile pages aim at: no connection,
  no datagram;
- the harness's own log (`Sandbox.requests`) against a second log kept by this test from the
  browser's events (every request, its end, every WebSocket): every attempt the browser reports
  is in the harness's log as blocked, and none outside the fake origin got a response;
- Chromium's NetLog of the whole run: no DNS query, no TCP connection attempted, no byte sent;
- the browser's own socket calls (strace of its whole process tree, for the whole run): none
  connects, sends or binds to an address that is not loopback, none joins a multicast group.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from webgrader import CheckFailed, CheckResult, browser, harness
from webgrader.harness import FAKE_ORIGIN, close_all, end_submission, open_page

from hostile_corpus import CASES, SocketRecorder, Trap, case_files, make_symlinks, read_case

CHECK_FAILS_WITHIN = 5.0  # seconds: any check on a hostile page, with its screenshot
NEXT_PAGE_WITHIN = 3.0  # seconds: the normal page graded after each hostile one
NOT_ROUTED = ("data:", "blob:", "about:")  # never leave the browser: not requests to anywhere

NEXT_PAGE = {
    "index.html": """<!DOCTYPE html><html><head><link rel="stylesheet" href="css/style.css">
<script src="app.js" defer></script></head><body><h1>Next learner</h1>
<button id="add">+</button><span id="count">0</span><p id="data"></p></body></html>""",
    "css/style.css": "h1 { color: rgb(10, 20, 30); }",
    "app.js": """let n = 0;
document.getElementById('add').addEventListener('click', () => { document.getElementById('count').textContent = ++n; });
fetch('data.json').then(r => r.json()).then(d => { document.getElementById('data').textContent = d.word; });""",
    "data.json": '{"word": "fetched"}',
}


class BrowserLog:
    """The test's own log of what the browser attempted, from Playwright's events on every
    context the harness makes (kept apart from the harness's log, which it checks)."""

    def __init__(self):
        self.events: list[tuple[str, str]] = []
        self.sandboxes: list[harness.Sandbox] = []

    def watch(self, context, sandbox) -> None:
        self.sandboxes.append(sandbox)
        context.on("request", lambda r: self.events.append(("request", r.url)))
        context.on("requestfinished", lambda r: self.events.append(("finished", r.url)))
        context.on("requestfailed", lambda r: self.events.append(("failed", r.url)))
        context.on("page", lambda p: p.on("websocket", lambda ws: self.events.append(("websocket", ws.url))))


@pytest.fixture(autouse=True)
def quiet_machine_limits(monkeypatch):
    """The corpus's time bounds are a quiet machine's: limits do not stretch for a busy one here
    (test_pagetime.py tests that they do)."""
    from webgrader import grading
    from webgrader.settings import Limits

    monkeypatch.setattr(grading, "current_limits", lambda: Limits(busy_factor=1.0))


@pytest.fixture(scope="module")
def trap():
    server = Trap()
    yield server
    server.close()


@pytest.fixture(scope="module")
def sockets(tmp_path_factory):
    """This module's browser runs under strace (its whole process tree); the last test reads it."""
    assert shutil.which("strace"), "strace is needed: apt-get install -y strace (scripts/setup.sh installs it)"
    recorder = SocketRecorder(tmp_path_factory.mktemp("strace"), browser.find_browser().path)
    before = os.environ.get(browser.ENV_VAR)
    os.environ[browser.ENV_VAR] = str(recorder.wrapper)
    yield recorder
    if before is None:
        os.environ.pop(browser.ENV_VAR)
    else:
        os.environ[browser.ENV_VAR] = before


@pytest.fixture(scope="module")
def netlog(run, tmp_path_factory, sockets):
    """This module's browser writes Chromium's NetLog; the last test reads it."""
    path = tmp_path_factory.mktemp("netlog") / "netlog.json"
    extra = [f"--log-net-log={path}", "--net-log-capture-mode=Default"]
    run(close_all())
    browser.HARDENING_ARGS.extend(extra)
    run(open_page(files={"index.html": "<h1>warm</h1>"}, asset_dir=None))  # the browser is up before any clock starts
    run(end_submission())
    yield path
    run(close_all())
    for arg in extra:
        browser.HARDENING_ARGS.remove(arg)


@pytest.fixture(scope="module")
def browser_log():
    log = BrowserLog()
    original = harness._new_context

    async def watched(browser_, sandbox, viewport):
        context = await original(browser_, sandbox, viewport)
        log.watch(context, sandbox)
        return context

    harness._new_context = watched
    yield log
    harness._new_context = original


def load_case(case_dir: Path, trap_address: str, tmp_path: Path):
    """The case's settings, its page files (as a page cell would give them) and its asset folder."""
    case = read_case(case_dir)
    files = case_files(case_dir, trap_address)
    assets = tmp_path / "learner"
    assets.mkdir()
    make_symlinks(case, assets)
    blocked = [b.replace("@TRAP@", trap_address) for b in case.get("blocked", [])]
    return case, files, assets, blocked


def timed(run, coro):
    """(the value, the failed check's result or None, seconds taken)."""
    start = time.monotonic()
    try:
        value = run(coro)
        return value, None, time.monotonic() - start
    except CheckFailed as failed:
        return None, failed.result, time.monotonic() - start


def assert_outcome(where: str, expected: dict, result: CheckResult | None, seconds: float):
    if expected.get("outcome", "pass") == "pass":
        assert result is None, f"{where}: expected to pass, got\n{result.as_text()}"
        return
    assert result is not None, f"{where}: expected to fail, but passed"
    assert not result.passed
    text = result.as_text()
    assert expected["message"] in text, f"{where}: expected {expected['message']!r} in\n{text}"
    assert result.message or result.found, f"{where}: a failure must say what was wrong"
    assert result.hint, f"{where}: a failure must give a hint"
    assert seconds < CHECK_FAILS_WITHIN, f"{where}: failed after {seconds:.1f} s"


def step_coro(page, step):
    if "check" in step:
        return getattr(page, step["check"])(*step.get("args", []), **step.get("kwargs", {}))
    return getattr(page, step["do"])(*step.get("args", []))


def grade_next_page(run) -> float:
    start = time.monotonic()
    page = run(open_page(files=NEXT_PAGE, asset_dir=None))
    run(page.expect_style("h1", "color", equals="rgb(10, 20, 30)"))
    run(page.click("#add", times=2))
    run(page.expect_text("#count", equals="2"))
    run(page.expect_text("#data", equals="fetched"))
    run(page.expect_no_js_errors())
    assert [r.verdict for r in page.sandbox.requests] == ["served"] * 4, page.sandbox.requests
    return time.monotonic() - start


GRADING_TIMES: dict[str, float] = {}


@pytest.mark.parametrize("case_dir", CASES, ids=[c.name for c in CASES])
def test_hostile_page_is_contained_graded_in_time_and_the_next_page_grades_normally(
        case_dir, run, trap, netlog, browser_log, tmp_path):
    case, files, assets, must_block = load_case(case_dir, trap.address, tmp_path)
    run(end_submission())  # each case is a submission of its own, in a new context
    trap_before, events_before, sandboxes_before = len(trap.hits), len(browser_log.events), len(browser_log.sandboxes)

    start = time.monotonic()
    page, result, seconds = timed(run, open_page(files=files, asset_dir=assets))
    assert_outcome(f"{case_dir.name}: load", case["load"], result, seconds)
    if result is None:
        for number, step in enumerate(case.get("steps", []), 1):
            if "wait" in step:
                run(asyncio.sleep(step["wait"]))
                continue
            _, result, seconds = timed(run, step_coro(page, step))
            assert_outcome(f"{case_dir.name}: step {number}", step, result, seconds)
    elapsed = time.monotonic() - start
    GRADING_TIMES[case_dir.name] = elapsed
    assert elapsed < case["within"], f"{case_dir.name}: graded in {elapsed:.1f} s, more than {case['within']} s"

    # Late requests of the hostile page (a timer, a retry) are given a moment to show in the logs.
    run(asyncio.sleep(0.3))
    hostile_log = [r for s in browser_log.sandboxes[sandboxes_before:] for r in s.requests]
    events_hostile = len(browser_log.events)
    blocked = {r.url for r in hostile_log if r.verdict == "blocked"}
    for pattern in must_block:
        assert any(pattern in url for url in blocked), f"{pattern} not logged as blocked: {sorted(blocked)}"
    assert not [r for r in hostile_log if r.verdict == "served" and not r.url.startswith(FAKE_ORIGIN + "/")]

    run(end_submission(prepare_next=True))  # the next learner: a submission of its own, as in bulk grading
    next_seconds = grade_next_page(run)
    assert next_seconds < NEXT_PAGE_WITHIN, f"the next page took {next_seconds:.1f} s"

    def outside(events):
        return {url for kind, url in events if not url.startswith(FAKE_ORIGIN + "/") and not url.startswith(NOT_ROUTED)}

    # What the browser reported while the hostile page was graded is in the harness's log of it;
    # what came later (the hostile page's last gasps, then the next page) in either log.
    hostile_urls = {r.url for r in hostile_log}
    later_urls = hostile_urls | {r.url for s in browser_log.sandboxes[sandboxes_before:] for r in s.requests}
    missing = (outside(browser_log.events[events_before:events_hostile]) - hostile_urls) | (
        outside(browser_log.events[events_hostile:]) - later_urls)
    assert not missing, f"attempts missing from the harness's log: {sorted(missing)}"
    events = browser_log.events[events_before:]
    answered = {url for kind, url in events if kind == "finished" and not url.startswith(FAKE_ORIGIN + "/")
                and not url.startswith(NOT_ROUTED)}
    assert not answered, f"requests outside the sandbox got a response: {sorted(answered)}"
    assert trap.hits[trap_before:] == [], f"the loopback trap was reached: {trap.hits[trap_before:]}"


def test_the_corpus_has_at_least_25_cases_each_with_a_time_bound_and_outcomes():
    assert len(CASES) >= 25
    for case_dir in CASES:
        case = read_case(case_dir)
        assert case["about"] and 0 < case["within"] <= 10, case_dir.name
        assert case["load"]["outcome"] in ("pass", "fail"), case_dir.name
        for step in case.get("steps", []):
            assert "wait" in step or step["outcome"] in ("pass", "fail"), (case_dir.name, step)


def test_an_expression_that_throws_in_the_page_fails_expect_js_with_its_error_not_a_traceback(run):
    page = run(open_page(files={"index.html": "<script>function add() { throw new Error('not yet'); }</script>"}, asset_dir=None))
    with pytest.raises(CheckFailed) as info:
        run(page.expect_js("add(1, 2) === 3", name="add(1, 2) gives 3"))
    assert "an error: Error: not yet" in info.value.result.found and info.value.result.hint


# NetLog event types that mean something went onto a network: a DNS query, a TCP connection
# attempt (even to 127.0.0.1, even to the dead proxy), any byte sent on a socket.
NETWORK_EVENTS = {"TCP_CONNECT", "TCP_CONNECT_ATTEMPT", "SOCKET_BYTES_SENT", "SSL_SOCKET_BYTES_SENT",
                  "UDP_BYTES_SENT", "HOST_RESOLVER_DNS_TASK", "DNS_TRANSACTION", "DNS_TRANSACTION_QUERY",
                  "WEBSOCKET_SENT_FRAME_HEADER"}


def test_zz_chromium_opened_no_connection_and_sent_nothing_during_the_whole_corpus(run, netlog, trap, sockets):
    """Runs last: closes this module's browser so that its NetLog is complete."""
    print("\ngrading time per case (s): " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(GRADING_TIMES.items(), key=lambda kv: -kv[1])))
    run(close_all())
    text = netlog.read_text()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a browser that died leaves the list unclosed
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    seen = [(names.get(e["type"]), e.get("params", {})) for e in log["events"]]
    assert len(seen) > 100, "the NetLog recorded the run"
    on_network = [(name, params) for name, params in seen if name in NETWORK_EVENTS]
    assert on_network == [], on_network[:10]
    assert trap.hits == []
    assert "webrtc-side-traffic" in GRADING_TIMES, "the WebRTC page was graded under strace"
    assert len(sockets.calls()) > 100, "strace recorded the browser's socket calls"
    assert sockets.leaks() == [], "\n".join(sockets.leaks()[:10])

