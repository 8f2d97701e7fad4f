"""The corpus of broken and tampered click-counter submissions, and the outcome each must get.

Each case is one learner (its student id is the case name). It starts from a sample learner's
notebook (examples/class): olena's pages earn 8/8, oksana's 4/8 (she fails check_one_click,
check_three_clicks and check_no_errors). `score` is the honest score: what those pages earn
with the tests of source/, whatever the learner did to the notebook. `score=None` means NOT
graded, and `says` holds words the reason must contain. `nbgrader` says what plain
`nbgrader autograde` gives, where it differs (measured with tests/tampered/nbgrader_reference.py).
README.md beside this file explains each case; a test keeps the two in step.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

ASSIGNMENT = "click-counter"
NOTEBOOK = "counter.ipynb"
MAX_SCORE = 8
CHECKS = ["check_one_click", "check_three_clicks", "check_greeting", "check_greeting_any_name",
          "check_empty_name", "check_no_errors"]

# The note of a graded submission whose learner Python was not run.
IGNORED = "code cells {cells} are not page cells; the assignment asks only for pages, so they were emptied and not run"
ODD_PAGE_NAMES = {"page-name-missing": "", "page-name-climbs-out": "../../index.html",
                  "page-name-backslashes": "..\\..\\index.html", "page-name-absolute": "/etc/cron.d/index.html"}

# A learner cell that makes every check pass without looking at the page, in a kernel.
CHEAT = """from webgrader.checks import PageChecks
async def _passes(self, *args, **kwargs):
    return None
for name in list(vars(PageChecks)):
    if name.startswith("expect_"):
        setattr(PageChecks, name, _passes)
"""


@dataclass
class Build:
    """What a case's builder gets: the submission folder, the base learner's notebook and helpers."""
    folder: Path
    nb: nbformat.NotebookNode
    sentinel: Path  # code that writes here must never run
    notebooks: dict  # sample learner -> notebook
    source: Path  # the course's source notebook

    def cell(self, grade_id: str, nb=None):
        return next(c for c in (nb or self.nb).cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)

    def delete(self, *grade_ids: str) -> None:
        self.nb.cells = [c for c in self.nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in grade_ids]

    def python_that_writes_the_sentinel(self, case: str) -> str:
        return f"open({str(self.sentinel / case)!r}, 'w').write('this ran')"

    def write(self, nb=None, name: str = NOTEBOOK) -> Path:
        nbformat.write(nb or self.nb, self.folder / name)
        return self.folder / name

    def write_raw(self, data, name: str = NOTEBOOK) -> Path:
        path = self.folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return path


@dataclass
class Case:
    student: str
    base: str  # the sample learner whose pages the notebook holds
    build: Callable[[Build], None]
    score: float | None  # the honest score; None: NOT graded
    path: str = "fast"  # "fast", or the start of the reason for the kernel path
    says: tuple[str, ...] = ()  # words in the NOT graded reason, or in the notes of a graded case
    nbgrader: str = ""  # what plain nbgrader autograde gives, where it differs
    known_hole: str = ""  # the case fails today: why, and the fix it needs


def _edit_tests_print_full_marks(b: Build) -> None:
    for grade_id in CHECKS:
        cell = b.cell(grade_id)
        cell.source = 'print("All checks passed: 8/8")'
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="All checks passed: 8/8\n")]
    b.write()


def _cell_type(b: Build, grade_id: str, cell_type: str) -> None:
    index = b.nb.cells.index(b.cell(grade_id))
    old = b.nb.cells[index]
    new = nbformat.v4.new_markdown_cell(old.source) if cell_type == "markdown" else nbformat.v4.new_raw_cell(old.source)
    new.metadata = old.metadata
    b.nb.cells[index] = new
    b.write()


def _changed_points(b: Build) -> None:
    b.cell("check_one_click").metadata.nbgrader["points"] = 0  # she fails it: nothing to lose
    b.cell("check_greeting").metadata.nbgrader["points"] = 20
    b.write()


def _ungraded(b: Build) -> None:
    meta = b.cell("check_one_click").metadata.nbgrader
    meta.update(grade=False, locked=False)
    del meta["points"]
    b.write()


def _garbage_metadata(b: Build) -> None:
    b.cell("check_greeting").metadata.nbgrader["points"] = "lots"
    b.cell("setup").metadata.nbgrader["locked"] = "no thanks"
    b.nb.cells[0].metadata.nbgrader = "full marks please"
    b.write_raw(json.dumps(b.nb))  # nbformat.write would refuse it


def _renamed_grade_id(b: Build) -> None:
    b.cell("check_one_click").metadata.nbgrader["grade_id"] = "check_one_click_easy"
    b.write()


def _bonus_cell(b: Build) -> None:
    # a written answer that claims 100 points, for a grader to award by hand
    b.nb.cells.append(nbformat.v4.new_markdown_cell("I did everything, give me the bonus.", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "points": 100, "locked": False, "solution": True, "schema_version": 3}}))
    b.write()


def _duplicated_page_cell(b: Build) -> None:
    # olena's app.js, under the same grade id, before oksana's own: the last copy counts
    olenas = deep_copy(b.cell("page_js", b.notebooks["olena"]))
    b.nb.cells.insert(b.nb.cells.index(b.cell("page_js")), olenas)
    b.write()


def deep_copy(node):
    return nbformat.from_dict(json.loads(json.dumps(node)))


def _duplicated_cell_ids(b: Build) -> None:
    data = json.loads(nbformat.writes(b.nb))
    for cell in data["cells"]:
        cell["id"] = "same-id"
    b.write_raw(json.dumps(data))  # nbformat.write would give each cell a new id


def _instructor_config(b: Build) -> None:
    (b.folder / "nbgrader_config.py").write_text(
        b.python_that_writes_the_sentinel("nbgrader_config.py") + "\n"
        "c = get_config()\nc.WebGrader.load_timeout = 0.001\nc.WebGrader.check_timeout = 0.001\n")
    (b.folder / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(b.source, b.folder / "source" / ASSIGNMENT / NOTEBOOK)  # with the solutions
    (b.folder / "source" / ASSIGNMENT / "notes.md").write_text("copied along, so source/ exists in autograded/")
    (b.folder / "gradebook.db").write_bytes(b"SQLite format 3\0" + b"\0" * 84)
    b.write()


def _instructor_pages(b: Build) -> None:
    olena = b.notebooks["olena"]
    for grade_id, name in (("page_html", "index.html"), ("page_js", "app.js")):
        (b.folder / name).write_text(b.cell(grade_id, olena).source.split("\n", 1)[1])  # full marks, if served
    (b.folder / ".ipynb_checkpoints").mkdir()
    nbformat.write(olena, b.folder / ".ipynb_checkpoints" / "counter-checkpoint.ipynb")
    second = deep_copy(olena)
    second.cells.append(nbformat.v4.new_code_cell(b.python_that_writes_the_sentinel("second-notebook")))
    nbformat.write(second, b.folder / "counter-full-marks.ipynb")
    b.write()


def _page(b: Build, body: str, first_line: str = "%%page index.html") -> None:
    b.cell("page_html").source = f"{first_line}\n{body}" if first_line else body
    b.write()


def _olenas_html(b: Build) -> str:
    return b.cell("page_html").source.split("\n", 1)[1]


def _python_before_page_magic(b: Build) -> None:
    _page(b, "import os\n%%page index.html\n" + _olenas_html(b), first_line="")


def _cheat(b: Build) -> None:
    b.nb.cells.insert(b.nb.cells.index(b.cell("check_one_click")), nbformat.v4.new_code_cell(CHEAT))
    b.write()


def _huge_output(b: Build) -> None:
    b.cell("page_html").outputs = [nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(os.urandom(75 * 2**20)).decode()})]
    b.write()


def _huge_page(b: Build) -> None:
    b.cell("page_html").source += "\n<!-- " + "x" * (60 * 2**20) + " -->"
    b.write()


CASES = [
    # --- tampered, graded with the honest score -------------------------------------------
    Case("edited-test-pass", "oksana", lambda b: (setattr(b.cell("check_one_click"), "source", "pass"), b.write()),
         4, says=("changed by the learner: check_one_click",)),
    Case("edited-tests-print-full-marks", "oksana", _edit_tests_print_full_marks, 4,
         says=("changed by the learner: " + ", ".join(sorted(CHECKS)),)),
    Case("edited-setup-cell-cheats", "oksana", lambda b: (setattr(b.cell("setup"), "source", CHEAT), b.write()),
         4, says=("changed by the learner: setup",)),
    Case("test-cell-made-markdown", "oksana", lambda b: _cell_type(b, "check_one_click", "markdown"), 4,
         says=("grading metadata", "check_one_click")),
    Case("deleted-passing-tests", "olena", lambda b: (b.delete("check_one_click", "check_greeting"), b.write()),
         8, says=("deleted by the learner: check_greeting, check_one_click",),
         nbgrader="4/8: a deleted test cell scores 0 (OverwriteCells.add_missing_cells is off by default)"),
    Case("deleted-setup-cell", "oksana", lambda b: (b.delete("setup"), b.write()), 4,
         says=("deleted by the learner: setup",),
         nbgrader="0/8: without the set-up cell every check fails with NameError: open_page"),
    Case("only-page-cells-left", "oksana", lambda b: (b.delete("setup", *CHECKS), b.write()), 4,
         says=("deleted by the learner: " + ", ".join(sorted(CHECKS + ["setup"])),),
         nbgrader="0/8: no set-up cell"),
    Case("changed-points", "oksana", _changed_points, 4, says=("grading metadata", "check_greeting, check_one_click")),
    Case("test-cell-marked-ungraded", "oksana", _ungraded, 4, says=("grading metadata", "check_one_click"),
         nbgrader="NOT graded: RuntimeError: Inconsistent checksums for cell check_one_click"),
    Case("garbage-grading-metadata", "oksana", _garbage_metadata, 4,
         says=("grading metadata", "check_greeting, setup", "grade ids that source/ does not have: (none)"),
         nbgrader="NOT graded: AttributeError: 'str' object has no attribute 'get'"),
    Case("renamed-grade-id", "oksana", _renamed_grade_id, 4,
         says=("grade ids that source/ does not have: check_one_click_easy", "deleted by the learner: check_one_click",
               IGNORED.format(cells="8")),
         nbgrader="NOT graded: Notebook failed to validate; the nbgrader metadata may be corrupted"),
    Case("bonus-grade-cell", "oksana", _bonus_cell, 4, says=("grade ids that source/ does not have: bonus",),
         nbgrader="NOT graded: Notebook failed to validate; the nbgrader metadata may be corrupted"),
    Case("duplicated-page-cell", "oksana", _duplicated_page_cell, 4, says=("more than once: page_js",),
         nbgrader="NOT graded, and the run stops: One or more notebooks in the assignment use an old version "
                  "of the nbgrader metadata format (DeduplicateIds leaves an empty {} behind)"),
    Case("duplicated-cell-ids", "oksana", _duplicated_cell_ids, 4),
    Case("nbformat-v3", "oksana", lambda b: b.write_raw(nbformat.writes(nbformat.convert(b.nb, 3))), 4),
    Case("instructor-config-files", "oksana", _instructor_config, 4,
         nbgrader="0/8: its kernel runs the learner's nbgrader_config.py, whose time limits fail every check"),
    Case("instructor-page-files", "oksana", _instructor_pages, 4),
    # --- Python where a page belongs: never run on the kernel-free path ------------------------
    Case("python-in-page-cell", "olena", lambda b: _page(b, "import os\n" + b.python_that_writes_the_sentinel("page")), 0),
    Case("page-cell-with-a-second-magic", "olena",
         lambda b: _page(b, "%%python3\n" + b.python_that_writes_the_sentinel("second-magic") + "\n" + _olenas_html(b)),
         8),
    Case("python-before-page-magic", "olena", _python_before_page_magic, 0, says=(IGNORED.format(cells="3"),)),
    Case("python-cell-patches-the-checks", "oksana", _cheat, 4, says=(IGNORED.format(cells="7"),)),
    # --- page names outside the rule (pages.page_name): the file is refused, the rest is graded ------
    *[Case(student, "olena", lambda b, name=name: _page(b, _olenas_html(b), first_line=f"%%page {name}".rstrip()), 0)
      for student, name in ODD_PAGE_NAMES.items()],
    # --- broken, NOT graded, with the reason and the fix ---------------------------------------
    Case("invalid-json", "olena", lambda b: b.write_raw(nbformat.writes(b.nb)[:400]), None,
         says=("is not valid JSON (line", "submit it again", ".ipynb_checkpoints/counter-checkpoint.ipynb"),
         nbgrader="NOT graded: NotJSONError: Notebook does not appear to be JSON"),
    Case("empty-notebook-file", "olena", lambda b: b.write_raw(b""), None, says=("the file is empty",),
         nbgrader="NOT graded: NotJSONError: Notebook does not appear to be JSON: ''"),
    Case("notebook-in-utf16", "olena", lambda b: b.write_raw(nbformat.writes(b.nb).encode("utf-16")), None,
         says=("is not valid JSON (byte 0 is not UTF-8 text)",),
         nbgrader="NOT graded: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0"),
    Case("nbformat-from-the-future", "olena",
         lambda b: b.write_raw('{"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}'), None,
         says=("not a notebook that Jupyter can open (Unsupported nbformat version 5)", "fetch the assignment again"),
         nbgrader="NOT graded: NBFormatError: Unsupported nbformat version 5"),
    Case("huge-output", "olena", _huge_output, None,
         says=("counter.ipynb is 100 MB", "at most 50 MB", "Clear Outputs", "c.WebGrader.max_notebook_mb"),
         nbgrader="8/8, after reading all of it (webgrader without the limit: 4 s and 380 MB more)"),
    Case("huge-page-cell", "olena", _huge_page, None, says=("counter.ipynb is 60 MB", "at most 50 MB"),
         nbgrader="0/8, after reading all of it: index.html is over the page file limit of 2 MB"),
    Case("no-notebook", "olena", lambda b: None, None, says=("submitted no counter.ipynb", "holds no notebook"),
         nbgrader="NOT graded: No notebooks were matched by '.../submitted/no-notebook/click-counter/*.ipynb'"),
    Case("renamed-notebook", "olena", lambda b: b.write(name="counter (1).ipynb"), None,
         says=("submitted no counter.ipynb, but counter (1).ipynb", "Rename the right one to counter.ipynb"),
         nbgrader="NOT graded: No notebooks found, did you forget to run 'nbgrader generate_assignment'?"),
    Case("link-to-a-grader-file", "olena", lambda b: (b.write(), os.symlink("/etc/passwd", b.folder / "data.txt")),
         None, says=("data.txt, a link to /etc/passwd", "follows no links"),
         nbgrader="8/8: it copies the file the link points to into autograded/, where the page can load it"),
    # --- last: a normal learner after all the rest -------------------------------------------
    Case("zz-full-marks-after-the-rest", "olena", lambda b: b.write(), 8),
]


def new_course(repo: Path, dest: Path):
    """A copy of the course with the assignment generated, and time limits that a busy machine
    cannot reach: the cases are about what is graded, not about slow pages (none of them hangs)."""
    from webgrader.course import Course

    course = Course.copy_of(repo, dest)
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as cfg:
        cfg.write("\nc.WebGrader.load_timeout = 15.0\nc.WebGrader.check_timeout = 15.0\n")
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    return course


def build_corpus(course_root: Path, release_notebook: Path, class_dir: Path, sentinel: Path,
                 cases: list[Case] = CASES) -> None:
    """Every case's submission in course_root/submitted/STUDENT/click-counter/."""
    from webgrader.sample_class import load_class

    sentinel.mkdir(parents=True, exist_ok=True)
    learners = {s.student: s for s in load_class(class_dir) if s.assignment == ASSIGNMENT}
    notebooks = {}
    for name in ("olena", "oksana"):
        path = sentinel.parent / f"{name}.ipynb"
        shutil.copy(release_notebook, path)
        learners[name].apply_to(path)
        notebooks[name] = nbformat.read(path, as_version=4)
        path.unlink()
    source = Path(course_root) / "source" / ASSIGNMENT / NOTEBOOK
    for case in cases:
        folder = Path(course_root) / "submitted" / case.student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-11-30 10:00:00.000000 UTC")
        case.build(Build(folder, deep_copy(notebooks[case.base]), sentinel, notebooks, source))
