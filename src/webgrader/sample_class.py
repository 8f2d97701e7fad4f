"""The bundled sample class: learner pages as plain files, turned into real submissions.

examples/class/<assignment>/<student>/<file> replaces the body of that `%%page` cell;
an absent file leaves the released cell untouched; submission.json may list
{"deleted": ["index.html"]} for page cells the learner deleted. scores.csv holds the
score each submission must get.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .pages import files_from_cell_source


@dataclass
class SampleSubmission:
    assignment: str
    student: str
    files: dict[str, str]
    deleted: list[str] = field(default_factory=list)
    expected_score: float | None = None
    max_score: float | None = None
    failed_checks: list[str] = field(default_factory=list)
    what_goes_wrong: str = ""

    def apply_to(self, notebook_path: Path) -> None:
        """Edit a fetched notebook as this learner did."""
        nb = nbformat.read(notebook_path, as_version=4)
        kept = []
        for cell in nb.cells:
            page = files_from_cell_source(cell.source) if cell.cell_type == "code" else None
            if page and page[0] in self.deleted:
                continue
            if page and page[0] in self.files:
                cell.source = cell.source.split("\n", 1)[0] + "\n" + self.files[page[0]].rstrip("\n")
            kept.append(cell)
        nb.cells = kept
        nbformat.write(nb, notebook_path)


def load_class(class_dir: Path) -> list[SampleSubmission]:
    class_dir = Path(class_dir)
    expected = {}
    scores_file = class_dir / "scores.csv"
    if scores_file.exists():
        with open(scores_file, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                expected[(row["assignment"], row["student"])] = row
    subs = []
    for assignment_dir in sorted(p for p in class_dir.iterdir() if p.is_dir()):
        for student_dir in sorted(p for p in assignment_dir.iterdir() if p.is_dir()):
            meta = {}
            if (student_dir / "submission.json").exists():
                meta = json.loads((student_dir / "submission.json").read_text(encoding="utf-8"))
            files = {p.name: p.read_text(encoding="utf-8") for p in sorted(student_dir.iterdir())
                     if p.is_file() and p.name != "submission.json"}
            row = expected.get((assignment_dir.name, student_dir.name), {})
            subs.append(SampleSubmission(
                assignment_dir.name, student_dir.name, files, list(meta.get("deleted", [])),
                float(row["score"]) if row.get("score") else None,
                float(row["max_score"]) if row.get("max_score") else None,
                [c for c in (row.get("failed_checks") or "").split(";") if c],
                row.get("what_goes_wrong", ""),
            ))
    return subs
