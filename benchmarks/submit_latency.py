"""Time from submit to feedback available, on a real `webgrader serve`.

    .venv/bin/python benchmarks/submit_latency.py                  # 2 workers, 5 idle runs, a burst of 35
    .venv/bin/python benchmarks/submit_latency.py --workers 2 --idle-runs 10 --burst 35 --within 10

(a) one learner on an idle service, one submission after another (each waits for the last);
(b) a burst: `--burst` learners submit spread evenly over `--within` seconds.
Latency = from the start of the upload request until her feedback page answers 200
(polled every 50 ms). Submissions are the sample class's (examples/class), cycling.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from webgrader.course import Course  # noqa: E402
from webgrader.sample_class import load_class  # noqa: E402

ASSIGNMENT = "click-counter"


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO / "src"), PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def build(work: Path, n: int):
    course = Course.copy_of(REPO, work / "course")
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    released = next((course.root / "release" / ASSIGNMENT).glob("*.ipynb"))
    samples = [s for s in load_class(REPO / "examples" / "class") if s.assignment == ASSIGNMENT]
    notebooks = {}
    for i in range(n):
        sub = samples[i % len(samples)]
        path = work / f"{i}.ipynb"
        shutil.copy(released, path)
        sub.apply_to(path)
        notebooks[f"b{i:03d}-{sub.student}"] = path.read_bytes()
    out = subprocess.run([sys.executable, "-m", "webgrader.cli", "tokens", "add", *notebooks, "--course", str(course.root)],
                         env=env(), check=True, capture_output=True, text=True).stdout
    return course.root, notebooks, dict(line.split("\t") for line in out.splitlines()), released.name


def submit_and_wait(url: str, token: str, data: bytes, filename: str) -> float:
    with httpx.Client(base_url=url, headers={"Authorization": f"token {token}"}, timeout=120) as client:
        start = time.perf_counter()
        response = client.post("api/submissions", params={"assignment": ASSIGNMENT, "filename": filename}, content=data)
        response.raise_for_status()
        sid = response.json()["id"]
        feedback = f"api/submissions/{sid}/feedback/{filename.replace('.ipynb', '.html')}"
        while True:
            if client.get(feedback).status_code == 200:
                return time.perf_counter() - start
            state = client.get(f"api/submissions/{sid}").json()
            if state["status"] == "failed":
                raise SystemExit(f"not graded: {state}")
            time.sleep(0.05)


def figures(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (f"{name:<34} n={len(ordered):>3}  median {statistics.median(ordered):5.2f} s  "
            f"p95 {p95:5.2f} s  worst {ordered[-1]:5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle-runs", type=int, default=5)
    parser.add_argument("--burst", type=int, default=35)
    parser.add_argument("--within", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="webgrader-latency-") as tmp:
        root, notebooks, tokens, filename = build(Path(tmp), args.burst + 1)
        proc = subprocess.Popen([sys.executable, "-m", "webgrader.cli", "serve", "--course", str(root), "--port", "0",
                                 "--workers", str(args.workers)], env=env(), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            line = proc.stdout.readline()
            url = line.split(" on ", 1)[1].split()[0]
            names = list(notebooks)
            first = names[0]
            submit_and_wait(url, tokens[first], notebooks[first], filename)  # workers warm, first imports done
            idle = [submit_and_wait(url, tokens[first], notebooks[first], filename) for _ in range(args.idle_runs)]
            burst: list[float] = []
            threads = []
            start = time.perf_counter()
            for i, name in enumerate(names[1:]):
                def one(name=name, at=start + i * args.within / args.burst):
                    time.sleep(max(0.0, at - time.perf_counter()))
                    burst.append(submit_and_wait(url, tokens[name], notebooks[name], filename))
                threads.append(threading.Thread(target=one))
                threads[-1].start()
            for thread in threads:
                thread.join()
        finally:
            proc.terminate()
            proc.wait(30)
    print(f"webgrader serve, {args.workers} workers, {os.cpu_count()} CPUs, load average at the end "
          f"{os.getloadavg()[0]:.1f}")
    print(figures("(a) one learner, idle service", idle))
    print(figures(f"(b) {args.burst} learners within {args.within:g} s", burst))


if __name__ == "__main__":
    main()
