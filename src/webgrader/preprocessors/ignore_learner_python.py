"""In an assignment that asks only for pages, the learner's own Python is never run.

An assignment whose answer cells in source/ are all page cells (or written answers) needs no
learner Python to be graded. A learner's code cell that is not a page cell could only do harm
there: in a kernel it runs before the instructor's tests and can replace the checks. This
sanitize step (after nbgrader's OverwriteCells, so locked cells already hold source/'s code)
empties every such cell, leaving a one-line comment that says why, and notes which cells it
emptied. It runs in plain `nbgrader autograde` (nbgrader_config.py) and in `webgrader autograde`
alike; the notebook is then all pages and locked cells, which the kernel-free path grades.
An assignment that asks for Python is left as it is.
"""
from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from ..messages import t
from ..pages import page_cell


def does_nothing(source: str) -> bool:
    """An empty or comment-only code cell: a kernel would do nothing with it either."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in source.split("\n"))


class IgnoreLearnerPython(NbGraderPreprocessor):
    """Empties the learner's code cells that are not page cells, in page-only assignments."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            solutions = {c.name for c in source.solution_cells}
            cells = {c.name: (c.cell_type, c.locked, c.source) for c in source.source_cells}
        asks_for_python = any(cells[name][0] == "code" and page_cell(cells[name][2]) is None
                              for name in solutions if name in cells)
        if asks_for_python:
            return nb, resources
        ignored = []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or page_cell(cell.source) is not None or does_nothing(cell.source):
                continue
            meta = cell.metadata.get("nbgrader")
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if isinstance(grade_id, str) and grade_id in cells and cells[grade_id][1]:
                continue  # a locked instructor cell: OverwriteCells gave it source/'s code
            cell.source = "# " + t("python.ignored.cell")
            cell.outputs = []
            ignored.append(str(index))
        if ignored:
            from ..submission import notes

            note = t("submission.python_ignored", notebook=info["notebook"] + ".ipynb", cells=", ".join(ignored))
            self.log.warning("%s", note)
            notes.append((f"{info['student']}/{info['assignment']}/{info['notebook']}", note))
        return nb, resources
