"""Who grades what: queued submissions go to free warm workers, each graded once.

Submissions of one learner for one assignment are graded one after another, oldest first
(submitted/STUDENT/ASSIGNMENT holds one at a time, and the newest is left there, as nbgrader's
"newest counts"). A worker that dies or overruns `grading_timeout` is replaced; what it held
goes back to the queue (dead) or is marked failed with a message (too slow).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from pathlib import Path

from ..messages import t
from .db import FAILED, GRADED, GRADING, QUEUED, Database, Submission, utcnow
from .storage import Storage

log = logging.getLogger("webgrader.service")

MAX_DEATHS = 2  # a submission whose grading kills its worker this often is marked failed
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"  # nbgrader's timestamp.txt, in UTC


class WorkerDied(Exception):
    pass


class Worker:
    """One grading process and the pipe to it."""

    def __init__(self, context, course_root: Path | None = None):
        from . import worker

        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker.main, args=(child, str(course_root or "")), daemon=True,
                                       name="webgrader-grader")
        self.process.start()
        child.close()
        self.ready = False

    async def _receive(self, timeout: float | None):
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        fd = self.conn.fileno()
        loop.add_reader(fd, lambda: readable.done() or readable.set_result(None))
        try:
            await asyncio.wait_for(readable, timeout)
        finally:
            loop.remove_reader(fd)
        try:
            return self.conn.recv()
        except (EOFError, OSError) as exc:
            raise WorkerDied(str(exc)) from exc

    async def call(self, job: dict, timeout: float) -> dict:
        if not self.ready:  # the warm-up's hello comes first
            await self._receive(None)
            self.ready = True
        try:
            self.conn.send(job)
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(str(exc)) from exc
        return await self._receive(timeout)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)


class GradingQueue:
    def __init__(self, db: Database, storage: Storage, course_root: Path, workers: int, timeout: float):
        self.db, self.storage, self.course_root = db, storage, Path(course_root)
        self.size, self.timeout = max(1, workers), timeout
        self.context = multiprocessing.get_context("spawn")
        self.idle: list[Worker] = []
        self.busy_keys: set[tuple[str, str]] = set()
        self.wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._stopping = False
        self.deaths: dict[str, int] = {}  # submission id -> workers that died grading it, in this process

    def start(self) -> None:
        again = self.db.requeue_interrupted()
        if again:
            log.warning("%d submission(s) were being graded when the service stopped: graded again now", again)
        self.idle = [Worker(self.context, self.course_root) for _ in range(self.size)]
        self._runner = asyncio.get_running_loop().create_task(self._run())

    def poke(self) -> None:
        self.wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                self._dispatch()
            except Exception:  # a database hiccup: try again at the next tick
                log.exception("dispatching submissions failed")
            try:
                await asyncio.wait_for(self.wake.wait(), 1.0)
            except asyncio.TimeoutError:
                pass
            self.wake.clear()

    def _dispatch(self) -> None:
        if not self.idle:
            return
        for sub in self.db.queued():
            key = (sub.student, sub.assignment)
            if key in self.busy_keys:
                continue
            if not self.db.move(sub.id, QUEUED, GRADING, started_at=utcnow()):
                continue
            worker = self.idle.pop()
            self.busy_keys.add(key)
            task = asyncio.get_running_loop().create_task(self._grade(worker, sub))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            if not self.idle:
                return

    def job(self, sub: Submission) -> dict:
        return {"course_root": str(self.course_root), "submission_id": sub.id, "student": sub.student,
                "assignment": sub.assignment, "notebook": sub.notebook,
                "stored": str(self.storage.notebook(sub.id, sub.notebook)),
                "timestamp": sub.received_at.strftime(TIMESTAMP_FORMAT),
                "feedback_dir": str(self.storage.feedback_folder(sub.id))}

    async def _grade(self, worker: Worker, sub: Submission) -> None:
        key = (sub.student, sub.assignment)
        try:
            out = await worker.call(self.job(sub), self.timeout)
        except WorkerDied:
            worker.kill()
            worker = Worker(self.context, self.course_root)
            self.deaths[sub.id] = self.deaths.get(sub.id, 0) + 1
            if self.deaths[sub.id] >= MAX_DEATHS:  # it is the submission that kills workers: stop trying
                self.db.move(sub.id, GRADING, FAILED, finished_at=utcnow(), message=t("service.status.not_graded"),
                             detail=f"its grading worker died {MAX_DEATHS} times (out of memory?); see the service's log")
            else:
                log.warning("a grading worker died while grading %s; replaced, and the submission queued again", sub.id)
                self.db.move(sub.id, GRADING, QUEUED, started_at=None)
            return
        except asyncio.TimeoutError:
            worker.kill()
            worker = Worker(self.context, self.course_root)
            self.db.move(sub.id, GRADING, FAILED, finished_at=utcnow(),
                         message=t("service.status.too_slow", seconds=self.timeout),
                         detail=f"grading took more than c.WebGraderService.grading_timeout = {self.timeout:g} s")
            return
        finally:
            self.busy_keys.discard(key)
            if not self._stopping:
                self.idle.append(worker)
            self.poke()
        self._record(sub, out)

    def _record(self, sub: Submission, out: dict) -> None:
        if out["status"] == "graded" and out["feedback"]:
            self.db.move(sub.id, GRADING, GRADED, finished_at=utcnow(), score=out["score"],
                         max_score=out["max_score"], grading_path=out["path"], message="", detail="")
        else:
            detail = out["error"] or "nbgrader made no feedback for this submission"
            log.warning("%s %s (%s) not graded: %s", sub.student, sub.assignment, sub.id, detail)
            self.db.move(sub.id, GRADING, FAILED, finished_at=utcnow(), grading_path=out["path"],
                         message=t("service.status.not_graded"), detail=detail)

    async def stop(self) -> None:
        self._stopping = True
        self.poke()
        for worker in self.idle:
            worker.stop()
        for task in list(self._tasks):
            task.cancel()
