"""A grading worker process: warm browser, then one job after another from its pipe.

A job puts the stored notebook into submitted/STUDENT/ASSIGNMENT/ (with nbgrader's
timestamp.txt), grades it with `webgrader.bulk.grade_one` exactly as `webgrader autograde`
does (the kernel-free path, or nbgrader's kernel path for what it refuses), then writes that
learner's feedback where `nbgrader generate_feedback` writes it, for that student only, and
copies it next to the stored submission, where only she (and instructors) can fetch it.

Between jobs a worker keeps only what no learner owns: imports, the browser (fastpath.warm_loop
and the tabs it readies) and the gradebook's SQLAlchemy engine. Everything of a submission is
made for that job (its config, Gradebook sessions, Grading) and gone when it ends.
"""
from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
from pathlib import Path


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the service dies, even by SIGKILL (no orphans)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _warm() -> None:
    """Import grading, start the browser and the first learner's tabs now, not at her submission."""
    try:
        import nbformat
        import nbgrader.converters  # noqa: F401  (about a second)

        from .. import feedback, harness
        from ..fastpath import warm_loop
        from ..grading import Grading

        warm_loop.run(harness.start_browser())  # with the course's limits (js_heap_mb): run in its folder

        async def first_tabs():  # as every later submission finds its tabs started by the one before
            warm_loop.hand_over(Grading())

        warm_loop.run(first_tabs())
        for name in ("index.html", "style.css", "app.js", "cell.py"):  # the lexers a feedback page uses
            feedback.highlighted("", name)
        feedback.render_feedback(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("")]), {})
    except Exception as exc:  # the first job then reports why grading cannot start
        logging.getLogger("webgrader.service").warning("worker warm-up failed: %s", exc)


def main(conn, course_root: str | None = None) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the service decides when workers stop
    if course_root:  # where nbgrader runs: the course's limits are found from here (settings.current_limits)
        os.chdir(course_root)
    from ..bulk import skip_unused_slow_imports

    skip_unused_slow_imports()
    _warm()
    conn.send({"ready": True})
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        conn.send(grade(**job))


def _course_config(course_root: Path, assignment: str, student: str):
    from ..settings import load_course_config

    config = load_course_config(course_root / "nbgrader_config.py")
    config.CourseDirectory.root = str(course_root)
    config.CourseDirectory.assignment_id = assignment
    config.CourseDirectory.student_id = student
    return config


def place_submission(course_root: Path, student: str, assignment: str, notebook: str, stored: Path,
                     timestamp: str) -> Path:
    """submitted/STUDENT/ASSIGNMENT/ holds exactly this submission, as nbgrader's collect leaves it."""
    folder = course_root / "submitted" / student / assignment
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(stored, folder / notebook)
    (folder / "timestamp.txt").write_text(timestamp)
    return folder


def generate_feedback(course_root: Path, assignment: str, student: str, into: Path) -> list[str]:
    """This one student's feedback, as `nbgrader generate_feedback --student STUDENT --force`
    writes it into feedback/STUDENT/ASSIGNMENT/, copied into `into`; the HTML files' names.

    With the course's exporter webgrader's own (nbgrader_config.py), the pages are made here
    (feedback.write_feedback: the same exporter and GetGrades, without the converter's run);
    with any other exporter, by nbgrader's GenerateFeedback converter itself."""
    from ..feedback import write_feedback

    config = _course_config(course_root, assignment, student)
    config.GenerateFeedback.force = True
    log = logging.getLogger(f"webgrader.service.feedback.{student}")
    log.propagate = False
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    if write_feedback(config, log) is None:
        from nbgrader.converters import GenerateFeedback
        from nbgrader.coursedir import CourseDirectory

        GenerateFeedback(coursedir=CourseDirectory(config=config), config=config, log=log).start()
    made = course_root / "feedback" / student / assignment
    into.mkdir(parents=True, exist_ok=True)
    names = []
    for page in sorted(made.glob("*.html")):
        shutil.copyfile(page, into / page.name)
        names.append(page.name)
    return names


def grade(course_root: str, submission_id: str, student: str, assignment: str, notebook: str,
          stored: str, timestamp: str, feedback_dir: str) -> dict:
    """Grade one stored submission and make its feedback. Never raises: failures are in the result."""
    from ..bulk import _gradebook_engines_reused, grade_one

    root = Path(course_root)
    out = {"id": submission_id, "status": "failed", "score": None, "max_score": None, "path": "",
           "error": "", "refused": False, "feedback": []}
    try:
        # Every gradebook the job opens (autograde's, the score's, the feedback's GetGrades) shares
        # the worker's one engine for the course's database, its compiled SQL warm from the last job.
        with _gradebook_engines_reused():
            place_submission(root, student, assignment, notebook, Path(stored), timestamp)
            result = grade_one(root, assignment, student, force=True)
            out.update(status=result.status, score=result.score, max_score=result.max_score, path=result.path,
                       error=result.error, refused=result.refused)
            if result.status == "graded":
                out["feedback"] = generate_feedback(root, assignment, student, Path(feedback_dir))
    except Exception as exc:  # reported, the worker lives on
        out.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    return out
