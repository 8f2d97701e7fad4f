"""An nbgrader course directory, driven the way an instructor drives it.

Instructor steps run the real `nbgrader` command line in the course folder; learners'
fetch and submit run nbgrader's own exchange classes in-process (a class of 13 would
otherwise start 26 nbgrader processes at about 5 s each).
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

COURSE_PARTS = ("source", "release", "nbgrader_config.py")


class CourseCommandFailed(RuntimeError):
    pass


def _env() -> dict:
    env = dict(os.environ)
    # nbgrader runs `alembic` as a subprocess: the environment's scripts must be on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


@dataclass
class Course:
    root: Path
    exchange: Path | None = None

    @classmethod
    def copy_of(cls, original: Path, dest: Path, exchange: Path | None = None) -> "Course":
        """A fresh copy of the course's sources and configuration in `dest` (learner data left out)."""
        dest.mkdir(parents=True, exist_ok=True)
        for part in COURSE_PARTS:
            src = original / part
            if src.is_dir():
                shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.html", "*.css", "*.js"))
            elif src.is_file():
                shutil.copy2(src, dest / part)
        course = cls(dest, exchange)
        if exchange is not None:
            exchange.mkdir(parents=True, exist_ok=True)
            with open(dest / "nbgrader_config.py", "a", encoding="utf-8") as cfg:
                cfg.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
        return course

    def coursedir(self):
        """nbgrader's view of this course folder, from its nbgrader_config.py."""
        from nbgrader.coursedir import CourseDirectory

        from .settings import load_course_config

        config = load_course_config(self.root / "nbgrader_config.py")
        config.CourseDirectory.root = str(self.root)
        return CourseDirectory(config=config)

    @property
    def course_id(self) -> str:
        return self.coursedir().course_id

    def assignments(self) -> list[str]:
        return sorted(p.name for p in (self.root / "source").iterdir() if p.is_dir() and not p.name.startswith("."))

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run `nbgrader ARGS` in the course folder; with check, raise with its log when it fails."""
        cmd = [sys.executable, "-m", "nbgrader", *args]
        proc = subprocess.run(cmd, cwd=self.root, env=_env(), capture_output=True, text=True)
        if check and proc.returncode != 0:
            tail = "\n".join(proc.stderr.splitlines()[-25:])
            raise CourseCommandFailed(f"`nbgrader {' '.join(args)}` failed in {self.root} (exit {proc.returncode}):\n{tail}")
        return proc

    # --- learners ---------------------------------------------------------------
    def _exchange_config(self, assignment: str, student: str, home: Path):
        from traitlets.config import Config

        cfg = Config()
        cfg.CourseDirectory.course_id = self.course_id
        cfg.CourseDirectory.assignment_id = assignment
        cfg.CourseDirectory.student_id = student  # without it every learner submits as this OS user
        cfg.Exchange.root = str(self.exchange)
        cfg.Exchange.assignment_dir = str(home)
        return cfg

    def fetch(self, assignment: str, student: str, home: Path) -> Path:
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange.default import ExchangeFetchAssignment

        home.mkdir(parents=True, exist_ok=True)
        cfg = self._exchange_config(assignment, student, home)
        ExchangeFetchAssignment(coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg).start()
        return home / assignment

    def submit(self, assignment: str, student: str, home: Path) -> None:
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange.default import ExchangeSubmit

        cfg = self._exchange_config(assignment, student, home)
        ExchangeSubmit(coursedir=CourseDirectory(config=cfg), authenticator=Authenticator(config=cfg), config=cfg).start()

    # --- results ----------------------------------------------------------------
    def gradebook_url(self) -> str:
        return self.coursedir().db_url

    def scores(self) -> dict[tuple[str, str], tuple[float, float]]:
        """(student, assignment) -> (score, max_score) from the gradebook."""
        from nbgrader.api import Gradebook

        out = {}
        with Gradebook(self.gradebook_url(), self.course_id) as gb:
            for assignment in gb.assignments:
                for sub in assignment.submissions:
                    out[(sub.student.id, assignment.name)] = (sub.score, sub.max_score)
        return out

    def check_scores(self) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
        """(student, assignment) -> {grade_id: (score, max)} for every graded cell."""
        from nbgrader.api import Gradebook

        out: dict = {}
        with Gradebook(self.gradebook_url(), self.course_id) as gb:
            for assignment in gb.assignments:
                for sub in assignment.submissions:
                    per_cell = out.setdefault((sub.student.id, assignment.name), {})
                    for nb in sub.notebooks:
                        for grade in nb.grades:
                            per_cell[grade.name] = (grade.score, grade.max_score)
        return out

    def failed_students(self, proc: subprocess.CompletedProcess) -> list[str]:
        """Lines of an nbgrader log that name a submission it could not process."""
        return [line for line in proc.stderr.splitlines() if "There was an error processing" in line]

    def feedback_pages(self) -> list[Path]:
        return sorted((self.root / "feedback").glob("*/*/*.html"))

    def read_export(self, path: Path) -> list[dict]:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
