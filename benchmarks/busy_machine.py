"""The same scores on a quiet and on a busy machine: the sample class, plus a page with several
megabytes of local photos, graded once quietly and once while other processes keep every core
busy (they stop by themselves after --busy-seconds at the latest).

    .venv/bin/python benchmarks/busy_machine.py                 # both assignments
    .venv/bin/python benchmarks/busy_machine.py --assignment profile-page --hogs 6

Each submission is graded in this process (a warm worker, `grade_one`, the kernel-free path).
It prints, per submission, the score and seconds of both runs and the grader's note when a
limit had to stretch, and whether every score is identical (exit status 1 if not).
"""
from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "src"))

from bulk_grade import build_course  # noqa: E402

PHOTOS = 3  # pictures of about 2.9 MB each


def noisy_png(path: Path, width: int = 1100, height: int = 880) -> None:
    """A real PNG of random pixels: it does not compress, so it is as big as a photo."""
    rows = b"".join(b"\0" + os.urandom(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1))
                     + chunk(b"IEND", b""))


def add_photo_learner(course, students: list[str]) -> str:
    """A copy of a full-score profile page whose photo is several big pictures."""
    source = next(s for s in students if s.endswith("-olena"))
    student = "learner9999-photos"
    dest = course.root / "submitted" / student / "profile-page"
    shutil.copytree(course.root / "submitted" / source / "profile-page", dest)
    names = [f"photo{i}.png" for i in range(PHOTOS)]
    for i, name in enumerate(names):
        noisy_png(dest / name)
    (dest / "photo.png").unlink(missing_ok=True)
    noisy_png(dest / "photo.png")
    import nbformat

    for notebook in dest.glob("*.ipynb"):
        nb = nbformat.read(notebook, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.source.startswith("%%page index.html"):
                extra = "".join(f'<img src="{name}" alt="Photo {i}" width="200">' for i, name in enumerate(names))
                cell.source = cell.source.replace("</body>", extra + "</body>")
        nbformat.write(nb, notebook)
    size = sum(p.stat().st_size for p in dest.glob("*.png")) / 2**20
    print(f"{student}: {PHOTOS + 1} pictures, {size:.1f} MB")
    return student


class Hogs:
    """Processes that keep the cores busy, each stopping by itself after `seconds`."""

    def __init__(self, count: int, seconds: float):
        code = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
        self.procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]

    def stop(self) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()


def grade_all(course, assignment: str, students: list[str]) -> dict[str, tuple]:
    from webgrader.bulk import grade_one

    out = {}
    for student in students:
        result = grade_one(course.root, assignment, student, force=True)
        out[student] = (result.score if result.status == "graded" else result.status, result.seconds,
                        "; ".join(n for n in result.notes if "busy" in n), result.error)
    return out


def load_average() -> str:
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", nargs="+", default=["click-counter", "profile-page"])
    parser.add_argument("--hogs", type=int, default=2 * (os.cpu_count() or 1),
                        help="busy processes during the busy run (default: two per core)")
    parser.add_argument("--busy-seconds", type=float, default=300.0, help="each busy process stops by itself after this")
    args = parser.parse_args()

    from webgrader.bulk import grade_one

    identical = True
    with tempfile.TemporaryDirectory(prefix="webgrader-busy-") as tmp:
        rows = []
        for assignment in args.assignment:
            course, students = build_course(Path(tmp) / assignment, assignment, 13)
            if assignment == "profile-page":
                students.append(add_photo_learner(course, students))
            grade_one(course.root, assignment, students[0], force=True)  # warm: browser and imports
            start = time.perf_counter()
            quiet = grade_all(course, assignment, students)
            quiet_s, quiet_load = time.perf_counter() - start, load_average()
            hogs = Hogs(args.hogs, args.busy_seconds)
            try:
                time.sleep(1.0)
                start = time.perf_counter()
                busy = grade_all(course, assignment, students)
                busy_s, busy_load = time.perf_counter() - start, load_average()
            finally:
                hogs.stop()
            print(f"\n{assignment}: quiet run {quiet_s:.1f} s (load average {quiet_load}), busy run {busy_s:.1f} s "
                  f"with {args.hogs} busy processes (load average {busy_load})")
            print(f"{'learner':<26}{'quiet':>7}{'busy':>7}{'quiet s':>9}{'busy s':>8}  note (busy run)")
            for student in students:
                q, b = quiet[student], busy[student]
                same = q[0] == b[0]
                identical &= same
                rows.append(same)
                mark = "" if same else "   <-- DIFFERENT"
                print(f"{student.split('-', 1)[1]:<26}{q[0]!s:>7}{b[0]!s:>7}{q[1]:>9.2f}{b[1]:>8.2f}  "
                      f"{b[2] or b[3]}{mark}")
        print(f"\nscores identical quiet and busy: {'yes' if identical else 'NO'} ({sum(rows)} of {len(rows)})")
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
