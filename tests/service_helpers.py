"""A real `webgrader serve` process on a copy of the course, and learners' notebooks to send it."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("click-counter", "profile-page")


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO / "src"),
                PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def make_course(dest: Path, config_extra: str = "") -> Path:
    """A fresh copy of the course with both assignments generated (nbgrader's own command)."""
    from webgrader.course import Course

    course = Course.copy_of(REPO, dest)
    if config_extra:
        with open(dest / "nbgrader_config.py", "a") as cfg:
            cfg.write("\n" + config_extra + "\n")
    for assignment in ASSIGNMENTS:
        course.nbgrader("generate_assignment", assignment, "--force")
    return dest


@dataclass
class Notebook:
    student: str  # the sample learner whose work it is
    assignment: str
    filename: str
    data: bytes
    score: float


def sample_notebooks(course_root: Path, work: Path) -> dict[tuple[str, str], Notebook]:
    """(sample learner, assignment) -> her notebook as she would download it, with the score it must get."""
    from webgrader.sample_class import load_class

    out = {}
    work.mkdir(parents=True, exist_ok=True)
    for sub in load_class(REPO / "examples" / "class"):
        released = next((course_root / "release" / sub.assignment).glob("*.ipynb"))
        dest = work / f"{sub.student}-{sub.assignment}.ipynb"
        shutil.copy(released, dest)
        sub.apply_to(dest)
        out[(sub.student, sub.assignment)] = Notebook(sub.student, sub.assignment, released.name,
                                                      dest.read_bytes(), sub.expected_score)
    return out


def issue_tokens(course_root: Path, names: list[str], instructor: bool = False) -> dict[str, str]:
    cmd = [sys.executable, "-m", "webgrader.cli", "tokens", "add", *names, "--course", str(course_root)]
    out = subprocess.run(cmd + (["--instructor"] if instructor else []), env=_env(), check=True,
                         capture_output=True, text=True).stdout
    return dict(line.split("\t") for line in out.splitlines())


class Service:
    """`webgrader serve` in its own process on a free port of 127.0.0.1."""

    def __init__(self, course_root: Path, workers: int = 2):
        self.course_root, self.workers = Path(course_root), workers
        self.proc = None
        self.url = ""

    def start(self, timeout: float = 120) -> "Service":
        self.log = open(self.course_root / f"serve-{time.time():.0f}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "webgrader.cli", "serve", "--course", str(self.course_root), "--port", "0",
             "--workers", str(self.workers)],
            env=_env(), stdout=subprocess.PIPE, stderr=self.log, text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        assert " on http://127.0.0.1:" in line, f"webgrader serve did not start: {line!r} (log {self.log.name})"
        self.url = line.split(" on ", 1)[1].split()[0]
        return self

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"token {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no clean-up runs."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()

    def worker_pids(self) -> list[int]:
        """Grading worker processes whose parent is this service."""
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == self.proc.pid and b"spawn_main" in _cmdline(int(entry)):  # not multiprocessing's resource tracker
                    out.append(int(entry))
        return out


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def upload(client: httpx.Client, nb: Notebook, assignment: str | None = None) -> httpx.Response:
    return client.post("api/submissions", params={"assignment": assignment or nb.assignment, "filename": nb.filename},
                       content=nb.data)


def wait_done(client: httpx.Client, ids: list[str], timeout: float = 600) -> dict[str, dict]:
    """Every submission's record once none is queued or grading (fails the test on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        subs = {s["id"]: s for s in client.get("api/submissions").json()["submissions"] if s["id"] in ids}
        if len(subs) == len(ids) and all(s["status"] in ("graded", "failed") for s in subs.values()):
            return subs
        assert time.monotonic() < deadline, f"not graded within {timeout} s: {subs}"
        time.sleep(0.5)
