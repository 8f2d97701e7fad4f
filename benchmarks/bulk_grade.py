"""Bulk grading: plain `nbgrader autograde`, the same split over 2 processes, and
`webgrader autograde`, side by side on the same submissions, in one run.

    .venv/bin/python benchmarks/bulk_grade.py                 # N=200, nbgrader timed on 20 of them
    .venv/bin/python benchmarks/bulk_grade.py --n 200 --nbgrader-n 200 --big-n 1000

N submissions are built by cycling through the sample class (examples/class) for one
assignment (default click-counter: 6 checks, including learners whose pages hang).
nbgrader grades one submission after another, so its rate on --nbgrader-n of the same
submissions (in the same mix) is its rate on N; pass --nbgrader-n N to time it on all N.
Peak memory is the largest total proportional set size (PSS: shared pages split among the
processes that share them) of the grading process tree, sampled every 0.1 s from /proc.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from webgrader.course import Course  # noqa: E402
from webgrader.sample_class import load_class  # noqa: E402


def tree_rss_bytes(root_pid: int) -> int:
    """Total proportional set size (PSS) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            with open(f"/proc/{entry}/smaps_rollup") as f:  # Pss: shared pages counted once in all
                rss[int(entry)] = next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def timed(cmds: list[list[str]], cwd: Path) -> tuple[float, int]:
    """Run commands at once; (wall seconds, peak total memory of all their process trees)."""
    start = time.perf_counter()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    procs = [subprocess.Popen(c, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in cmds]
    peak = 0
    while any(p.poll() is None for p in procs):
        peak = max(peak, sum(tree_rss_bytes(p.pid) for p in procs))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    bad = [p.args for p in procs if p.returncode not in (0, 1)]
    if bad:
        raise SystemExit(f"benchmark command failed: {bad}")
    return wall, peak


def build_course(work: Path, assignment: str, n: int) -> tuple[Course, list[str]]:
    course = Course.copy_of(REPO, work / "course")
    course.nbgrader("generate_assignment", assignment, "--force")
    subs = [s for s in load_class(REPO / "examples" / "class") if s.assignment == assignment]
    release = course.root / "release" / assignment
    students = []
    for i in range(n):
        sub = subs[i % len(subs)]
        student = f"learner{i:04d}-{sub.student}"
        dest = course.root / "submitted" / student / assignment
        shutil.copytree(release, dest)
        for notebook in dest.glob("*.ipynb"):
            sub.apply_to(notebook)
        (dest / "timestamp.txt").write_text("2026-11-30 09:00:00.000000 UTC")
        students.append(student)
    return course, students


def reset_grades(course: Course, assignment: str) -> None:
    for path in (course.root / "autograded", course.root / "feedback"):
        shutil.rmtree(path, ignore_errors=True)
    (course.root / "gradebook.db").unlink(missing_ok=True)
    course.nbgrader("generate_assignment", assignment, "--force")


def latency(course: Course, assignment: str, students: list[str], runs: int) -> list[float]:
    """Seconds to grade one submission in a warm worker (this process), `runs` times."""
    from webgrader.bulk import grade_one

    grade_one(course.root, assignment, students[0], force=True)  # warm: browser and imports
    out = []
    for i in range(runs):
        result = grade_one(course.root, assignment, students[i % len(students)], force=True)
        assert result.status == "graded", result
        out.append(result.seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="click-counter")
    parser.add_argument("--n", type=int, default=200, help="submissions for the side-by-side run")
    parser.add_argument("--nbgrader-n", type=int, default=20, help="of those, how many nbgrader grades (its rate is per submission)")
    parser.add_argument("--big-n", type=int, default=0, help="also grade this many with webgrader, for its memory (e.g. 1000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="webgrader worker processes; one run (and one row) for each number given")
    parser.add_argument("--latency-runs", type=int, default=20)
    args = parser.parse_args()
    python = sys.executable

    with tempfile.TemporaryDirectory(prefix="webgrader-bench-") as tmp:
        course, students = build_course(Path(tmp), args.assignment, args.n)
        k = min(args.nbgrader_n, args.n)
        rows = []
        half = students[:k]
        # (a) plain nbgrader, one submission after another
        reset_grades(course, args.assignment)
        # nbgrader takes one --student glob: grade the first k by moving the others aside
        parked = Path(tmp) / "parked"
        parked.mkdir()
        for s in students[k:]:
            shutil.move(str(course.root / "submitted" / s), parked / s)
        wall, peak = timed([[python, "-m", "nbgrader", "autograde", args.assignment]], course.root)
        rows.append(("nbgrader autograde", k, wall, peak))
        # (b) the same split over 2 processes (each takes a glob of half the learners)
        reset_grades(course, args.assignment)
        first, second = half[: k // 2], half[k // 2:]
        cmds = []
        for part, name in ((first, "a"), (second, "b")):
            root = Path(tmp) / f"split-{name}"
            # each process needs its own submitted/ view: share everything else by symlink
            root.mkdir()
            for item in course.root.iterdir():
                if item.name != "submitted":
                    (root / item.name).symlink_to(item)
            (root / "submitted").mkdir()
            for s in part:
                (root / "submitted" / s).symlink_to(course.root / "submitted" / s)
            cmds.append((root, [python, "-m", "nbgrader", "autograde", args.assignment,
                                f"--CourseDirectory.root={root}"]))
        wall, peak = timed([c for _, c in cmds], course.root)
        rows.append(("nbgrader autograde, 2 processes", k, wall, peak))
        for s in students[k:]:
            shutil.move(str(parked / s), course.root / "submitted" / s)
        # (c) webgrader autograde on all N, once for each number of workers
        for workers in args.workers:
            reset_grades(course, args.assignment)
            wall, peak = timed([[python, "-m", "webgrader.cli", "autograde", args.assignment, "--quiet",
                                 "--workers", str(workers)]], course.root)
            rows.append((f"webgrader autograde, {workers} worker(s)", args.n, wall, peak))
        if args.big_n:
            big, big_students = build_course(Path(tmp) / "big", args.assignment, args.big_n)
            for workers in args.workers:
                reset_grades(big, args.assignment)
                wall, peak = timed([[python, "-m", "webgrader.cli", "autograde", args.assignment, "--quiet",
                                     "--workers", str(workers)]], big.root)
                rows.append((f"webgrader autograde, {workers} worker(s)", args.big_n, wall, peak))
        lat = latency(course, args.assignment, students[:13], args.latency_runs)
        # Two learners' pages hang (examples/class/README.md): their first grading waits out a time
        # limit by design, so the class mix is also given without them.
        finishing = [s for s in students[:13] if not s.endswith(("-sofiia", "-mariia"))]
        lat_finishing = latency(course, args.assignment, finishing, args.latency_runs)
        perfect = [s for s in students[:13] if s.endswith("-olena")]
        lat_perfect = latency(course, args.assignment, perfect, args.latency_runs) if perfect else []

    base_rate = rows[0][1] / rows[0][2]
    split_rate = rows[1][1] / rows[1][2]
    print(f"\nassignment {args.assignment}, machine: {os.cpu_count()} cores")
    print(f"{'grader':38} {'subs':>5} {'wall s':>8} {'subs/min':>9} {'peak MiB':>9} {'x nbgrader':>11} {'x 2-proc':>9}")
    for name, n, wall, peak in rows:
        rate = n / wall
        print(f"{name:38} {n:5d} {wall:8.1f} {rate * 60:9.1f} {peak / 2**20:9.0f} {rate / base_rate:11.2f} {rate / split_rate:9.2f}")
    def p95(values):  # nearest rank
        return sorted(values)[max(0, -(-95 * len(values) // 100) - 1)]

    print(f"\none submission, warm worker, over {args.latency_runs} runs (s):")
    print(f"  class mix:    median {statistics.median(lat):.2f}  p95 {p95(lat):.2f}  max {max(lat):.2f}")
    print(f"  no page hangs: median {statistics.median(lat_finishing):.2f}  p95 {p95(lat_finishing):.2f}  max {max(lat_finishing):.2f}")
    if lat_perfect:
        print(f"  full marks:   median {statistics.median(lat_perfect):.2f}  p95 {p95(lat_perfect):.2f}  max {max(lat_perfect):.2f}")


if __name__ == "__main__":
    main()
