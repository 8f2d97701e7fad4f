"""Where the time of grading one submission goes, learner by learner (warm worker).

    .venv/bin/python benchmarks/profile_one.py                # click-counter, 3 rounds
    .venv/bin/python benchmarks/profile_one.py --rounds 5 --assignment profile-page

For each learner of the sample class it grades the submission `--rounds` times in this
process (after one warm-up) and prints the median total, the part spent inside the
kernel-free grader (page loads, checks, actions) and the rest (nbgrader's bookkeeping:
config, copies, gradebook, writing the notebook). The harness calls are timed by wrapping
them, so the figures say which calls to make faster.
"""
from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "src"))

from bulk_grade import build_course  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="click-counter")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from webgrader import checks, fastpath, harness
    from webgrader.grading import Grading
    from webgrader.bulk import grade_one

    spent: dict[str, list[float]] = collections.defaultdict(list)

    def timed(owner, name, label):
        original = getattr(owner, name)

        async def wrapper(*a, **k):
            start = time.perf_counter()
            try:
                return await original(*a, **k)
            finally:
                spent[label].append(time.perf_counter() - start)
        setattr(owner, name, wrapper)

    import webgrader

    timed(fastpath, "_grade", "grader")
    timed(harness, "open_page", "open_page")
    webgrader.open_page = harness.open_page  # test cells import it from the package
    timed(harness, "_load", "load")
    for name in ("_take_ready", "_fresh_tab", "_discard_current"):
        timed(Grading, name, name.strip("_"))
    timed(harness._Tab, "prepare", "tab.prepare")
    timed(harness.LearnerPage, "record", "record")
    timed(fastpath.shared_browser, "check", "browser.check")
    for name in ("click", "fill", "press"):
        timed(checks.PageChecks, name, name)
    for name in ("expect_element", "expect_count", "expect_text", "expect_attribute", "expect_style",
                 "expect_image_loaded", "expect_js", "expect_no_js_errors"):
        timed(checks.PageChecks, name, "checks")

    with tempfile.TemporaryDirectory() as tmp:
        course, students = build_course(Path(tmp), args.assignment, 13)
        grade_one(course.root, args.assignment, students[0], force=True)  # warm-up
        print(f"{'learner':<22}{'total s':>9}{'grader':>8}{'rest':>7}  grader calls (s, summed)")
        totals = []
        for student in students:
            rows = []
            for _ in range(args.rounds):
                spent.clear()
                result = grade_one(course.root, args.assignment, student, force=True)
                assert result.status == "graded", result
                rows.append((result.seconds, {k: sum(v) for k, v in spent.items()},
                             {k: len(v) for k, v in spent.items()}))
            rows.sort(key=lambda r: r[0])
            total, parts, counts = rows[len(rows) // 2]
            totals.append(total)
            grader = parts.get("grader", 0.0)
            calls = "  ".join(f"{k} {v:.2f}×{counts[k]}" for k, v in parts.items() if k != "grader")
            print(f"{student.split('-', 1)[1]:<22}{total:>9.2f}{grader:>8.2f}{total - grader:>7.2f}  {calls}")
        print(f"{'mean':<22}{statistics.mean(totals):>9.2f}")


if __name__ == "__main__":
    main()
