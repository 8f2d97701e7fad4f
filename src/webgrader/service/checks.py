"""What an upload must be before the service accepts it; each refusal says what to do.

`Refused(key, **values)` carries a messages.py key: the page and the API show `t(key)`.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..messages import t
from .storage import safe_name

MB = 2**20


class Refused(Exception):
    def __init__(self, key: str, status: int = 400, **values):
        super().__init__(key)
        self.key, self.status, self.values = key, status, values

    @property
    def message(self) -> str:
        return t(self.key, **self.values)


@dataclass
class Accepted:
    assignment: str
    notebook: str  # the name nbgrader expects, never the uploaded file's own name
    late_seconds: float
    due: datetime.datetime | None


def released_assignments(course_root: Path) -> list[str]:
    release = Path(course_root) / "release"
    if not release.is_dir():
        return []
    return sorted(p.name for p in release.iterdir()
                  if p.is_dir() and safe_name(p.name) and any(p.glob("*.ipynb")))


def expected_notebooks(course_root: Path, assignment: str) -> list[str]:
    return sorted(p.name for p in (Path(course_root) / "release" / assignment).glob("*.ipynb"))


def due_date(course_root: Path, assignment: str) -> datetime.datetime | None:
    """The assignment's due date in nbgrader's gradebook (naive UTC), or None."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.coursedir import CourseDirectory

    from ..settings import load_course_config

    config = load_course_config(Path(course_root) / "nbgrader_config.py")
    config.CourseDirectory.root = str(course_root)
    coursedir = CourseDirectory(config=config)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def _grade_ids(nb) -> set[str]:
    return {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells} - {None}


def check_upload(course_root: Path, assignment: str, filename: str, data: bytes, *, max_mb: float,
                 accept_late: bool, now: datetime.datetime) -> Accepted:
    if not assignment:
        raise Refused("service.refused.no_assignment")
    known = released_assignments(course_root)
    if assignment not in known:  # also every name with a path trick in it
        raise Refused("service.refused.unknown_assignment", assignment=assignment[:80], known=", ".join(known))
    if not data:
        raise Refused("service.refused.no_file")
    if len(data) > max_mb * MB:
        raise Refused("service.refused.too_big", status=413, size=len(data) / MB, limit=max_mb)
    expected = expected_notebooks(course_root, assignment)
    base = Path((filename or "").replace("\\", "/")).name
    if len(expected) == 1:
        notebook = expected[0]
    elif base in expected:
        notebook = base
    else:
        raise Refused("service.refused.which_notebook", names=", ".join(expected))
    if not base.endswith(".ipynb"):
        raise Refused("service.refused.not_ipynb", filename=base[:80] or "?")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise Refused("service.refused.not_notebook", filename=base[:80]) from None
    except (json.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError, nbformat.reader.NotJSONError):
        raise Refused("service.refused.not_notebook", filename=base[:80]) from None
    if not isinstance(nb.get("cells"), list):
        raise Refused("service.refused.not_notebook", filename=base[:80])
    released = nbformat.read(Path(course_root) / "release" / assignment / notebook, as_version=4)
    ours, theirs = _grade_ids(released), _grade_ids(nb)
    # Learners may delete cells (grading puts the instructor's back), so a few missing is fine;
    # a notebook mostly made of another assignment's cells is the wrong file.
    if ours and len(theirs & ours) <= len(theirs - ours):
        raise Refused("service.refused.other_notebook", filename=base[:80], assignment=assignment)
    due = due_date(course_root, assignment)
    late = max(0.0, (now - due).total_seconds()) if due else 0.0
    if late and not accept_late:
        raise Refused("service.refused.late", status=403, due=due.strftime("%Y-%m-%d %H:%M UTC"))
    return Accepted(assignment, notebook, late, due)
