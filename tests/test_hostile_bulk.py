"""The hostile corpus (tests/hostile/) graded as real nbgrader submissions, twice: with plain
`nbgrader autograde` (a kernel per submission, the reference) and with `webgrader autograde`
(kernel-free, one warm browser for all). Every check cell must get the same score from both,
every submission must be graded, a normal learner graded after the hostile ones must get full
marks, and the loopback trap that the hostile pages aim at must hear nothing from either.

One assignment, `hostile`, made here: a locked set-up cell, page cells for index.html,
style.css and app.js, and generic check cells. Each case is the submission of a learner named
after it, whose page cells hold the case's files (a file with no page cell of its own gets a
page cell the learner added).
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import nbformat
import pytest

from webgrader.bulk import BulkReport, autograde, marker_path
from webgrader.course import Course
from webgrader.harness import end_submission, open_page
from webgrader.messages import t

from hostile_corpus import CASES, HOSTILE, REPO, Trap, case_files, make_symlinks, read_case

ASSIGNMENT = "hostile"
NOTEBOOK = "hostile.ipynb"
NORMAL = "zzz-normal"  # sorts after every case: graded after all of them, in the same warm browser
PAGE_CELLS = {"index.html": ("<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"),
              "style.css": ("/* BEGIN SOLUTION */", "/* END SOLUTION */"),
              "app.js": ("// BEGIN SOLUTION", "// END SOLUTION")}
# grade_id -> (points, source). Generic on purpose: the same checks for every page. The cell
# after the click loads the page anew (a click makes it dirty), after a hang or crash in a new tab.
CHECKS = {
    "check_heading": (1, 'page = await open_page("index.html")\n'
                         'await page.expect_element("h1", name="The page has a main heading")'),
    "check_click": (2, 'page = await open_page("index.html")\n'
                       'await page.click("button")\n'
                       'await page.expect_text("#count", equals="1", name="One click on the button shows 1")'),
    "check_heading_text": (1, 'page = await open_page("index.html")\n'
                              'await page.expect_text("h1", not_empty=True, name="The main heading has text")'),
    "check_no_errors": (1, 'page = await open_page("index.html")\n'
                           'await page.expect_no_js_errors(name="The page runs without JavaScript errors")'),
}
NORMAL_FILES = {
    "index.html": '<!DOCTYPE html><html><head><link rel="stylesheet" href="style.css"><script src="app.js" defer>'
                  '</script></head><body><h1>A normal learner</h1><button id="add">+</button><span id="count">0'
                  '</span></body></html>',
    "style.css": "h1 { color: rgb(10, 20, 30); }",
    "app.js": "let n = 0;\ndocument.getElementById('add').addEventListener('click', () => "
              "{ document.getElementById('count').textContent = ++n; });",
}
NORMAL_WITHIN = 3.0  # seconds, per check cell, as a hostile case's `within` is per case
# webgrader's time for a submission may be: the case's `within` for each check cell, plus what
# nbgrader itself spends reading, checking and writing the notebook (4 times, about 0.1 s a MB:
# 50 MB for big-data-url), plus, for the first submission, starting nbgrader's code and the browser.
NOTEBOOK_SECONDS_PER_MB = 0.25
FIRST_SUBMISSION_START = 10.0
# nbgrader's cell timeout for the reference run (the course says 30 s). In a kernel, each
# submission's first check cell also starts Playwright and Chromium: on a busy 2-core machine that
# took up to 30 s, and a cell cut short there scores 0 and stops the browser for the rest of the
# notebook (see the last test here), which would compare the machine's load, not the graders.
REFERENCE_CELL_TIMEOUT = 60

# Submissions that nbgrader itself cannot grade, whichever grader drives it: both must say so.
UNGRADEABLE = {
    "invalid-utf8": "its page cells hold lone surrogates (invalid UTF-8, as a damaged notebook's JSON holds "
                    "them); nbconvert cannot write such a notebook (UnicodeEncodeError), in nbgrader's "
                    "sanitizing step, before any webgrader code runs",
}
# Submissions webgrader refuses on purpose, and nbgrader grades: each with its reason.
REFUSED_BY_WEBGRADER = {
    "grader-environment": "it holds symbolic links to the grader's files: webgrader refuses any submission "
                          "with a link (tests/test_tampered.py), since nbgrader's copy into autograded/ "
                          "follows them",
}
# Check cells whose score is decided by a race between the page and the grader, the same in both
# graders: they are compared only in that each grader fails them, if at all, for the race's reason.
RACES = {
    ("loop-in-timer", "check_heading"): "page.hung",
    ("loop-in-timer", "check_heading_text"): "page.hung",
    ("reload-loop", "check_heading"): "page.unstable",
    ("reload-loop", "check_heading_text"): "page.unstable",
}
# Why: loop-in-timer starts its endless loop 100 ms after its load event, and these cells probe a
# freshly loaded page at once; the first probe reached the page 60 to 150 ms (median) after the
# load event on a busy 2-core machine, in a kernel and in a plain process alike, so either outcome
# happens in either grader. reload-loop replaces its document every few milliseconds; a check needs
# two browser round trips inside one document within 2 s, and right after a load that succeeded in
# 7 to 13 of 15 tries, in a kernel and in a plain process alike (test_hostile_pages.py waits 0.3 s
# first and requires a pass).


def _cell(kind: str, source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, "grade": False, "solution": False, "locked": False,
                                     **nbgrader}
    return cell


def source_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    nb.cells = [_cell("markdown", "# A page of your own"),
                _cell("code", "%load_ext webgrader\nfrom webgrader import open_page", grade_id="setup", locked=True)]
    for name, (begin, end) in PAGE_CELLS.items():
        nb.cells.append(_cell("code", f"%%page {name}\n{begin}\n{end}",
                              grade_id="page_" + name.replace(".", "_"), solution=True))
    nb.cells.append(_cell("markdown", "## Checks"))
    for grade_id, (points, source) in CHECKS.items():
        nb.cells.append(_cell("code", source, grade_id=grade_id, grade=True, locked=True, points=points))
    return nb


def submit(course: Course, student: str, files: dict[str, str], case: dict | None = None) -> None:
    """The released notebook in submitted/, its page cells holding `files`; with the case's links
    (as an unpacked archive of the learner's folder would hold them)."""
    folder = course.root / "submitted" / student / ASSIGNMENT
    shutil.copytree(course.root / "release" / ASSIGNMENT, folder)
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    page_at = {cell.source.split("\n", 1)[0]: cell for cell in nb.cells if cell.cell_type == "code"}
    last_page = max(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith("%%page"))
    for name, body in files.items():
        if f"%%page {name}" in page_at:
            page_at[f"%%page {name}"].source = f"%%page {name}\n{body}"
        else:
            last_page += 1
            nb.cells.insert(last_page, nbformat.v4.new_code_cell(f"%%page {name}\n{body}"))
    # ASCII JSON: invalid UTF-8 stays as the lone surrogates (\udcXX) a damaged notebook holds
    (folder / NOTEBOOK).write_text(json.dumps(nb, indent=1, ensure_ascii=True), encoding="ascii")
    (folder / "timestamp.txt").write_text("2026-11-30 10:00:00.000000 UTC")
    if case:
        make_symlinks(case, folder)


def split_course(course: Course, students: list[str], where: Path) -> Path:
    """A course root that sees only `students`' submissions and shares everything else (gradebook,
    autograded/) by symbolic link: `nbgrader autograde` takes a single --student glob."""
    (course.root / "autograded").mkdir(exist_ok=True)
    where.mkdir()
    for item in course.root.iterdir():
        if item.name != "submitted":
            (where / item.name).symlink_to(item)
    (where / "submitted").mkdir()
    for student in students:
        (where / "submitted" / student).symlink_to(course.root / "submitted" / student)
    return where


def balanced(weights: dict[str, float], parts: int) -> list[list[str]]:
    """Students in `parts` groups of about equal total weight (heaviest first, to the lightest group)."""
    groups: list[list[str]] = [[] for _ in range(parts)]
    totals = [0.0] * parts
    for student in sorted(weights, key=lambda s: -weights[s]):
        lightest = totals.index(min(totals))
        groups[lightest].append(student)
        totals[lightest] += weights[student]
    return [sorted(group) for group in groups]


def nbgrader_autograde(course: Course, groups: list[list[str]], work: Path):
    """Plain `nbgrader autograde`, one process per group at once; (seconds, {student: seconds}, logs)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    procs, log_paths = [], []
    start = time.monotonic()
    for number, group in enumerate(groups):
        root = split_course(course, group, work / f"split-{number}")
        log_paths.append(work / f"nbgrader-{number}.log")
        with open(log_paths[-1], "w") as log:
            procs.append(subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT,
                                           f"--CourseDirectory.root={root}",
                                           f"--Execute.timeout={REFERENCE_CELL_TIMEOUT}",
                                           "--Application.log_format=%(created)f %(levelname)s %(message)s"],
                                          cwd=course.root, env=env, stdout=log, stderr=subprocess.STDOUT))
    for proc in procs:
        proc.wait(timeout=1200)
    logs = [path.read_text() for path in log_paths]
    return time.monotonic() - start, _seconds_per_student(logs), logs


def _cut_short(logs: list[str]) -> list[str]:
    """Students for whom nbgrader stopped a cell at its cell timeout, from its logs."""
    out, student = [], ""
    for line in (line for log in logs for line in log.splitlines()):
        if "Creating/updating student with ID" in line:
            student = line.split("'")[1]
        elif "Timeout waiting for execute reply" in line:
            out.append(student)
    return out


def _seconds_per_student(logs: list[str]) -> dict[str, float]:
    """From nbgrader's logs: a student's grading lasts until the next one's starts, or the log ends."""
    out = {}
    for log in logs:
        stamped = [line for line in log.splitlines() if line[:1].isdigit()]
        starts = [(float(line.split()[0]), line.split("'")[1]) for line in stamped
                  if "Creating/updating student with ID" in line]
        end = float(stamped[-1].split()[0]) if stamped else 0.0
        for (at, student), (until, _) in zip(starts, starts[1:] + [(end, "")]):
            out[student] = until - at
    return out


def webgrader_autograde(course: Course) -> BulkReport:
    """`webgrader autograde` in a process of its own, as the command runs: its browser and what the
    harness remembers about hung pages start fresh, whatever this test process ran before."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(autograde, str(course.root), ASSIGNMENT, progress=False).result(timeout=900)


@dataclass
class Graded:
    students: list[str]
    within: dict[str, float]  # student -> seconds allowed to webgrader for the whole submission
    webgrader: Course
    nbgrader: Course
    report: BulkReport
    nbgrader_seconds: float
    nbgrader_per_student: dict[str, float]
    nbgrader_logs: list[str]
    trap_hits: list


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    work = tmp_path_factory.mktemp("hostile-bulk")
    trap = Trap()
    try:
        course = Course.copy_of(REPO, work / "webgrader")
        with open(course.root / "nbgrader_config.py", "a") as config:  # big-data-url's notebook is over 50 MB:
            config.write("\nc.WebGrader.max_notebook_mb = 200\n")  # that limit is tested in test_tampered.py
        (course.root / "source" / ASSIGNMENT).mkdir()
        nbformat.write(source_notebook(), course.root / "source" / ASSIGNMENT / NOTEBOOK)
        course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
        within, weight = {}, {}
        for case_dir in CASES:
            case, files = read_case(case_dir), case_files(case_dir, trap.address)
            submit(course, case_dir.name, files, case)
            megabytes = (course.root / "submitted" / case_dir.name / ASSIGNMENT / NOTEBOOK).stat().st_size / 1e6
            within[case_dir.name] = case["within"] * len(CHECKS) + megabytes * NOTEBOOK_SECONDS_PER_MB
            # a kernel spends more than a second a megabyte of page cell (50 MB: past its cell timeout)
            weight[case_dir.name] = case["within"] + megabytes
        submit(course, NORMAL, NORMAL_FILES)
        within[NORMAL] = weight[NORMAL] = NORMAL_WITHIN * len(CHECKS)
        students = sorted(within)
        within[students[0]] += FIRST_SUBMISSION_START
        # The same course, submissions and gradebook (assignment generated) for the other grader.
        shutil.copytree(course.root, work / "nbgrader", symlinks=True)
        reference = Course(work / "nbgrader")

        report = webgrader_autograde(course)
        seconds, per_student, logs = nbgrader_autograde(reference, balanced(weight, 2), work)
        time.sleep(0.5)  # late attempts (a timer, a retry) reach the trap by now if they ever do
        hits = list(trap.hits)
    finally:
        trap.close()
    slowest = sorted(report.results, key=lambda r: -r.seconds)[:5]
    slowest_nb = sorted(per_student.items(), key=lambda kv: -kv[1])[:5]
    summary = (f"webgrader autograde, 1 worker: {len(report.results)} submissions in {report.seconds:.1f} s; slowest: "
               + ", ".join(f"{r.student} {r.seconds:.1f} s" for r in slowest)
               + f"\nnbgrader autograde, 2 processes: {len(students)} submissions in {seconds:.1f} s; slowest: "
               + ", ".join(f"{student} {sec:.1f} s" for student, sec in slowest_nb))
    (work / "timings.txt").write_text(summary + "\n" + "\n".join(
        f"{r.student:32} webgrader {r.seconds:5.1f} s  nbgrader {per_student.get(r.student, 0):5.1f} s  "
        f"{r.status} {r.score}/{r.max_score}" for r in report.results) + "\n")
    print("\n" + summary)
    return Graded(students, within, course, reference, report, seconds, per_student, logs, hits)


def _outputs(course: Course, student: str) -> dict[str, str]:
    """grade_id -> the text of the check cell's outputs in the autograded notebook ('' when it passed)."""
    nb = nbformat.read(course.root / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=4)
    out = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in CHECKS:
            failed = any(o.output_type == "error" for o in cell.outputs)
            out[grade_id] = "\n".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs) if failed else ""
    return out


def test_every_check_of_every_hostile_submission_gets_the_same_score_from_webgrader_as_from_nbgrader(graded):
    want, got = graded.nbgrader.check_scores(), graded.webgrader.check_scores()
    differ = []
    for student in graded.students:
        if student in UNGRADEABLE or student in REFUSED_BY_WEBGRADER:
            continue
        for grade_id in CHECKS:
            if (student, grade_id) not in RACES and \
                    want[(student, ASSIGNMENT)][grade_id] != got[(student, ASSIGNMENT)][grade_id]:
                differ.append(f"{student} {grade_id}: nbgrader {want[(student, ASSIGNMENT)][grade_id]}, "
                              f"webgrader {got[(student, ASSIGNMENT)][grade_id]}")
    assert not differ, "\n".join(differ) + \
        f"\nnbgrader stopped a cell at its cell timeout for: {_cut_short(graded.nbgrader_logs)}"


def test_a_check_decided_by_a_race_with_the_page_fails_if_at_all_for_that_race_in_both_graders(graded):
    for (student, grade_id), key in RACES.items():
        for course in (graded.webgrader, graded.nbgrader):
            text = _outputs(course, student)[grade_id]
            assert not text or t(key) in text, f"{student} {grade_id} in {course.root.name}:\n{text}"


def test_both_graders_grade_every_submission_and_the_normal_learner_after_them_gets_full_marks(graded):
    gradeable = [s for s in graded.students if s not in UNGRADEABLE]
    fast_gradeable = [s for s in gradeable if s not in REFUSED_BY_WEBGRADER]
    assert [r.student for r in graded.report.results] == graded.students  # one after another, NORMAL last
    assert [r.student for r in graded.report.results if r.status == "graded"] == fast_gradeable, \
        graded.report.summary()
    for result in graded.report.results:
        if result.student in REFUSED_BY_WEBGRADER:
            assert result.status == "failed" and "a link to" in result.error, result
    assert {r.path for r in graded.report.results if r.status == "graded"} == {"fast"}, "page cells only: no kernel"
    not_graded = [line.split("'")[-2] for log in graded.nbgrader_logs for line in log.splitlines()
                  if "There was an error processing assignment '" in line]
    assert sorted(not_graded) == sorted(UNGRADEABLE), f"{not_graded}, expected only: {UNGRADEABLE}; " \
        f"nbgrader stopped a cell at its cell timeout for: {_cut_short(graded.nbgrader_logs)}"
    for course in (graded.webgrader, graded.nbgrader):
        scores = course.check_scores()
        for student in (fast_gradeable if course is graded.webgrader else gradeable):
            assert set(scores[(student, ASSIGNMENT)]) == set(CHECKS), student
        full = sum(points for points, _ in CHECKS.values())
        assert course.scores()[(NORMAL, ASSIGNMENT)] == (full, full), scores[(NORMAL, ASSIGNMENT)]


def test_a_submission_nbgrader_cannot_grade_is_reported_by_webgrader_with_nbgraders_reason(graded):
    for result in graded.report.results:
        if result.student in UNGRADEABLE:
            assert result.status == "failed" and "UnicodeEncodeError" in result.error, result
            assert not marker_path(graded.webgrader.root, ASSIGNMENT, result.student).exists()


def test_webgrader_grades_each_hostile_submission_within_its_cases_time_bound(graded):
    slow = [f"{r.student}: {r.seconds:.1f} s, more than {graded.within[r.student]:.0f} s"
            for r in graded.report.results if r.seconds >= graded.within[r.student]]
    assert not slow, slow


def test_no_request_from_either_grader_reaches_the_loopback_trap(graded):
    assert graded.trap_hits == []


def test_a_link_to_the_graders_files_in_a_submission_does_not_reach_the_graded_page(graded, run):
    """The harness refuses to serve a link in the learner's folder that points out of it. But the page
    is graded in autograded/STUDENT/ASSIGNMENT, which nbgrader's autograde fills by copying the
    submission with shutil.copy, following links: there the learner's `secret.txt` (a link to
    /etc/passwd in submitted/) is a plain copy, served to the page, which can show it in a failed
    check's "Found:" and screenshot, returned to the learner with the feedback."""
    files = case_files(HOSTILE / "grader-environment", "127.0.0.1:9")
    for course in (graded.webgrader, graded.nbgrader):
        page = run(open_page(files=files, asset_dir=course.root / "autograded" / "grader-environment" / ASSIGNMENT))
        try:
            run(asyncio.sleep(0.5))  # the page's reads have all ended by then
            run(page.expect_text("#out", equals="nothing read",
                                 name=f"the page graded by {course.root.name} read nothing"))
        finally:
            run(end_submission())


def test_a_check_cell_that_nbgrader_stops_at_its_cell_timeout_costs_that_cell_only(tmp_path, monkeypatch):
    """nbgrader stops a cell that outlasts its cell timeout by interrupting the kernel: SIGINT to the
    kernel's whole process group, where Playwright's driver (and through it the browser) runs too.
    The check cells after it must still grade the page, not fail with "The grading browser could not
    open a page" (a zero for each, in a kernel)."""
    from nbgrader.preprocessors import Execute

    nb = nbformat.v4.new_notebook()
    nb.metadata = source_notebook().metadata
    check = 'page = await open_page("index.html")\nawait page.expect_element("h1")'
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        "%load_ext webgrader\nfrom webgrader import open_page", "%%page index.html\n<h1>Hello</h1>", check,
        "import asyncio\nawait asyncio.sleep(3600)  # stands for any cell slower than the cell timeout", check)]
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    execute = Execute(timeout_func=lambda cell: 3 if "sleep(3600)" in cell.source else 120)
    nb, _ = execute.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    errors = [[o.get("evalue", "") for o in cell.outputs if o.output_type == "error"] for cell in nb.cells]
    assert errors[2] == [] and errors[3], errors  # the first check passed, the slow cell was stopped
    assert errors[4] == [], errors[4]
