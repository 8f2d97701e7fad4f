"""`webgrader serve` under a crash and under load: a real service, killed with SIGKILL while it
grades, then restarted; and 50 learners uploading at the same moment."""
import os
import time
from concurrent.futures import ThreadPoolExecutor

from service_helpers import Service, issue_tokens, make_course, sample_notebooks, upload, wait_done

from webgrader.course import Course


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _class_of(notebooks, assignment, n):
    """n learners, each with the work of a sample learner (cycling through the class)."""
    samples = sorted((nb for (student, a), nb in notebooks.items() if a == assignment), key=lambda nb: nb.student)
    return {f"l{i:02d}-{samples[i % len(samples)].student}": samples[i % len(samples)] for i in range(n)}


def test_a_service_killed_while_grading_grades_every_accepted_submission_exactly_once(tmp_path):
    course = make_course(tmp_path / "course")
    notebooks = sample_notebooks(course, tmp_path / "notebooks")
    learners = _class_of(notebooks, "click-counter", 8)
    tokens = issue_tokens(course, list(learners))
    teacher = issue_tokens(course, ["teacher"], instructor=True)["teacher"]
    svc = Service(course, workers=1).start()
    ids = {}
    for name, nb in learners.items():
        with svc.client(tokens[name]) as client:
            response = upload(client, nb)
            assert response.status_code == 201, response.text
            ids[response.json()["id"]] = name
    with svc.client(teacher) as client:
        deadline = time.monotonic() + 600
        while True:  # kill once one is graded and the next is in the middle of grading
            subs = client.get("api/submissions").json()["submissions"]
            statuses = [s["status"] for s in subs]
            if "graded" in statuses and "grading" in statuses:
                break
            assert time.monotonic() < deadline, statuses
            time.sleep(0.2)
    graders = set()
    for pid in svc.worker_pids():
        graders |= {pid} | _descendants(pid)  # the worker, its Playwright driver and Chromium
    before = {s["id"]: s for s in subs}
    svc.kill()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in graders) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not [pid for pid in graders if _alive(pid)], "grading processes outlived the killed service"

    svc = Service(course, workers=1).start()
    try:
        with svc.client(teacher) as client:
            done = wait_done(client, list(ids))
    finally:
        svc.stop()
    assert len(done) == len(learners) == 8, "nothing accepted is lost"
    for sid, sub in done.items():
        nb = learners[ids[sid]]
        assert sub["status"] == "graded" and sub["score"] == nb.score, sub
        assert sub["gradings"] == 1, f"{ids[sid]} graded {sub['gradings']} times"
        assert sub["student"] == ids[sid]
    for sid, sub in before.items():
        if sub["status"] == "graded":  # graded before the kill: not touched again
            assert done[sid]["score"] == sub["score"] and done[sid]["gradings"] == 1
    assert {s: score for (s, a), (score, _) in Course(course).scores().items() if a == "click-counter"} == \
        {name: nb.score for name, nb in learners.items()}


def test_a_grading_worker_killed_in_the_middle_is_replaced_and_the_submission_graded_once(tmp_path):
    course = make_course(tmp_path / "course")
    notebooks = sample_notebooks(course, tmp_path / "notebooks")
    token = issue_tokens(course, ["olena"])["olena"]
    svc = Service(course, workers=1).start()
    try:
        with svc.client(token) as olena:
            sid = upload(olena, notebooks[("olena", "profile-page")]).json()["id"]
            deadline = time.monotonic() + 600
            while olena.get(f"api/submissions/{sid}").json()["status"] != "grading":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            [worker] = svc.worker_pids()
            os.kill(worker, 9)
            done = wait_done(olena, [sid])[sid]
            assert done["status"] == "graded" and done["score"] == 9.0 and done["gradings"] == 1
            assert worker not in svc.worker_pids() and len(svc.worker_pids()) == 1, "a new worker took its place"
    finally:
        svc.stop()


def test_fifty_uploads_at_once_are_all_stored_graded_and_released_to_the_right_learner(tmp_path):
    course = make_course(tmp_path / "course")
    notebooks = sample_notebooks(course, tmp_path / "notebooks")
    learners = _class_of(notebooks, "click-counter", 50)
    tokens = issue_tokens(course, list(learners))
    svc = Service(course, workers=2).start()
    try:
        def hand_in(name):
            with svc.client(tokens[name]) as client:
                return name, upload(client, learners[name])

        with ThreadPoolExecutor(50) as pool:  # 50 connections at the same moment, on loopback
            responses = dict(pool.map(hand_in, learners))
        assert all(r.status_code == 201 for r in responses.values()), \
            {n: r.text for n, r in responses.items() if r.status_code != 201}
        assert all(r.json()["student"] == name for name, r in responses.items())
        for name, response in responses.items():
            sid = response.json()["id"]
            with svc.client(tokens[name]) as client:
                mine = wait_done(client, [sid], timeout=900)[sid]
                assert mine["status"] == "graded" and mine["score"] == learners[name].score, (name, mine)
                assert [s["id"] for s in client.get("api/submissions").json()["submissions"]] == [sid]
                feedback = client.get(f"api/submissions/{sid}/feedback/counter.html")
                assert feedback.status_code == 200
            stored = course / "service" / "submissions" / sid / "counter.ipynb"
            assert stored.read_bytes() == learners[name].data
            assert (course / "submitted" / name / "click-counter" / "counter.ipynb").read_bytes() == learners[name].data
    finally:
        svc.stop()
    assert {s: score for (s, a), (score, _) in Course(course).scores().items() if a == "click-counter"} == \
        {name: nb.score for name, nb in learners.items()}
    feedback_of = {p.parent.parent.name for p in (course / "feedback").glob("*/click-counter/counter.html")}
    assert feedback_of == set(learners)


from test_bulk import postgres  # noqa: E402,F401  (a real PostgreSQL server on a free port)


def test_the_service_keeps_its_state_in_postgresql_when_db_url_says_so(tmp_path, postgres):  # noqa: F811
    course = make_course(tmp_path / "course", f"c.WebGraderService.db_url = {postgres!r}")
    notebooks = sample_notebooks(course, tmp_path / "notebooks")
    token = issue_tokens(course, ["olena"])["olena"]
    svc = Service(course, workers=1).start()
    try:
        with svc.client(token) as olena:
            sid = upload(olena, notebooks[("olena", "profile-page")]).json()["id"]
            assert wait_done(olena, [sid])[sid]["score"] == 9.0
    finally:
        svc.stop()
    assert not (course / "service" / "service.db").exists(), "no SQLite file when PostgreSQL is configured"
    import sqlalchemy

    with sqlalchemy.create_engine(postgres.replace("postgresql://", "postgresql+psycopg://")).connect() as conn:
        assert conn.execute(sqlalchemy.text("select student, status, gradings from webgrader_submissions")).all() == \
            [("olena", "graded", 1)]
