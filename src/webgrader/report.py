"""`webgrader report`: one static progress page per learner, from the gradebook and the
autograded notebooks: every assignment with its score, and what to fix next (the checks that
failed, with their hints). Small, for phones, nothing loaded from outside (like feedback.py);
hidden checks show their name and hint only, as in the feedback.
"""
from __future__ import annotations

import fnmatch
import html
import os
from dataclasses import dataclass, field
from pathlib import Path

from .feedback import CSS, _CHECK_LINE, _joined
from .messages import language, t


@dataclass
class AssignmentProgress:
    assignment: str
    score: float | None  # None: not submitted (or not graded yet)
    max_score: float
    to_fix: list[tuple[str, str]] = field(default_factory=list)  # (check name, hint)
    feedback: list[Path] = field(default_factory=list)


def failed_checks(notebook_path: Path) -> list[tuple[str, str]]:
    """(name, hint) of every failed check shown in an autograded notebook, in order."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    hint_label = f"{t('hint')}: "
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            lines = _joined(output.get("data", {}).get("text/plain", "")).split("\n")
            match = _CHECK_LINE.match(lines[0])
            if match and match.group(1) == "✗":
                hint = next((line.removeprefix(hint_label) for line in lines if line.startswith(hint_label)), "")
                out.append((match.group(2), hint))
    return out


def progress(course_root: Path) -> dict[str, list[AssignmentProgress]]:
    """Every learner in the gradebook, with every assignment of the course."""
    from nbgrader.api import Gradebook, MissingEntry

    from .course import Course

    course = Course(Path(course_root).resolve())
    out: dict[str, list[AssignmentProgress]] = {}
    with Gradebook(course.gradebook_url(), course.course_id) as gb:
        assignments = sorted(gb.assignments, key=lambda a: (a.duedate is None, a.duedate, a.name))
        for student in sorted(s.id for s in gb.students):
            rows = []
            for assignment in assignments:
                try:
                    sub = gb.find_submission(assignment.name, student)
                except MissingEntry:
                    rows.append(AssignmentProgress(assignment.name, None, assignment.max_score))
                    continue
                folder = course.root / "autograded" / student / assignment.name
                to_fix = [c for nb in sorted(folder.glob("*.ipynb")) for c in failed_checks(nb)]
                feedback = sorted((course.root / "feedback" / student / assignment.name).glob("*.html"))
                rows.append(AssignmentProgress(assignment.name, sub.score, sub.max_score, to_fix, feedback))
            out[student] = rows
    return out


def render_progress(student: str, rows: list[AssignmentProgress], page_path: Path) -> str:
    esc = html.escape
    total = sum(r.score or 0 for r in rows)
    top = sum(r.max_score for r in rows)
    summary, sections = [], []
    for row in rows:
        anchor = f"a-{esc(row.assignment)}"
        if row.score is None:
            state, points = "fail", t("report.not_submitted")
        else:
            state = "pass" if row.score >= row.max_score else "fail"
            points = t("feedback.points", score=row.score, points=row.max_score)
        summary.append(f'<li class="{state}"><a href="#{anchor}">{esc(row.assignment)}</a>'
                       f'<span class="pts">{esc(points)}</span></li>')
        parts = [f"<h2>{esc(row.assignment)} · {esc(points)}</h2>"]
        if row.score is not None and not row.to_fix:
            parts.append(f'<p class="ok">{esc(t("report.all_passed"))}</p>')
        if row.to_fix:
            items = "".join(f'<li><span class="no">✗ {esc(name)}</span>'
                            + (f"<br><b>{esc(t('hint'))}:</b> {esc(hint)}" if hint else "") + "</li>"
                            for name, hint in row.to_fix)
            parts.append(f"<h3>{esc(t('report.to_fix'))}</h3><ul>{items}</ul>")
        for page in row.feedback:
            link = os.path.relpath(page, page_path.parent)
            parts.append(f'<p><a href="{esc(link)}">{esc(t("report.feedback_link", notebook=page.stem))}</a></p>')
        sections.append(f'<section class="cell" id="{anchor}">{"".join(parts)}</section>')
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(language())}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(t('report.title', student=student))}</title><style>{CSS}</style></head>\n<body><main>"
        f"<header><h1>{esc(t('report.title', student=student))}</h1>"
        f'<p class="total">{esc(t("feedback.total", score=total, points=top))}</p></header>'
        f'<section class="summary"><ol>{"".join(summary)}</ol></section>{"".join(sections)}</main></body></html>\n'
    )


def write_reports(course_root: Path, out_dir: Path | None = None, student_glob: str = "*") -> list[Path]:
    """Write `out_dir/STUDENT.html` (default: COURSE/reports/) for every learner matching the glob."""
    course_root = Path(course_root).resolve()
    out_dir = Path(out_dir or course_root / "reports").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for student, rows in progress(course_root).items():
        if not fnmatch.fnmatchcase(student, student_glob):
            continue
        path = out_dir / f"{student}.html"
        path.write_text(render_progress(student, rows, path), encoding="utf-8")
        written.append(path)
    return written
