"""Time from submit to feedback available, on a real `webgrader serve`.

    .venv/bin/python benchmarks/submit_latency.py                  # 2 workers, 5 idle runs, a burst of 35
    .venv/bin/python benchmarks/submit_latency.py --workers 2 --idle-runs 10 --burst 35 --within 10

(a) one learner on an idle service, one submission after another (each waits for the last);
(b) a burst: `--burst` learners submit spread evenly over `--within` seconds.
Latency = from the start of the upload request until her feedback page answers 200 to her own
token. Submissions are the sample class's (examples/class), cycling; each burst submission's
score is compared with examples/class/scores.csv (fast and wrong would not count).

How the benchmark learns that it is time to ask (`--poll`):
  watch  (default) one instructor client lists the submissions every 50 ms; as soon as hers is
         done, the learner asks for her feedback page (and again every 50 ms until it answers).
  each   every learner asks for her feedback page and her status every 50 ms herself. In a burst
         that is 35 clients sending ~1000 requests a second: the service process and this one
         then take about one of two cores from grading (learners' pages reload every 3 s).
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


TEACHER = "bench-teacher"


def build(work: Path, n: int):
    course = Course.copy_of(REPO, work / "course")
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    released = next((course.root / "release" / ASSIGNMENT).glob("*.ipynb"))
    samples = [s for s in load_class(REPO / "examples" / "class") if s.assignment == ASSIGNMENT]
    notebooks, expected = {}, {}
    for i in range(n):
        sub = samples[i % len(samples)]
        path = work / f"{i}.ipynb"
        shutil.copy(released, path)
        sub.apply_to(path)
        notebooks[f"b{i:03d}-{sub.student}"] = path.read_bytes()
        expected[f"b{i:03d}-{sub.student}"] = sub.expected_score
    tokens = {}
    for names, extra in ((list(notebooks), []), ([TEACHER], ["--instructor"])):
        out = subprocess.run([sys.executable, "-m", "webgrader.cli", "tokens", "add", *names, *extra, "--course",
                              str(course.root)], env=env(), check=True, capture_output=True, text=True).stdout
        tokens.update(line.split("\t") for line in out.splitlines())
    return course.root, notebooks, tokens, released.name, expected


class Watcher(threading.Thread):
    """One instructor client that lists the submissions every 50 ms and tells each waiting
    learner when hers is graded or failed."""

    def __init__(self, url: str, token: str):
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.waiting: dict[str, threading.Event] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def wait_for(self, sid: str, timeout: float = 300) -> None:
        with self.lock:
            event = self.waiting.setdefault(sid, threading.Event())
        if not event.wait(timeout):
            raise SystemExit(f"{sid} not done after {timeout} s")

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers={"Authorization": f"token {self.token}"}, timeout=120) as client:
            while not self.stopped.is_set():
                listing = client.get("api/submissions", params={"assignment": ASSIGNMENT}).json()["submissions"]
                with self.lock:
                    for sub in listing:
                        if sub["id"] in self.waiting and (sub["feedback"] or sub["status"] == "failed"):
                            self.waiting[sub["id"]].set()
                time.sleep(0.05)


def submit_and_wait(url: str, token: str, data: bytes, filename: str, watcher: Watcher | None = None,
                    scores: list | None = None) -> float:
    with httpx.Client(base_url=url, headers={"Authorization": f"token {token}"}, timeout=120) as client:
        start = time.perf_counter()
        response = client.post("api/submissions", params={"assignment": ASSIGNMENT, "filename": filename}, content=data)
        response.raise_for_status()
        sid = response.json()["id"]
        feedback = f"api/submissions/{sid}/feedback/{filename.replace('.ipynb', '.html')}"
        if watcher is not None:
            watcher.wait_for(sid)
        while True:
            if client.get(feedback).status_code == 200:
                seconds = time.perf_counter() - start
                if scores is not None:  # what she got, asked after the clock stopped
                    scores.append(client.get(f"api/submissions/{sid}").json()["score"])
                return seconds
            state = client.get(f"api/submissions/{sid}").json()
            if state["status"] == "failed":
                raise SystemExit(f"not graded: {state}")
            time.sleep(0.05)


def tree_cpu(pid: int) -> float | None:
    """CPU seconds used so far by process `pid` and all below it (workers, their browsers), with
    the children they already reaped; None where there is no /proc."""
    tick, parent, used = os.sysconf("SC_CLK_TCK"), {}, {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])
        used[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    total = 0.0
    for child in used:
        p = child
        while p and p != pid:
            p = parent.get(p, 0)
        if p == pid:
            total += used[child]
    return total


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
    parser.add_argument("--poll", choices=["watch", "each"], default="watch",
                        help="how the benchmark learns that feedback is ready (see above)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="webgrader-latency-") as tmp:
        root, notebooks, tokens, filename, expected = build(Path(tmp), args.burst + 1)
        wrong: list[str] = []
        proc = subprocess.Popen([sys.executable, "-m", "webgrader.cli", "serve", "--course", str(root), "--port", "0",
                                 "--workers", str(args.workers)], env=env(), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        try:
            line = proc.stdout.readline()
            url = line.split(" on ", 1)[1].split()[0]
            watcher = Watcher(url, tokens[TEACHER]) if args.poll == "watch" else None
            if watcher is not None:
                watcher.start()
            names = list(notebooks)
            first = names[0]
            submit_and_wait(url, tokens[first], notebooks[first], filename, watcher)  # workers warm, imports done
            idle = [submit_and_wait(url, tokens[first], notebooks[first], filename, watcher)
                    for _ in range(args.idle_runs)]
            burst: list[float] = []
            threads = []
            cpu_before = tree_cpu(proc.pid)
            start = time.perf_counter()
            for i, name in enumerate(names[1:]):
                def one(name=name, at=start + i * args.within / args.burst):
                    time.sleep(max(0.0, at - time.perf_counter()))
                    got: list = []
                    burst.append(submit_and_wait(url, tokens[name], notebooks[name], filename, watcher, got))
                    if expected[name] is not None and got[0] != expected[name]:
                        wrong.append(f"{name}: {got[0]:g} points, {expected[name]:g} expected")
                threads.append(threading.Thread(target=one))
                threads[-1].start()
            for thread in threads:
                thread.join()
            drained = time.perf_counter() - start
            cpu_after = tree_cpu(proc.pid)
            if watcher is not None:
                watcher.stopped.set()
                watcher.join(10)
        finally:
            proc.terminate()
            proc.wait(30)
    print(f"webgrader serve, {args.workers} workers, {os.cpu_count()} CPUs, --poll {args.poll}, load average "
          f"(1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(figures("(a) one learner, idle service", idle))
    print(figures(f"(b) {args.burst} learners within {args.within:g} s", burst))
    if cpu_before is not None and cpu_after is not None:
        used = cpu_after - cpu_before
        print(f"    the burst: last feedback after {drained:.1f} s; the service, its workers and their browsers "
              f"used {used:.1f} CPU seconds, {used / args.burst:.2f} a submission")
    print(f"    scores: {len(burst) - len(wrong)} of {len(burst)} as examples/class/scores.csv says"
          + "".join(f"\n      NOT: {line}" for line in sorted(wrong)))


if __name__ == "__main__":
    main()
