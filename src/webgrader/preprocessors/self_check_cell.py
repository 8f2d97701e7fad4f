"""At release: count the checks, record how many are hidden, and end the notebook with the self-check summary.

nbgrader removes hidden tests from the released notebook, so the learner's kernel cannot count
them: this preprocessor (before ClearHiddenTests) records them in the notebook's metadata,
`metadata.webgrader = {"checks": visible check cells, "hidden_checks": cells with hidden tests}`,
which Validate reads too, and appends a read-only last cell that calls `self_check()`, so that
Run All ends with "5 of 6 checks pass · 3 more checks run when your work is graded".
"""
from __future__ import annotations

import re

from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

HIDDEN_RE = re.compile(r"^[ \t]*#+[ \t]*BEGIN HIDDEN TESTS.*?^[ \t]*#+[ \t]*END HIDDEN TESTS[^\n]*\n?", re.S | re.M)
SUMMARY_GRADE_ID = "webgrader_self_check"


def _has_code(source: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in source.split("\n"))


def count_checks(nb) -> tuple[int, int]:
    """(check cells the learner sees code in, check cells with hidden tests) of a source notebook."""
    visible = hidden = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        hidden += bool(HIDDEN_RE.search(cell.source))
        visible += _has_code(HIDDEN_RE.sub("", cell.source))
    return visible, hidden


class SelfCheckCell(NbGraderPreprocessor):
    comment = Unicode(
        "# Your self-check: every check above in one summary. It fills in when you run all cells.",
        help="The comment line of the self-check cell that the release adds at the end of each notebook.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        visible, hidden = count_checks(nb)
        nb.metadata["webgrader"] = {"checks": visible, "hidden_checks": hidden}
        if visible + hidden and not any(
                c.metadata.get("nbgrader", {}).get("grade_id") == SUMMARY_GRADE_ID for c in nb.cells):
            cell = new_code_cell(
                f"{self.comment}\nfrom webgrader import self_check\nself_check(checks={visible}, hidden={hidden})",
                metadata={"nbgrader": {"grade": False, "solution": False, "locked": True,
                                       "grade_id": SUMMARY_GRADE_ID, "schema_version": 3}, "editable": False, "deletable": False})
            cell.id = SUMMARY_GRADE_ID.replace("_", "-")
            nb.cells.append(cell)
        return nb, resources
