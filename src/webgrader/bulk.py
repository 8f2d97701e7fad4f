"""`webgrader autograde`: grade a whole class, fast, and survive anything one submission does.

Each submission goes through nbgrader's own Autograde converter (so the gradebook and
autograded/ are exactly what `nbgrader autograde` makes), with `FastExecute` in place of
nbgrader's Execute. Workers are long-lived processes, each with one warm browser.
A submission counts as graded once its marker (autograded/STUDENT/.webgrader/ASSIGNMENT.json)
is written; re-running skips those whose files have not changed since.
"""
from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import logging
import os
import sys
import time
import types
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from . import __version__

FAST_PREPROCESSORS = None  # filled lazily: importing nbgrader costs about a second


@dataclass
class SubmissionResult:
    student: str
    assignment: str
    status: str  # "graded", "skipped" or "failed"
    path: str = ""  # "fast" or "kernel (why)"
    seconds: float = 0.0
    score: float | None = None
    max_score: float | None = None
    error: str = ""
    refused: bool = False  # not graded because of the submission itself, before nbgrader saw it
    notes: list[str] = field(default_factory=list)  # what grading put right (a tampered test cell, ...)


@dataclass
class BulkReport:
    assignment: str
    results: list[SubmissionResult] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    where: str = "1 worker"  # what graded: local worker processes (each with its own browser) or a cluster

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.interrupted and self.count("failed") == 0

    def summary(self) -> str:
        graded = [r for r in self.results if r.status == "graded"]
        fast = sum(r.path == "fast" for r in graded)
        rate = len(graded) / self.seconds * 60 if self.seconds and graded else 0.0
        lines = [f"{self.assignment}: {len(graded)} graded ({fast} without a kernel, {len(graded) - fast} with one), "
                 f"{self.count('skipped')} unchanged and skipped, {self.count('failed')} failed, "
                 f"in {self.seconds:.1f} s ({rate:.0f} submissions a minute, {self.where})."]
        for r in self.results:
            if r.path.startswith("kernel"):
                lines.append(f"  {r.student}: graded with a kernel: {r.path[8:-1]}")
        for r in self.results:
            for note in r.notes:
                lines.append(f"  {r.student}: {note}")
        for r in self.results:
            if r.status == "failed":
                lines.append(f"  {r.student}: NOT graded: {r.error}")
                lines.append(f"    for nbgrader's full log: nbgrader autograde {self.assignment} --student {r.student} --force")
        if self.interrupted:
            lines.append("Stopped before the end: run the same command again to grade the rest; nothing is graded twice.")
        return "\n".join(lines)


def _fast_preprocessors():
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)

    from .fastpath import FastExecute

    return [FastExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
            AssignLatePenalties, CheckCellMetadata]


def find_students(course_root: Path, assignment: str, student_glob: str = "*") -> list[str]:
    submitted = Path(course_root) / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}")
                  if p.is_dir() and fnmatch.fnmatchcase(p.parent.name, student_glob))


def fingerprint(course_root: Path, assignment: str, student: str) -> str:
    """Changes when the submission, the assignment's source or webgrader changes."""
    digest = hashlib.sha256(__version__.encode())
    for folder in (Path(course_root) / "submitted" / student / assignment, Path(course_root) / "source" / assignment):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            with open(path, "rb") as f:  # in pieces: a submission may hold a big file
                for piece in iter(lambda: f.read(2**20), b""):
                    digest.update(piece)
            digest.update(b"\0")
    return digest.hexdigest()


def marker_path(course_root: Path, assignment: str, student: str) -> Path:
    return Path(course_root) / "autograded" / student / ".webgrader" / f"{assignment}.json"


def _write_marker(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)  # atomic: a kill leaves either no marker or a whole one


def _gradebook(config):
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    return Gradebook(coursedir.db_url, coursedir.course_id)


def _score(config, assignment: str, student: str):
    with _gradebook(config) as gb:
        sub = gb.find_submission(assignment, student)
        return sub.score, sub.max_score


def grade_one(course_root: str | Path, assignment: str, student: str, force: bool = False) -> SubmissionResult:
    """Grade one submission with nbgrader's Autograde and the kernel-free path. Never raises."""
    from .fastpath import submission_lock
    from .settings import WebGrader
    from .submission import expected_notebooks, problem_with

    course_root = Path(course_root).resolve()
    start = time.perf_counter()
    result = SubmissionResult(student, assignment, "failed")
    try:
        marker = marker_path(course_root, assignment, student)
        config = _config(course_root, assignment, student)  # runs nbgrader_config.py: once a submission
        problem = problem_with(course_root / "submitted" / student / assignment,
                               expected_notebooks(course_root, assignment), student,
                               WebGrader(config=config).max_notebook_mb)
        if problem:  # decided before anything else reads the submission
            marker.unlink(missing_ok=True)
            result.error, result.refused = problem, True
            return result
        print_ = fingerprint(course_root, assignment, student)
        if not force and marker.exists():
            try:
                if json.loads(marker.read_text()).get("fingerprint") == print_:
                    result.status, result.path = "skipped", json.loads(marker.read_text()).get("path", "")
                    return result
            except ValueError:
                pass  # a damaged marker: grade again
        with submission_lock:
            marker.unlink(missing_ok=True)  # until this grading completes, the submission is not graded
            result.path, result.error, result.notes = _autograde(config)
            if not result.error:
                result.score, result.max_score = _score(config, assignment, student)
                _write_marker(marker, {"fingerprint": print_, "path": result.path, "score": result.score,
                                       "notes": result.notes, "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S")})
                result.status = "graded"
    except Exception as exc:  # bulk work survives one bad submission: record it and go on
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        result.seconds = time.perf_counter() - start
    return result


def _config(course_root: Path, assignment: str, student: str):
    from nbgrader.coursedir import CourseDirectory

    from .settings import load_course_config
    from .submission import NEVER_COPIED

    config = load_course_config(course_root / "nbgrader_config.py")
    config.CourseDirectory.root = str(course_root)
    config.CourseDirectory.assignment_id = assignment
    config.CourseDirectory.student_id = student
    ignore = config.CourseDirectory.ignore if "ignore" in config.CourseDirectory else CourseDirectory.ignore.default()
    config.CourseDirectory.ignore = list(ignore) + [p for p in NEVER_COPIED if p not in ignore]
    return config


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def _sanitize_preprocessors(config) -> list:
    """nbgrader's sanitizing (or the course's), with every instructor cell first made as in source/."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import DeduplicateIds, OverwriteCells

    from .preprocessors import IgnoreLearnerPython
    from .submission import RestoreInstructorCells

    chain = list(config.Autograde.sanitize_preprocessors if "sanitize_preprocessors" in config.Autograde
                 else Autograde.sanitize_preprocessors.default())
    if RestoreInstructorCells not in chain:  # before the steps that trust the metadata to be a dict
        first = min((chain.index(p) for p in (DeduplicateIds, OverwriteCells) if p in chain), default=0)
        chain.insert(first, RestoreInstructorCells)
    if IgnoreLearnerPython not in chain:  # once locked cells hold source/'s code again
        chain.insert(chain.index(OverwriteCells) + 1 if OverwriteCells in chain else len(chain), IgnoreLearnerPython)
    return chain


def _autograde(config) -> tuple[str, str, list[str]]:
    """Run nbgrader's Autograde converter for one student; (path taken, error or "", notes)."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    from . import submission
    from .fastpath import paths_taken

    global FAST_PREPROCESSORS
    FAST_PREPROCESSORS = FAST_PREPROCESSORS or _fast_preprocessors()
    student = config.CourseDirectory.student_id
    config.Autograde.autograde_preprocessors = FAST_PREPROCESSORS
    config.Autograde.sanitize_preprocessors = _sanitize_preprocessors(config)
    config.Autograde.force = True  # skipping unchanged submissions is decided by the marker
    log = logging.getLogger(f"webgrader.autograde.{student}")
    log.propagate = False
    collected = _Collect()
    log.handlers = [collected]
    log.setLevel(logging.INFO)
    before, notes_before = len(paths_taken), len(submission.notes)
    converter = Autograde(coursedir=CourseDirectory(config=config), config=config, log=log)
    try:
        with warnings.catch_warnings():
            # nbgrader's gradebook code trips SQLAlchemy's autoflush warnings on every submission:
            # noise for instructors, not a problem (plain nbgrader autograde prints them too).
            warnings.filterwarnings("ignore", message=".*not in session.*")
            with _gradebook_engines_reused(), _metadata_schema_checked_once():
                converter.start()
    except NbGraderException:
        return "", _reason(collected.lines), []
    taken = [path for _, path in paths_taken[before:]]
    path = next((p for p in taken if p != "fast"), "fast") if taken else "fast"
    return path, "", [note for _, note in submission.notes[notes_before:]]


_ENGINES: dict = {}


@contextlib.contextmanager
def _gradebook_engines_reused():
    """While nbgrader autogrades here, every gradebook it opens for a URL shares one SQLAlchemy engine.

    nbgrader opens the gradebook about 11 times a submission, each time with a new engine whose
    cache of compiled SQL starts empty: about 0.1 s a submission. `Gradebook.close()` still
    disposes of the engine's connections each time, so no connection outlives a gradebook.
    Each opening also asks the database about each of its 13 tables, to make those missing:
    that is asked once, in one query, and only a database that lacks a table has them made.
    """
    import nbgrader.api
    from sqlalchemy import inspect

    original = nbgrader.api.create_engine
    metadata = nbgrader.api.Base.metadata
    create_all = metadata.create_all
    nested = "create_all" in vars(metadata)  # inside another of these (the service's worker holds one)

    def create_missing_tables(bind=None, **options):
        if set(metadata.tables) <= set(inspect(bind).get_table_names()):
            return
        create_all(bind=bind, **options)

    def shared_engine(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in _ENGINES:
            if len(_ENGINES) >= 4:  # other courses' engines (tests make many): the oldest goes
                _ENGINES.pop(next(iter(_ENGINES))).dispose()
            _ENGINES[key] = original(url, **options)
        return _ENGINES[key]

    nbgrader.api.create_engine = shared_engine
    metadata.create_all = create_missing_tables
    try:
        yield
    finally:
        nbgrader.api.create_engine = original
        if nested:
            metadata.create_all = create_all  # the enclosing one's
        else:
            del metadata.create_all  # the class's own method again


_VALIDATORS: dict = {}


@contextlib.contextmanager
def _metadata_schema_checked_once():
    """While nbgrader autogrades here, its cell-metadata schema is checked once, not at every cell.

    nbgrader validates each cell's metadata with `jsonschema.validate()`, which first checks the
    schema itself against the JSON Schema meta-schema: 4 ms a call, about 0.07 s a submission.
    The same validator class with the same schema finds the same errors (`validate()` raises the
    best match of them, as here).
    """
    import jsonschema
    import nbgrader.nbgraderformat.common as common

    def validate(instance, schema, *args, **kwargs):
        if args or kwargs:
            return jsonschema.validate(instance, schema, *args, **kwargs)
        key = json.dumps(schema, sort_keys=True)
        if key not in _VALIDATORS:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            _VALIDATORS[key] = cls(schema)
        error = jsonschema.exceptions.best_match(_VALIDATORS[key].iter_errors(instance))
        if error is not None:
            raise error

    original = common.jsonschema
    common.jsonschema = types.SimpleNamespace(validate=validate)
    try:
        yield
    finally:
        common.jsonschema = original


def _reason(log_lines: list[str]) -> str:
    """The gist of nbgrader's complaints: a traceback's last line, other messages' first."""
    gist = []
    for message in log_lines:
        lines = [line for line in message.strip().splitlines() if line.strip()]
        if not lines:
            continue
        line = lines[-1] if lines[0].startswith("Traceback") else lines[0]
        if line not in gist and not line.startswith(("Removing failed", "There was an error processing",
                                                     "Please see the")):
            gist.append(line)
    return "; ".join(gist[-3:]) or "nbgrader could not grade it"


def skip_unused_slow_imports() -> None:
    """For a grading process: never import `rfc3987_syntax` (1.7 s at every process start).

    jsonschema imports it, when installed (jupyter-events pulls it in), only to check the
    "iri" and "iri-reference" string formats, by building a grammar at import. Nothing that
    grading does checks those formats; without the module jsonschema simply does not know them.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: `import` raises ImportError


def default_workers() -> int:
    """Worker processes for the command line: one per CPU core this process may use, at most 4.

    Grading is CPU-bound (Chromium, then nbgrader's bookkeeping): on 2 cores 2 workers grade
    about 20% more a minute than one (README: Grading a whole class fast). Each worker holds a
    browser, about 0.4 GB, hence the cap; `--workers` sets any number.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _worker_init():
    skip_unused_slow_imports()
    # Workers ignore Ctrl-C: the parent decides, and waits for the submission in hand.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def autograde(course_root: str | Path, assignment: str, *, student_glob: str = "*", workers: int = 1,
              force: bool = False, scheduler: str | None = None, progress: bool = True) -> BulkReport:
    """Grade every submission of `assignment` matching `student_glob`. Library form of the CLI verb."""
    course_root = Path(course_root).resolve()
    if not (course_root / "source" / assignment).is_dir():
        raise ValueError(f"There is no assignment {assignment!r} in {course_root / 'source'}. "
                         f"Run `webgrader autograde ASSIGNMENT` in the course folder, with one of: "
                         f"{', '.join(sorted(p.name for p in (course_root / 'source').iterdir() if p.is_dir()))}")
    _ensure_in_gradebook(course_root, assignment)
    students = find_students(course_root, assignment, student_glob)
    workers = max(1, min(workers, len(students)))  # a worker without a submission would only start a browser
    report = BulkReport(assignment, where=f"Dask cluster at {scheduler}" if scheduler else
                        f"{workers} worker{'s' if workers > 1 else ''}")
    start = time.perf_counter()
    bar = _progress(len(students), enabled=progress)
    try:
        for result in _results(course_root, assignment, students, workers, force, scheduler):
            report.results.append(result)
            bar.update(1)
            if result.status == "failed":
                bar.write(f"{result.student}: not graded: {result.error}")
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        bar.close()
        report.seconds = time.perf_counter() - start
    return report


def _ensure_in_gradebook(course_root: Path, assignment: str) -> None:
    """The assignment must have been generated (nbgrader keeps its source cells in the gradebook)."""
    from nbgrader.api import MissingEntry

    with _gradebook(_config(course_root, assignment, "*")) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(f"{assignment!r} is not in the gradebook yet: run `nbgrader generate_assignment "
                             f"{assignment}` in {course_root} first.") from None


def _results(course_root, assignment, students, workers, force, scheduler):
    if scheduler:
        from distributed import Client, as_completed as dask_completed

        with Client(scheduler) as client:
            futures = [client.submit(grade_one, str(course_root), assignment, s, force, pure=False) for s in students]
            for future in dask_completed(futures):
                yield future.result()
        return
    if workers <= 1:
        for student in students:
            yield grade_one(course_root, assignment, student, force)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_worker_init) as pool:
        futures = [pool.submit(grade_one, str(course_root), assignment, s, force) for s in students]
        try:
            for future in as_completed(futures):
                yield future.result()
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            raise


class _NoBar:
    def update(self, n): pass
    def write(self, text): print(text, file=sys.stderr)
    def close(self): pass


def _progress(total: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="submission", file=sys.stderr, dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]")

