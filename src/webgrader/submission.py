"""Admitting a learner's submission to grading: what is refused, and what is put back from source/.

`problem_with()` looks at a submission folder before nbgrader reads any of it, and says in
plain words why it cannot be graded (no notebook, a renamed one, not JSON, too big, a link).

`RestoreInstructorCells` runs first in nbgrader's sanitizing step (before DeduplicateIds and
OverwriteCells, which fail on metadata that is not a dictionary of the right keys): every cell
that claims an instructor's grade id gets the instructor's nbgrader metadata from the gradebook
(so changed points or flags cannot change the grade, and OverwriteCells can restore its source),
locked cells that the learner deleted are put back where source/ has them, and cells claiming
grade ids that source/ does not have are the learner's own cells. Grading then always runs the
tests of source/, never the learner's version of them.
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from .messages import t

# Files that configure the grader, never taken from a submission into autograded/: the
# kernel-free path finds the course's nbgrader_config.py by walking up from that folder.
NEVER_COPIED = ["nbgrader_config.py", "nbgrader_config.json", "gradebook.db"]

MB = 2**20

# What the last gradings in this process changed, for the bulk grader's report:
# (notebook key, message) in the order they happened.
notes: list[tuple[str, str]] = []


def expected_notebooks(course_root: Path, assignment: str) -> list[str]:
    return sorted(p.name for p in (Path(course_root) / "source" / assignment).glob("*.ipynb"))


def problem_with(folder: Path, notebooks: list[str], student: str, max_mb: float) -> str | None:
    """Why the submission in `folder` cannot be graded, in plain words with the fix; None if it can."""
    folder = Path(folder)
    for dirpath, dirnames, filenames in os.walk(folder):  # never follows links
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                return t("submission.link", student=student, path=path.relative_to(folder), target=os.readlink(path))
    for notebook in notebooks:
        problem = _notebook_problem(folder, notebook, student, max_mb)
        if problem:
            return problem
    return None


def _notebook_problem(folder: Path, notebook: str, student: str, max_mb: float) -> str | None:
    path = folder / notebook
    if not path.is_file():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        if others:
            return t("submission.renamed", student=student, notebook=notebook, folder=folder,
                     others=", ".join(others))
        return t("submission.missing", student=student, notebook=notebook, folder=folder)
    size = path.stat().st_size
    if size > max_mb * MB:  # decided from the size alone: nothing reads a file this big
        return t("submission.too_big", student=student, notebook=notebook, size=size / MB, limit=max_mb)
    raw = path.read_bytes()
    checkpoint = f".ipynb_checkpoints/{Path(notebook).stem}-checkpoint.ipynb"
    if not raw.strip():
        return t("submission.not_json", student=student, notebook=notebook, where=t("submission.empty"),
                 checkpoint=checkpoint)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return t("submission.not_json", student=student, notebook=notebook, checkpoint=checkpoint,
                 where=t("submission.not_utf8", byte=exc.start))
    except json.JSONDecodeError as exc:
        return t("submission.not_json", student=student, notebook=notebook, checkpoint=checkpoint,
                 where=t("submission.json_at", line=exc.lineno, column=exc.colno, error=exc.msg))
    try:
        with warnings.catch_warnings():  # nbformat warns of what it repairs (duplicate cell ids), as nbgrader will
            warnings.simplefilter("ignore")
            nb = nbformat.reads(raw.decode("utf-8"), as_version=4, capture_validation_error={})
        if not isinstance(nb.get("cells"), list) or not all(
                isinstance(c, dict) and isinstance(c.get("source"), str) for c in nb.cells):
            raise ValueError("its cells are not a list of cells")
    except Exception as exc:  # whatever nbformat cannot read, nbgrader cannot grade
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
            reason = t("submission.no_version")
        return t("submission.not_notebook", student=student, notebook=notebook, reason=reason)
    return None


class RestoreInstructorCells(NbGraderPreprocessor):
    """Every instructor cell as in source/: its nbgrader metadata, and locked cells put back."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self._notebook_key = f"{info['student']}/{info['assignment']}/{info['notebook']}"
        self._notebook = info["notebook"] + ".ipynb"
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            points = {c.name: c.max_score for c in source.grade_cells}
            tasks = {c.name: c.max_score for c in source.task_cells}
            solutions = {c.name for c in source.solution_cells}
            cells = {c.name: (c.cell_type, c.locked, c.source, c.checksum) for c in source.source_cells}
        changed, unknown, duplicated, edited = [], [], [], []
        last = {}
        for index, cell in enumerate(nb.cells):
            grade_id = _grade_id(cell)
            if grade_id in cells:
                last[grade_id] = index
        for index, cell in enumerate(nb.cells):
            if "nbgrader" not in cell.metadata:
                continue
            grade_id = _grade_id(cell)
            if grade_id not in cells:
                if _claims_something(cell.metadata.nbgrader):
                    unknown.append(str(grade_id or "(none)"))
                del cell.metadata["nbgrader"]  # the learner's own cell, worth nothing
                continue
            if last[grade_id] != index:  # as nbgrader's DeduplicateIds: the last copy counts
                duplicated.append(grade_id)
                del cell.metadata["nbgrader"]
                continue
            cell_type, locked, text, checksum = cells[grade_id]
            wanted = _metadata(grade_id, cell_type, locked, checksum, points, tasks, solutions)
            if _flags(cell.metadata.nbgrader) != _flags(wanted) or cell.cell_type != cell_type:
                changed.append(grade_id)  # OverwriteCells puts the cell type back
            if locked and cell.source.strip() not in (text.strip(), self._released(text).strip()):
                edited.append(grade_id)
            cell.metadata.nbgrader = wanted
        deleted = self._put_back(nb, resources, cells, points, tasks, solutions)
        for key, names in (("submission.edited", edited), ("submission.deleted", deleted),
                           ("submission.metadata", changed), ("submission.unknown", unknown),
                           ("submission.duplicate", duplicated)):
            if names:
                note = t(key, notebook=self._notebook, cells=", ".join(sorted(set(names))))
                self.log.warning("%s", note)
                notes.append((self._notebook_key, note))
        return nb, resources

    def _released(self, text: str) -> str:
        """The cell as the learner received it (hidden tests removed)."""
        cell = nbformat.v4.new_code_cell(text)
        ClearHiddenTests(parent=self)._remove_hidden_test_region(cell)
        return cell.source

    def _put_back(self, nb, resources, cells, points, tasks, solutions) -> list[str]:
        """Insert each locked cell the notebook lacks after the instructor cell before it in source/."""
        order = self._source_order(resources, cells)
        present = {_grade_id(c) for c in nb.cells}
        missing = []
        for position, grade_id in enumerate(order):
            cell_type, locked, text, checksum = cells[grade_id]
            if grade_id in present or not locked:
                continue
            before = next((g for g in reversed(order[:position]) if g in present), None)
            at = 0 if before is None else 1 + next(i for i, c in enumerate(nb.cells) if _grade_id(c) == before)
            new = nbformat.v4.new_markdown_cell(text) if cell_type == "markdown" else nbformat.v4.new_code_cell(text)
            if nb.get("nbformat_minor", 0) < 5:
                new.pop("id", None)  # cell ids exist from nbformat 4.5 on
            new.metadata = nbformat.NotebookNode(
                editable=False, deletable=False,
                nbgrader=_metadata(grade_id, cell_type, locked, checksum, points, tasks, solutions))
            nb.cells.insert(at, new)
            present.add(grade_id)
            missing.append(grade_id)
        return missing

    def _source_order(self, resources, cells) -> list[str]:
        """The instructor cells' grade ids in the order of the notebook in source/."""
        from nbgrader.coursedir import CourseDirectory

        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"])) / self._notebook
        try:
            source_nb = nbformat.read(path, as_version=4)
            order = [g for g in (_grade_id(c) for c in source_nb.cells) if g in cells]
        except Exception:  # no readable source notebook: the gradebook's cells, in its order
            order = []
        return order + [g for g in cells if g not in order]


def _grade_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _claims_something(meta) -> bool:
    if not isinstance(meta, dict):
        return True
    return bool(meta.get("grade_id") or meta.get("grade") or meta.get("solution") or meta.get("locked")
                or meta.get("task") or meta.get("points"))


def _metadata(grade_id, cell_type, locked, checksum, points, tasks, solutions) -> nbformat.NotebookNode:
    meta = {"grade": grade_id in points, "grade_id": grade_id, "locked": bool(locked),
            "solution": grade_id in solutions, "schema_version": 3, "checksum": checksum, "cell_type": cell_type}
    if grade_id in points:
        meta["points"] = points[grade_id]
    if grade_id in tasks:
        meta.update(task=True, points=tasks[grade_id])
    return nbformat.NotebookNode(meta)


def _flags(meta) -> tuple:
    """What decides the grade of a cell, as written, for telling whether the learner changed it."""
    if not isinstance(meta, dict):
        return (meta,)
    return tuple(meta.get(key, False) for key in ("grade", "solution", "locked", "task")) + (meta.get("points"),)
