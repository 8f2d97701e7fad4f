"""What plain `nbgrader autograde` gives for every case of the corpus, next to webgrader's outcome.

    .venv/bin/python tests/tampered/nbgrader_reference.py [--workdir DIR] [CASE ...]

Builds the corpus in a fresh copy of the course, runs `nbgrader autograde click-counter
--student CASE` for each case (one run for all would stop at the first duplicated cell, see
README.md), and prints one line per case. It takes several minutes. The `nbgrader`
column of corpus.py and README.md comes from this.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO / "src"), str(HERE.parent)]

from tampered.corpus import ASSIGNMENT, CASES, MAX_SCORE, build_corpus, new_course  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", default=None, help="where to build the course (default: a temporary folder)")
    parser.add_argument("cases", nargs="*", help="only these cases (default: all)")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.cases or c.student in args.cases]
    work = Path(args.workdir or tempfile.mkdtemp(prefix="webgrader-tampered-"))
    shutil.rmtree(work / "course", ignore_errors=True)
    course = new_course(REPO, work / "course")
    build_corpus(course.root, course.root / "release" / ASSIGNMENT / "counter.ipynb", REPO / "examples" / "class",
                 work / "ran", cases)
    failed, logs = {}, []
    for case in cases:  # one run each: a run stops at the first submission whose metadata looks old
        proc = course.nbgrader("autograde", ASSIGNMENT, "--student", case.student, check=False)
        logs.append(proc.stderr)
        if proc.returncode != 0:
            failed[case.student] = _reason(proc.stderr)
    (work / "nbgrader.log").write_text("\n".join(logs))
    scores = course.scores()
    for case in cases:
        want = "NOT graded" if case.score is None else f"{case.score:g}/{MAX_SCORE}"
        if case.student in failed:
            got = f"NOT graded: {failed[case.student]}"
        else:
            score, max_score = scores.get((case.student, ASSIGNMENT), (None, None))
            got = f"{score:g}/{max_score:g}" if score is not None else "no grade"
        print(f"{case.student:32} webgrader {want:11} nbgrader {got}")
    ran = sorted(p.name for p in (work / "ran").iterdir())
    print(f"code that must not run, ran under nbgrader: {', '.join(ran) or 'none'}")
    print(f"nbgrader's log: {work / 'nbgrader.log'}")


def _reason(log: str) -> str:
    """The last exception nbgrader logged, or its last error message."""
    errors = [line.strip() for line in log.splitlines() if re.match(r"\s*[\w.]+(Error|Exception): ", line)]
    if errors:
        return errors[-1]
    messages = [line.split("ERROR]", 1)[1].strip() for line in log.splitlines() if "| ERROR]" in line]
    return messages[-1] if messages else "see nbgrader's log"


if __name__ == "__main__":
    main()
