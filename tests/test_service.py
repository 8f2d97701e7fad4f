"""`webgrader serve`: a real service process on 127.0.0.1, real uploads over HTTP, real grading.

What must hold: an accepted upload is graded at once with the score `webgrader autograde` gives,
and its feedback is released to that learner only; every refusal says what was wrong and what
to do, and stores nothing; no learner reaches another's work by any trick; nothing is written
outside the course's folders.
"""
import json
import secrets

import pytest
from service_helpers import Service, issue_tokens, make_course, sample_notebooks, upload, wait_done

LEARNERS = ["olena", "daria", "oksana"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("service") / "course",
                       "c.WebGraderService.max_upload_mb = 1.0\nc.WebGrader.js_heap_mb = 384")


@pytest.fixture(scope="module")
def notebooks(course, tmp_path_factory):
    return sample_notebooks(course, tmp_path_factory.mktemp("notebooks"))


@pytest.fixture(scope="module")
def tokens(course):
    return {**issue_tokens(course, LEARNERS), **issue_tokens(course, ["teacher"], instructor=True)}


@pytest.fixture(scope="module")
def service(course, tokens):
    svc = Service(course).start()
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def olenas_submission(service, tokens, notebooks):
    with service.client(tokens["olena"]) as olena:
        response = upload(olena, notebooks[("olena", "click-counter")])
        assert response.status_code == 201, response.text
        sub = response.json()
        assert sub["status"] == "queued" and sub["student"] == "olena"
        return wait_done(olena, [sub["id"]])[sub["id"]]


def test_an_upload_is_graded_at_once_with_the_score_autograde_gives(olenas_submission, notebooks):
    assert olenas_submission["status"] == "graded", olenas_submission
    assert olenas_submission["score"] == notebooks[("olena", "click-counter")].score == 8.0
    assert olenas_submission["max_score"] == 8.0 and olenas_submission["gradings"] == 1
    assert olenas_submission["feedback"] == ["counter.html"]


def test_grading_workers_run_in_the_course_folder_with_its_limits(service, olenas_submission, course):
    """Wherever `webgrader serve --course` was started (here: the repository, another course), a
    worker grades in the course's folder, and its browser has the course's JavaScript heap limit."""
    import os

    workers = service.worker_pids()
    assert len(workers) == 2
    below = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as f:
                below[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    for pid in workers:
        assert os.readlink(f"/proc/{pid}/cwd") == str(course.resolve())
    browsers = []
    for pid in below:
        ancestor = below.get(pid)
        while ancestor and ancestor not in workers:
            ancestor = below.get(ancestor)
        if ancestor:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"--remote-debugging-pipe" in f.read():
                    browsers.append(pid)
    assert browsers
    for pid in browsers:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            assert b"--js-flags=--max-old-space-size=384" in f.read().replace(b"\0", b" ").split()  # renderers: one string


def test_feedback_is_released_to_that_learner_and_instructors_only(service, tokens, olenas_submission):
    sid = olenas_submission["id"]
    feedback = f"api/submissions/{sid}/feedback/counter.html"
    with service.client(tokens["olena"]) as olena:
        page = olena.get(feedback)
        assert page.status_code == 200 and "One click on" in page.text
        assert page.headers["content-security-policy"].startswith("sandbox"), "learner content never runs on this origin"
    with service.client(tokens["daria"]) as daria:
        assert daria.get(feedback).status_code == 404
        assert daria.get(f"api/submissions/{sid}").status_code == 404
        assert daria.get(f"submissions/{sid}").status_code == 404
        assert daria.get(f"submissions/{sid}/feedback/counter.html").status_code == 404
        assert daria.get("api/submissions").json()["submissions"] == []
        assert daria.get("api/submissions", params={"student": "olena"}).json()["submissions"] == []
    with service.client(tokens["teacher"]) as teacher:
        assert teacher.get(feedback).status_code == 200
        assert sid in {s["id"] for s in teacher.get("api/submissions").json()["submissions"]}
        assert [s["id"] for s in teacher.get("api/submissions", params={"student": "olena"}).json()["submissions"]] == [sid]
    with service.client() as nobody, service.client("not-a-token") as forger:
        for client in (nobody, forger):
            assert client.get(f"api/submissions/{sid}").status_code == 403
            assert client.get(feedback).status_code in (302, 403)
            assert "olena" not in client.get("").text


def test_guessed_ids_and_path_tricks_reach_nothing(service, tokens, olenas_submission, course):
    sid = olenas_submission["id"]
    with service.client(tokens["daria"]) as daria:
        for path in [f"api/submissions/{secrets.token_hex(16)}", "api/submissions/..%2F..%2Fservice.db",
                     f"api/submissions/{sid.upper()}", f"api/submissions/{sid}%00",
                     f"api/submissions/{sid}/feedback/..%2F{sid}%2Fcounter.ipynb",
                     "submissions/..%2F..%2Fnbgrader_config.py/feedback/x.html"]:
            assert daria.get(path).status_code == 404, path
    with service.client(tokens["olena"]) as olena:  # her own id, with a file that is not feedback
        for name in ["..%2Fcounter.ipynb", "..%2F..%2Fservice.db", "%2Fetc%2Fpasswd", "counter.ipynb"]:
            assert olena.get(f"api/submissions/{sid}/feedback/{name}").status_code == 404, name


def test_forged_fields_and_file_names_cannot_change_who_or_where(service, tokens, notebooks, course):
    nb = notebooks[("daria", "click-counter")]
    with service.client(tokens["daria"]) as daria:
        # a multipart form with a forged learner field and a file name that climbs out
        response = daria.post("api/submissions", data={"assignment": "click-counter", "student": "olena"},
                              params={"student": "olena"},
                              files={"notebook": ("../../../../../tmp/evil-webgrader.ipynb", nb.data)})
        assert response.status_code == 201, response.text
        sub = response.json()
        assert sub["student"] == "daria" and sub["notebook"] == "counter.ipynb"
        done = wait_done(daria, [sub["id"]])[sub["id"]]
        assert done["status"] == "graded" and done["score"] == nb.score
    assert (course / "service" / "submissions" / sub["id"] / "counter.ipynb").read_bytes() == nb.data
    assert not list(course.parent.parent.rglob("evil-webgrader*")), "nothing is named after the uploaded file"
    with service.client(tokens["olena"]) as olena:
        assert sub["id"] not in {s["id"] for s in olena.get("api/submissions").json()["submissions"]}


def _refusal(service, token, params, content, status=400):
    with service.client(token) as client:
        response = client.post("api/submissions", params=params, content=content)
    assert response.status_code == status, response.text
    return response.json()


def test_every_refusal_says_what_was_wrong_and_stores_nothing(service, tokens, notebooks, course):
    token = tokens["oksana"]
    counter = notebooks[("oksana", "click-counter")]
    stored_before = set((course / "service" / "submissions").iterdir())
    cases = [
        ({"assignment": "../../etc", "filename": "counter.ipynb"}, counter.data, 400, "service.refused.unknown_assignment", "click-counter, profile-page"),
        ({"assignment": "click-counter/../profile-page", "filename": "a.ipynb"}, counter.data, 400, "service.refused.unknown_assignment", "Choose one of"),
        ({"assignment": "", "filename": "counter.ipynb"}, counter.data, 400, "service.refused.no_assignment", "Choose the assignment"),
        ({"assignment": "click-counter", "filename": "counter.ipynb"}, b"", 400, "service.refused.no_file", "Choose your notebook"),
        ({"assignment": "click-counter", "filename": "counter.ipynb"}, counter.data[: len(counter.data) // 2], 400, "service.refused.not_notebook", "save it"),
        ({"assignment": "click-counter", "filename": "counter.ipynb"}, b"\xff\xfe garbage", 400, "service.refused.not_notebook", "damaged"),
        ({"assignment": "click-counter", "filename": "index.html"}, b"<h1>hi</h1>", 400, "service.refused.not_ipynb", "ends in .ipynb"),
        ({"assignment": "click-counter", "filename": "profile.ipynb"}, notebooks[("oksana", "profile-page")].data, 400, "service.refused.other_notebook", "right file"),
        ({"assignment": "click-counter", "filename": "counter.ipynb"}, b" " * (1024 * 1024 + 10), 413, "service.refused.too_big", "Clear Outputs"),
    ]
    for params, content, status, key, words in cases:
        refusal = _refusal(service, token, params, content, status)
        assert refusal["error"] == key and words in refusal["message"], (params, refusal)
    with service.client(token) as client:
        assert client.get("api/submissions").json()["submissions"] == []
    assert set((course / "service" / "submissions").iterdir()) == stored_before


def test_an_upload_far_over_the_limit_is_cut_off_without_being_held(service, tokens):
    with service.client(tokens["oksana"]) as client:
        try:
            response = client.post("api/submissions", params={"assignment": "click-counter", "filename": "x.ipynb"},
                                   content=b"x" * (5 * 1024 * 1024))
            assert response.status_code >= 400
        except Exception as exc:  # the server may close the connection while the body is still being sent
            assert "disconnect" in str(exc).lower() or "reset" in str(exc).lower() or "closed" in str(exc).lower(), exc
        assert client.get("api/submissions").status_code == 200, "the service is still there"


def test_the_due_date_follows_nbgraders_late_rule(tmp_path, notebooks):
    """Late work is accepted and marked late (nbgrader's default), or refused when the course says so."""
    from service_helpers import _env
    import subprocess, sys

    course = make_course(tmp_path / "course", "c.WebGraderService.accept_late = False")
    subprocess.run([sys.executable, "-c", (
        "import sys; from nbgrader.api import Gradebook; "
        f"gb = Gradebook('sqlite:///{course}/gradebook.db', 'webdev'); "
        "gb.update_or_create_assignment('click-counter', duedate='2020-01-01 00:00:00 UTC'); gb.close()")],
        env=_env(), check=True)
    token = issue_tokens(course, ["olena"])["olena"]
    svc = Service(course, workers=1).start()
    try:
        refusal = _refusal(svc, token, {"assignment": "click-counter", "filename": "counter.ipynb"},
                           notebooks[("olena", "click-counter")].data, 403)
        assert refusal["error"] == "service.refused.late" and "2020-01-01 00:00 UTC" in refusal["message"]
    finally:
        svc.stop()
    with open(course / "nbgrader_config.py", "a") as cfg:
        cfg.write("\nc.WebGraderService.accept_late = True\n")
    svc = Service(course, workers=1).start()
    try:
        with svc.client(token) as olena:
            response = upload(olena, notebooks[("olena", "click-counter")])
            assert response.status_code == 201 and response.json()["late_seconds"] > 86400 * 365
            done = wait_done(olena, [response.json()["id"]])[response.json()["id"]]
            assert done["status"] == "graded" and done["score"] == 8.0
            page = olena.get(f"submissions/{done['id']}").text
            assert "after the due date and is marked late" in page
    finally:
        svc.stop()
    assert (course / "submitted" / "olena" / "click-counter" / "timestamp.txt").read_text().endswith(" UTC")


def test_tokens_are_stored_only_as_hashes(course, tokens):
    import sqlite3

    db = sqlite3.connect(course / "service" / "service.db")
    stored = json.dumps(db.execute("select * from webgrader_tokens").fetchall())
    assert "olena" in stored and not any(token in stored for token in tokens.values())


def test_behind_a_hub_the_hub_groups_say_who_is_a_learner_and_who_an_instructor():
    from webgrader.service.auth import from_hub_model
    from webgrader.service.config import WebGraderService

    options = WebGraderService(instructors=["head"])
    assert from_hub_model({"name": "olena", "groups": ["learners"]}, options).instructor is False
    assert from_hub_model({"name": "teacher", "groups": ["instructors", "learners"]}, options).instructor is True
    assert from_hub_model({"name": "head", "groups": []}, options).instructor is True
    assert from_hub_model({"name": "root", "groups": [], "admin": True}, options).instructor is True
    assert from_hub_model({"name": "visitor", "groups": ["other-course"]}, options) is None, "not in this course"
    assert from_hub_model(None, options) is None
