"""`webgrader autograde`: the kernel-free path gives exactly nbgrader's results, and bulk
grading survives bad submissions, kills and re-runs; on Dask and on PostgreSQL too."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from webgrader.bulk import autograde, default_workers, marker_path
from webgrader.course import Course

ASSIGNMENTS = ("profile-page", "click-counter")


def ungraded_copy(graded_class, dest: Path, config_extra: str = "") -> Course:
    """The graded class's course with its submissions, but no grades and no autograded files."""
    shutil.copytree(graded_class.course.root, dest,
                    ignore=shutil.ignore_patterns("autograded", "feedback", "gradebook.db"))
    if config_extra:
        with open(dest / "nbgrader_config.py", "a") as cfg:
            cfg.write("\n" + config_extra + "\n")
    course = Course(dest)
    for assignment in ASSIGNMENTS:
        course.nbgrader("generate_assignment", assignment, "--force")
    return course


def same_as_nbgrader(graded_class, course: Course, assignments=ASSIGNMENTS, students=None):
    want = {k: v for k, v in graded_class.check_scores.items()
            if k[1] in assignments and (students is None or k[0] in students)}
    got = {k: v for k, v in course.check_scores().items() if k in want}
    assert got == want


@pytest.fixture(scope="module")
def fast_graded(graded_class, tmp_path_factory):
    course = ungraded_copy(graded_class, tmp_path_factory.mktemp("fast") / "course")
    reports = {a: autograde(course.root, a, progress=False) for a in ASSIGNMENTS}
    return course, reports


def test_webgrader_autograde_gives_every_check_the_same_score_as_nbgrader_autograde(graded_class, fast_graded):
    course, reports = fast_graded
    same_as_nbgrader(graded_class, course)
    for report in reports.values():
        assert report.ok and report.count("graded") == len({s.student for s in graded_class.submissions})
        assert {r.path for r in report.results} == {"fast"}, "the sample class holds only web content"


def test_autograded_notebooks_feed_nbgraders_feedback_and_export_unchanged(fast_graded):
    course, _ = fast_graded
    course.nbgrader("generate_feedback", "profile-page", "--force")
    feedback = course.root / "feedback" / "oksana" / "profile-page" / "profile.html"
    html = feedback.read_text(encoding="utf-8")
    assert "Every image has an alt text that describes it" in html and "data:image/jpeg;base64," in html
    course.nbgrader("export", f"--CsvExportPlugin.to={course.root / 'grades.csv'}")
    rows = course.read_export(course.root / "grades.csv")
    assert {(r["student_id"], r["assignment"]): float(r["score"]) for r in rows} == \
        {k: s for k, (s, _) in course.scores().items()}


def test_a_rerun_skips_unchanged_submissions_and_regrades_a_changed_one(graded_class, fast_graded):
    course, _ = fast_graded
    again = autograde(course.root, "click-counter", progress=False)
    assert again.count("skipped") == len(again.results) and again.count("graded") == 0
    notebook = course.root / "submitted" / "olena" / "click-counter" / "counter.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("I am proud of this one."))
    nbformat.write(nb, notebook)
    changed = autograde(course.root, "click-counter", progress=False)
    assert [r.student for r in changed.results if r.status == "graded"] == ["olena"]
    forced = autograde(course.root, "click-counter", student_glob="[a-h]*", force=True, progress=False)
    assert {r.student for r in forced.results} == {"anna", "daria", "halyna"} and forced.count("graded") == 3
    same_as_nbgrader(graded_class, course, ["click-counter"])


def _submit(course: Course, student: str, assignment: str, nb) -> Path:
    folder = course.root / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / ("counter.ipynb" if assignment == "click-counter" else "profile.ipynb"))
    (folder / "timestamp.txt").write_text("2026-11-30 10:00:00.000000 UTC")
    return folder


def test_python_in_a_learner_cell_of_a_page_only_assignment_is_ignored_and_a_broken_notebook_is_reported(graded_class, tmp_path):
    course = ungraded_copy(graded_class, tmp_path / "course")
    for folder in (course.root / "submitted").iterdir():
        if folder.name not in ("olena", "kateryna"):
            shutil.rmtree(folder)
    olena = nbformat.read(course.root / "submitted" / "olena" / "click-counter" / "counter.ipynb", as_version=4)
    olena.cells.insert(3, nbformat.v4.new_code_cell("print('I also tried some Python')"))
    _submit(course, "pythonista", "click-counter", olena)
    broken = _submit(course, "broken", "click-counter", nbformat.v4.new_notebook())
    (broken / "counter.ipynb").write_text("{ this is not a notebook")

    proc = subprocess.run([sys.executable, "-m", "webgrader.cli", "autograde", "click-counter", "--course",
                           str(course.root)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "broken: NOT graded" in proc.stdout and "nbgrader autograde click-counter --student broken" in proc.stdout
    # The assignment asks only for pages: her Python is emptied (said so) and she is graded without a kernel.
    assert "pythonista: counter.ipynb: the learner's code cells 3 are not page cells" in proc.stdout, proc.stdout
    assert "graded with a kernel" not in proc.stdout and "4 graded" not in proc.stdout
    assert "3 graded (3 without a kernel, 0 with one)" in proc.stdout, proc.stdout
    assert "submissions a minute" in proc.stdout
    # Without --workers, one worker per core (at most 4), and no more than the 4 submissions.
    workers = min(default_workers(), 4)
    assert f"a minute, {workers} worker{'s' if workers > 1 else ''})" in proc.stdout, proc.stdout
    scores = course.scores()
    assert scores[("pythonista", "click-counter")] == scores[("olena", "click-counter")] == (8, 8)
    assert scores[("kateryna", "click-counter")] == (0, 8)

    # A grader without a browser must not hand out zeros: the submission is reported as not graded.
    proc = subprocess.run([sys.executable, "-m", "webgrader.cli", "autograde", "click-counter", "--student", "olena",
                           "--force", "--quiet", "--course", str(course.root)], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "WEBGRADER_CHROMIUM": "/nonexistent/chromium"})
    assert proc.returncode == 1 and "olena: NOT graded" in proc.stdout, proc.stdout + proc.stderr
    assert "webgrader doctor" in proc.stdout
    assert not marker_path(course.root, "click-counter", "olena").exists()
    again = autograde(course.root, "click-counter", progress=False)
    assert [r.student for r in again.results if r.status == "graded"] == ["olena"]
    assert course.scores()[("olena", "click-counter")] == (8, 8)


def test_killing_a_run_and_running_again_grades_every_submission_exactly_once(graded_class, tmp_path):
    course = ungraded_copy(graded_class, tmp_path / "course")
    students = sorted(p.name for p in (course.root / "submitted").iterdir())
    markers = lambda: {s for s in students if marker_path(course.root, "profile-page", s).exists()}  # noqa: E731
    submitted_before = {p: p.read_bytes() for p in (course.root / "submitted").rglob("*") if p.is_file()}
    cmd = [sys.executable, "-m", "webgrader.cli", "autograde", "profile-page", "--quiet", "--course", str(course.root)]
    killed_after = []
    for kill_at in (2, 5):  # kill twice, at different points
        run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 300
        while len(markers()) < kill_at and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        killed_after.append(markers())
    assert 0 < len(killed_after[-1]) < len(students)
    final = autograde(course.root, "profile-page", progress=False)
    graded_now = {r.student for r in final.results if r.status == "graded"}
    assert graded_now == set(students) - killed_after[-1]  # nothing graded twice, nothing left out
    assert markers() == set(students)
    same_as_nbgrader(graded_class, course, ["profile-page"])
    assert {p: p.read_bytes() for p in (course.root / "submitted").rglob("*") if p.is_file()} == submitted_before


def test_grading_on_a_dask_cluster_gives_the_same_grades(graded_class, tmp_path):
    from distributed import LocalCluster

    course = ungraded_copy(graded_class, tmp_path / "course")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        report = autograde(course.root, "click-counter", scheduler=cluster.scheduler_address, progress=False)
    assert report.ok and report.count("graded") == len(report.results) >= 12
    same_as_nbgrader(graded_class, course, ["click-counter"])


@pytest.fixture
def postgres():
    """A real PostgreSQL server on 127.0.0.1 and a free port, started for this test."""
    import socket
    import tempfile

    initdb = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not initdb:
        pytest.fail("No PostgreSQL server: install it with `apt-get install postgresql` (.ci/run does)")
    bindir = initdb[-1].parent
    home = Path(tempfile.mkdtemp(prefix="webgrader-pg-"))  # outside pytest's private folders: postgres must reach it
    data = home / "data"
    as_user = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(home, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def pg(*cmd):
        proc = subprocess.run(as_user + [str(bindir / cmd[0]), *cmd[1:]], capture_output=True, text=True)
        assert proc.returncode == 0, f"{cmd}: {proc.stdout}{proc.stderr}"

    pg("initdb", "-D", str(data), "-U", "postgres", "--auth=trust")
    pg("pg_ctl", "-D", str(data), "-w", "-l", str(home / "log"), "-o", f"-h 127.0.0.1 -p {port} -k {home}", "start")
    try:
        pg("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "gradebook")
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def test_two_workers_write_one_postgresql_gradebook_safely(graded_class, tmp_path, postgres):
    course = ungraded_copy(graded_class, tmp_path / "course", f"c.CourseDirectory.db_url = {postgres!r}")
    assert not (course.root / "gradebook.db").exists()
    report = autograde(course.root, "click-counter", workers=2, progress=False)
    assert report.ok and report.count("graded") == len(report.results) >= 12
    same_as_nbgrader(graded_class, course, ["click-counter"])


def test_the_demo_command_grades_the_sample_class_with_webgrader_and_prints_the_score_table(graded_class, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "webgrader.cli", "demo", "--workdir", str(tmp_path / "demo")],
                          capture_output=True, text=True, timeout=1200, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "(webgrader autograde)" in proc.stdout and "Scores (points / maximum):" in proc.stdout
    table = proc.stdout.split("Scores (points / maximum):")[1]
    for sub in graded_class.submissions:
        if not sub.student.startswith("zz-"):
            row = next(line for line in table.splitlines() if line.startswith(sub.student + " "))
            assert f"{sub.expected_score:g}/{sub.max_score:g}" in row.split()
    assert (tmp_path / "demo" / "grades.csv").exists()
    assert str(tmp_path / "demo" / "course" / "feedback" / "olena" / "profile-page" / "profile.html") in proc.stdout


def test_while_autograding_cell_metadata_is_validated_as_before_with_the_schema_checked_once(monkeypatch):
    import jsonschema
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    from webgrader import bulk

    validator = MetadataValidator()
    good = nbformat.v4.new_code_cell(metadata={"nbgrader": {
        "schema_version": 3, "grade": True, "solution": False, "locked": True, "task": False,
        "grade_id": "check_one", "points": 2}})
    bad = nbformat.v4.new_code_cell(metadata={"nbgrader": {**good.metadata.nbgrader, "points": "two"}})
    schema_checks = []
    cls = jsonschema.validators.validator_for(validator.schema)
    real_check = cls.check_schema
    monkeypatch.setattr(cls, "check_schema", classmethod(
        lambda _, schema, *a, **k: (schema_checks.append(1), real_check(schema, *a, **k))[1]))
    monkeypatch.setattr(bulk, "_VALIDATORS", {})
    with bulk._metadata_schema_checked_once():
        for _ in range(3):
            validator.validate_cell(good)
        with pytest.raises(jsonschema.ValidationError) as inside:
            validator.validate_cell(bad)
    assert len(schema_checks) == 1
    with pytest.raises(jsonschema.ValidationError) as outside:  # nbgrader's own behaviour is back
        validator.validate_cell(bad)
    assert len(schema_checks) == 2
    assert inside.value.message == outside.value.message and "'two'" in inside.value.message


def test_while_autograding_the_gradebooks_of_one_database_share_an_engine_that_still_works_after_close(tmp_path):
    from nbgrader.api import Gradebook

    from webgrader.bulk import _gradebook_engines_reused

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with _gradebook_engines_reused():
        with Gradebook(url) as first:
            first.add_student("olena")
        with Gradebook(url) as second:  # the engine was disposed of by the first close: it reconnects
            assert second.engine is first.engine and [s.id for s in second.students] == ["olena"]
    with Gradebook(url) as outside:  # nbgrader's own behaviour is back
        assert outside.engine is not first.engine and [s.id for s in outside.students] == ["olena"]


def test_the_gradebook_engine_stays_shared_through_a_nested_autograde(tmp_path):
    """The service's worker holds one sharing for a whole job, and grade_one's autograde opens its own in it."""
    from nbgrader.api import Base, Gradebook

    from webgrader.bulk import _gradebook_engines_reused

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with _gradebook_engines_reused():
        with Gradebook(url) as job:
            job.add_student("olena")
        with _gradebook_engines_reused():
            with Gradebook(url) as autograde:
                assert autograde.engine is job.engine
        assert "create_all" in vars(Base.metadata)  # still the job's: tables are not asked for again
        with Gradebook(url) as feedback:
            assert feedback.engine is job.engine and [s.id for s in feedback.students] == ["olena"]
    assert "create_all" not in vars(Base.metadata)
    with Gradebook(url) as outside:
        assert outside.engine is not job.engine


def test_while_autograding_a_gradebook_makes_its_tables_only_when_one_is_missing(tmp_path, monkeypatch):
    from nbgrader.api import Base, Gradebook
    from sqlalchemy import MetaData

    from webgrader.bulk import _gradebook_engines_reused

    made = []
    real = MetaData.create_all
    monkeypatch.setattr(MetaData, "create_all", lambda self, *a, **k: (made.append(1), real(self, *a, **k))[1])
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with _gradebook_engines_reused():
        with Gradebook(url) as first:  # a new database: every table is made
            first.add_student("olena")
        assert len(made) == 1
        with Gradebook(url) as second:
            assert [s.id for s in second.students] == ["olena"]
        assert len(made) == 1
        (tmp_path / "gradebook.db").unlink()  # the database went away: its tables are made again
        with Gradebook(url) as third:
            third.add_student("iryna")
            assert [s.id for s in third.students] == ["iryna"]
        assert len(made) == 2
    assert "create_all" not in vars(Base.metadata)
    with Gradebook(url):  # nbgrader's own behaviour is back
        assert len(made) == 3
