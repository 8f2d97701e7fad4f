"""Broken and tampered submissions, graded in one batch by `webgrader autograde`: each gets its
outcome (the honest score, or NOT graded with the learner, the problem and the fix in plain
words), the batch goes on to the end, no learner code runs on the kernel-free path, and nothing
under submitted/ changes. The cases and their outcomes are in tests/tampered/corpus.py."""
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from tampered.corpus import ASSIGNMENT, CASES, MAX_SCORE, NOTEBOOK, ODD_PAGE_NAMES, build_corpus, new_course
from webgrader.pages import PageNameError
from webgrader.bulk import autograde, grade_one
from webgrader.settings import WebGrader

REPO = Path(__file__).resolve().parents[1]
BY_NAME = {case.student: case for case in CASES}


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file and link under folder: its content's hash, or where the link points."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(folder))
            if path.is_symlink():
                out[key] = "link to " + os.readlink(path)
            elif path.is_file():
                digest = hashlib.sha256()
                with open(path, "rb") as f:
                    for piece in iter(lambda: f.read(2**20), b""):
                        digest.update(piece)
                out[key] = digest.hexdigest() + f" {path.stat().st_mtime_ns}"
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    work = tmp_path_factory.mktemp("tampered")
    course = new_course(REPO, work / "course")
    shutil.copy(course.root / "gradebook.db", work / "reference.db")  # for plain nbgrader: no grades yet
    sentinel = work / "ran"
    build_corpus(course.root, course.root / "release" / ASSIGNMENT / "counter.ipynb", REPO / "examples" / "class",
                 sentinel)
    before = tree_digest(course.root / "submitted")
    report = autograde(course.root, ASSIGNMENT, progress=False)
    return course, report, before, sentinel


def _case_params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.known_hole)] if case.known_hole else []
        yield pytest.param(case, marks=marks, id=case.student)


@pytest.mark.parametrize("case", _case_params())
def test_every_tampered_or_broken_submission_gets_its_outcome(batch, case):
    course, report, _, _ = batch
    result = next(r for r in report.results if r.student == case.student)
    if case.score is None:
        assert result.status == "failed" and result.refused, result
        assert case.student in result.error
        for words in case.says:
            assert words in result.error
        assert not (course.root / "autograded" / case.student).exists(), "refused before nbgrader saw it"
        return
    assert result.status == "graded", result.error
    assert (result.score, result.max_score) == (case.score, MAX_SCORE)
    assert course.scores()[(case.student, ASSIGNMENT)] == (case.score, MAX_SCORE), "the gradebook agrees"
    if case.path == "fast":
        assert result.path == "fast"
    else:
        assert result.path == f"kernel ({case.path})"
    notes = " | ".join(result.notes)
    for words in case.says:
        assert words in notes
    if not case.says:
        assert not result.notes


def test_the_batch_goes_on_and_its_summary_names_each_learner_not_graded_with_the_reason(batch):
    _, report, _, _ = batch
    assert [r.student for r in report.results] == sorted(BY_NAME)
    last = report.results[-1]
    assert (last.student, last.status, last.score, last.notes) == ("zz-full-marks-after-the-rest", "graded", 8, [])
    refused = {c.student for c in CASES if c.score is None}
    assert {r.student for r in report.results if r.status == "failed"} == refused
    assert not report.ok
    summary = report.summary()
    assert f"{len(CASES) - len(refused)} graded" in summary and f"{len(refused)} failed" in summary
    for r in report.results:
        if r.status == "failed":
            assert f"  {r.student}: NOT graded: {r.error}" in summary
        for note in r.notes:  # what grading put right, for the instructor to look at
            assert f"  {r.student}: {note}" in summary


def test_no_learner_code_runs_on_the_kernel_free_path_and_submitted_files_stay_as_they_were(batch):
    course, _, before, sentinel = batch
    assert sorted(os.listdir(sentinel)) == []
    assert tree_digest(course.root / "submitted") == before
    copied = [p.relative_to(course.root) for p in (course.root / "autograded").rglob("*")
              if p.name in ("nbgrader_config.py", "gradebook.db", "index.html", "app.js")]
    assert copied == [], "instructor-like files of a submission never reach autograded/"


def _output_text(cell) -> str:
    return "\n".join(o.get("text", "") + o.get("evalue", "") + json.dumps(o.get("data", {})) for o in cell.outputs)


@pytest.mark.parametrize("student", sorted(ODD_PAGE_NAMES))
def test_a_page_cell_with_an_odd_name_is_refused_and_the_checks_that_need_it_say_why(batch, student):
    """Graded kernel-free all the same: the page cell's file is refused with the plain message the
    %%page magic prints in a kernel, and each check that needed the file repeats it."""
    course, report, _, _ = batch
    result = next(r for r in report.results if r.student == student)
    assert (result.status, result.path, result.score) == ("graded", "fast", 0)
    message = str(PageNameError(ODD_PAGE_NAMES[student]))
    nb = nbformat.read(course.root / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=4)
    page = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "page_html")
    assert [(o.output_type, o.get("name"), o.get("text")) for o in page.outputs] == [("stream", "stderr", message + "\n")]
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert checks and all(json.dumps(message)[1:-1] in _output_text(c) for c in checks), _output_text(checks[0])
    assert not (course.root / "autograded" / student / ASSIGNMENT / "index.html").exists()


def test_a_notebook_over_the_size_limit_is_refused_without_being_read(batch):
    course, report, _, _ = batch
    for student in ("huge-output", "huge-page-cell"):
        result = next(r for r in report.results if r.student == student)
        assert result.seconds < 5, result  # a generous bound: reading and grading it took 4 s more
    config = course.root / "nbgrader_config.py"
    original = config.read_text()
    try:
        config.write_text(original + "\nc.WebGrader.max_notebook_mb = 0.005\n")
        result = grade_one(course.root, ASSIGNMENT, "zz-full-marks-after-the-rest", force=True)
    finally:
        config.write_text(original)
    assert result.status == "failed" and "at most 0.005 MB" in result.error
    assert "c.WebGrader.max_notebook_mb" in WebGrader.class_config_section(), "`webgrader config` lists it"
    assert course.scores()[("zz-full-marks-after-the-rest", ASSIGNMENT)] == (8, 8), "the last grade stays"


def test_the_readme_of_the_corpus_lists_every_case_with_its_outcome():
    rows = {}
    for line in (REPO / "tests" / "tampered" / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[a-z0-9-]+`", cells[0]):
            rows[cells[0].strip("`")] = cells[2]
    assert set(rows) == set(BY_NAME)
    for name, outcome in rows.items():
        case = BY_NAME[name]
        want = "NOT graded" if case.score is None else f"{case.score:g}/{MAX_SCORE}"
        assert outcome.startswith(want), (name, outcome, want)


def test_plain_nbgrader_gives_the_same_score_or_the_difference_the_corpus_explains(batch):
    """nbgrader is the reference: it agrees where its OverwriteCells restores the tests, and
    differs (as corpus.py says) where a learner deleted instructor cells, which it does not put back."""
    course, _, _, _ = batch
    work = course.root.parent
    chosen = ["changed-points", "deleted-passing-tests", "deleted-setup-cell", "python-cell-patches-the-checks",
              "page-name-climbs-out"]
    for student in chosen:
        shutil.copytree(course.root / "submitted" / student, work / "reference-submitted" / student, symlinks=True)
    course.nbgrader("autograde", ASSIGNMENT, f"--CourseDirectory.db_url=sqlite:///{work / 'reference.db'}",
                    f"--CourseDirectory.submitted_directory={work / 'reference-submitted'}",
                    f"--CourseDirectory.autograded_directory={work / 'reference-autograded'}")
    with Gradebook(f"sqlite:///{work / 'reference.db'}", course.course_id) as gb:
        got = {s: (gb.find_submission(ASSIGNMENT, s).score, gb.find_submission(ASSIGNMENT, s).max_score)
               for s in chosen}
    for student in chosen:
        case = BY_NAME[student]
        reference = case.nbgrader or f"{case.score:g}/{MAX_SCORE}"
        assert reference.startswith("%g/%g" % got[student]), (student, got[student], reference)
