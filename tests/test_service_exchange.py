"""nbgrader's exchange over HTTP: nbgrader's own commands, with the exchange plugin set in the
learner's nbgrader_config.py through ExchangeFactory, fetch, submit, list and fetch feedback
from a real `webgrader serve`, with no folder shared between learner and grader."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from service_helpers import Service, issue_tokens, make_course, sample_notebooks

from webgrader.sample_class import load_class

REPO = Path(__file__).resolve().parents[1]

LEARNER_CONFIG = """
c = get_config()
c.CourseDirectory.course_id = "webdev"
c.CourseDirectory.student_id = {student!r}
c.Exchange.cache = {cache!r}
c.Exchange.assignment_dir = {home!r}
c.ExchangeFactory.fetch_assignment = "webgrader.service.exchange.FetchAssignment"
c.ExchangeFactory.submit = "webgrader.service.exchange.Submit"
c.ExchangeFactory.fetch_feedback = "webgrader.service.exchange.FetchFeedback"
c.ExchangeFactory.list = "webgrader.service.exchange.List"
c.WebGraderExchange.url = {url!r}
c.WebGraderExchange.token = {token!r}
"""


def nbgrader(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), HOME=str(home),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=home, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    work = tmp_path_factory.mktemp("exchange")
    course = make_course(work / "course")
    tokens = issue_tokens(course, ["olena", "daria"])
    svc = Service(course, workers=1).start()
    homes = {}
    for student, token in tokens.items():
        home = work / student
        home.mkdir()
        (home / "nbgrader_config.py").write_text(LEARNER_CONFIG.format(
            student=student, cache=str(home / ".cache"), home=str(home), url=svc.url, token=token))
        homes[student] = home
    yield svc, course, homes, tokens
    svc.stop()


def test_a_learner_fetches_submits_and_fetches_her_feedback_through_the_service(setup):
    svc, course, homes, tokens = setup
    home = homes["olena"]
    listing = nbgrader(home, "list")
    assert listing.returncode == 0 and "webdev click-counter" in listing.stderr + listing.stdout, listing.stderr
    fetched = nbgrader(home, "fetch_assignment", "click-counter")
    assert fetched.returncode == 0, fetched.stderr
    notebook = home / "click-counter" / "counter.ipynb"
    olena = next(s for s in load_class(REPO / "examples" / "class") if (s.student, s.assignment) == ("olena", "click-counter"))
    olena.apply_to(notebook)
    submitted = nbgrader(home, "submit", "click-counter")
    assert submitted.returncode == 0, submitted.stderr
    assert "grading service" in submitted.stderr
    with svc.client(tokens["olena"]) as client:
        subs = client.get("api/submissions").json()["submissions"]
        assert [s["student"] for s in subs] == ["olena"]
        deadline = time.monotonic() + 600
        while client.get(f"api/submissions/{subs[0]['id']}").json()["status"] in ("queued", "grading"):
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert client.get(f"api/submissions/{subs[0]['id']}").json()["score"] == 8.0
    assert (course / "submitted" / "olena" / "click-counter" / "counter.ipynb").read_bytes() == notebook.read_bytes()
    listed = nbgrader(home, "list", "--cached")
    assert "feedback ready to be fetched" in listed.stderr + listed.stdout, listed.stderr
    got = nbgrader(home, "fetch_feedback", "click-counter")
    assert got.returncode == 0, got.stderr
    pages = list((home / "click-counter" / "feedback").glob("*/counter.html"))
    assert len(pages) == 1 and "One click on" in pages[0].read_text()


def test_another_learner_fetches_no_feedback_of_hers(setup):
    svc, course, homes, tokens = setup
    home = homes["daria"]
    assert nbgrader(home, "fetch_assignment", "click-counter").returncode == 0
    got = nbgrader(home, "fetch_feedback", "click-counter")
    assert not list((home / "click-counter").glob("feedback/*/*.html"))
    with svc.client(tokens["daria"]) as client:
        assert client.get("api/submissions").json()["submissions"] == []


def test_an_unreleased_assignment_cannot_be_fetched_and_says_so(setup):
    svc, course, homes, tokens = setup
    fetched = nbgrader(homes["daria"], "fetch_assignment", "no-such-assignment")
    assert fetched.returncode != 0 and "no-such-assignment" in fetched.stderr


def test_a_hand_in_the_service_refused_is_not_listed_as_submitted_and_says_why(setup, tmp_path):
    svc, course, homes, tokens = setup
    home = tmp_path / "daria-at-home"
    home.mkdir()
    (home / "nbgrader_config.py").write_text(LEARNER_CONFIG.format(
        student="daria", cache=str(home / ".cache"), home=str(home), url=svc.url, token=tokens["daria"]))
    assert nbgrader(home, "fetch_assignment", "click-counter").returncode == 0
    (home / "click-counter" / "counter.ipynb").write_text('{"cells": [')  # her notebook, cut off by a crash
    refused = nbgrader(home, "submit", "click-counter")
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "refused" in said and "notebook" in said.lower(), said
    assert not list((home / ".cache").glob("*/daria+click-counter+*")), "not listed as handed in"
    with svc.client(tokens["daria"]) as client:
        assert client.get("api/submissions").json()["submissions"] == []
