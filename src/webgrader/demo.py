"""`webgrader demo`: the whole nbgrader cycle on a copy of the course, with the sample class."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course
from .sample_class import SampleSubmission, load_class


@dataclass
class DemoResult:
    course: Course
    submissions: list[SampleSubmission]
    scores: dict
    check_scores: dict
    grades_csv: Path
    feedback: list[Path]
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def score_table(scores: dict, assignments: list[str]) -> str:
    students = sorted({s for s, _ in scores})
    width = max([len("learner")] + [len(s) for s in students])
    cols = [max(len(a), 9) for a in assignments]
    lines = ["learner".ljust(width) + "".join(f"  {a:>{w}}" for a, w in zip(assignments, cols))]
    for student in students:
        cells = []
        for a, w in zip(assignments, cols):
            score, top = scores.get((student, a), (None, None))
            cells.append(f"  {('-' if score is None else f'{score:g}/{top:g}'):>{w}}")
        lines.append(student.ljust(width) + "".join(cells))
    return "\n".join(lines)


def run_demo(course_root: Path = Path("."), workdir: Path | None = None, class_dir: Path | None = None,
             say=print, grader: str = "webgrader", languages: bool = False) -> DemoResult:
    """Generate, release, let the sample class fetch and submit, collect, autograde,
    generate feedback and export grades, all in `workdir` (default: demo-output/).

    `grader` is "webgrader" (`webgrader autograde`, the fast path) or "nbgrader"
    (`nbgrader autograde`, a kernel per notebook). With `languages`, each learner gets her checks
    and feedback in the language of the class's languages.csv, the instructor's roster."""
    course_root = Path(course_root).resolve()
    workdir = Path(workdir or course_root / "demo-output").resolve()
    class_dir = Path(class_dir or course_root / "examples" / "class")
    if workdir.exists():
        shutil.rmtree(workdir)
    course = Course.copy_of(course_root, workdir / "course", exchange=workdir / "exchange")
    if languages and (class_dir / "languages.csv").is_file():
        import csv

        with open(class_dir / "languages.csv", newline="", encoding="utf-8") as f:
            roster = {row["student"]: row["language"] for row in csv.DictReader(f)}
        with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as cfg:
            cfg.write(f"\nc.WebGrader.student_languages = {roster!r}\n")
    assignments = course.assignments()
    submissions = [s for s in load_class(class_dir) if s.assignment in assignments]
    timings: dict[str, float] = {}
    problems: list[str] = []

    def step(label, fn):
        say(f"- {label} ...")
        start = time.perf_counter()
        fn()
        timings[label] = time.perf_counter() - start
        say(f"  done in {timings[label]:.1f} s")

    for a in assignments:
        step(f"generate and release {a}", lambda a=a: (course.nbgrader("generate_assignment", a, "--force"),
                                                        course.nbgrader("release_assignment", a, "--force")))

    def learners_submit():
        for sub in submissions:
            home = workdir / "learners" / sub.student
            folder = course.fetch(sub.assignment, sub.student, home)
            for notebook in folder.glob("*.ipynb"):
                sub.apply_to(notebook)
            course.submit(sub.assignment, sub.student, home)

    step(f"{len({s.student for s in submissions})} learners fetch, work and submit", learners_submit)
    def autograde(a):
        # Both graders go on past a submission they cannot grade; record it and go on too.
        course.nbgrader("collect", a, "--update")
        if grader == "webgrader":
            from .bulk import autograde as bulk_autograde

            report = bulk_autograde(course.root, a, force=True, progress=False)
            problems.extend(f"{r.student}/{a}: {r.error}" for r in report.results if r.status == "failed")
            return
        proc = course.nbgrader("autograde", a, "--force", check=False)
        problems.extend(course.failed_students(proc))
        if proc.returncode != 0 and not problems:
            problems.append(f"`nbgrader autograde {a}` exited with {proc.returncode}")

    for a in assignments:
        step(f"collect and autograde {a} ({grader} autograde)", lambda a=a: autograde(a))
        step(f"generate feedback for {a}", lambda a=a: course.nbgrader("generate_feedback", a, "--force"))
    grades_csv = workdir / "grades.csv"
    step("export grades", lambda: course.nbgrader("export", f"--CsvExportPlugin.to={grades_csv}"))

    result = DemoResult(course, submissions, course.scores(), course.check_scores(), grades_csv,
                        course.feedback_pages(), timings, problems)
    say("\nScores (points / maximum):\n" + score_table(result.scores, assignments))
    say(f"\nGrades exported to {grades_csv}")
    say("Feedback pages:\n" + "\n".join(f"  {p}" for p in result.feedback))
    if problems:
        say("\nSome submissions could not be graded:\n" + "\n".join(f"  {p}" for p in problems))
    return result
