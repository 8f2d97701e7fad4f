"""nbgrader's exchange over HTTP: the Assignments panel and `nbgrader fetch_assignment / submit /
fetch_feedback / list` talk to `webgrader serve` instead of a shared folder.

Set it in the learner's nbgrader_config.py:

    c.ExchangeFactory.fetch_assignment = "webgrader.service.exchange.FetchAssignment"
    c.ExchangeFactory.submit = "webgrader.service.exchange.Submit"
    c.ExchangeFactory.fetch_feedback = "webgrader.service.exchange.FetchFeedback"
    c.ExchangeFactory.list = "webgrader.service.exchange.List"
    c.WebGraderExchange.url = "http://127.0.0.1:8765/"
    c.WebGraderExchange.token = "..."        # or $WEBGRADER_TOKEN; behind a hub $JUPYTERHUB_API_TOKEN

Each command fills a private, temporary exchange folder from the service and then runs
nbgrader's own default exchange class on it, so nbgrader's behaviour stays as it is: its
timestamps, its cache of submissions in the learner's home, several submissions of one
assignment with the newest counting, feedback files named by each submission's secret. A
submit also sends each notebook to the service, which stores it, timestamps it itself (the
learner's clock decides nothing about lateness) and grades it at once; the service's id is
kept in the cached submission so that fetch_feedback finds its feedback.

The instructor's release_assignment, collect and release_feedback have nothing to move: the
service runs in the course folder, offers release/, writes submitted/ and releases each
learner's feedback as soon as it is made. The classes below say so instead of failing.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from nbgrader.exchange import default
from nbgrader.utils import notebook_hash
from traitlets import Unicode
from traitlets.config import Configurable

RECORD = "webgrader_submissions.json"  # in a cached submission: notebook -> the service's submission id


class WebGraderExchange(Configurable):
    url = Unicode("", help="Address of the course's `webgrader serve`, e.g. http://127.0.0.1:8765/ or https://hub.example/services/webgrader/.").tag(config=True)
    token = Unicode("", help="The learner's sign-in token for the service (`webgrader tokens add NAME`). Empty: $WEBGRADER_TOKEN, or behind JupyterHub $JUPYTERHUB_API_TOKEN.").tag(config=True)

    def client(self):
        import httpx

        if not self.url:
            raise ValueError("c.WebGraderExchange.url is not set in nbgrader_config.py: set it to the address of the "
                             "course's grading service (ask your instructor).")
        token = self.token or os.environ.get("WEBGRADER_TOKEN") or os.environ.get("JUPYTERHUB_API_TOKEN", "")
        return httpx.Client(base_url=self.url.rstrip("/") + "/", headers={"Authorization": f"token {token}"}, timeout=60)


class _Mirrored:
    """Runs nbgrader's default exchange class on a temporary folder filled from the service."""

    def _service(self) -> WebGraderExchange:
        return WebGraderExchange(parent=self)

    def _call(self, method: str, path: str, **kwargs):
        import httpx

        try:
            with self._service().client() as client:
                response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.fail(f"The grading service at {self._service().url} cannot be reached ({exc}). Nothing was handed "
                      "in or fetched: try again in a minute, and tell your instructor if it keeps happening.")
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            self.fail(f"The grading service at {self._service().url} refused: {message}")
        return response

    def _outbound(self, course: Path, assignments: list[str]) -> None:
        for assignment in assignments:
            data = self._call("GET", f"api/assignments/{assignment}/release.zip").content
            dest = course / "outbound" / assignment
            dest.mkdir(parents=True)
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for member in zf.infolist():  # names checked: nothing outside dest
                    target = (dest / member.filename).resolve()
                    if not member.is_dir() and target.is_relative_to(dest.resolve()):
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(zf.read(member))

    def _feedback(self, course: Path) -> None:
        """Every cached submission's feedback, named as nbgrader's fetch_feedback looks for it."""
        folder = course / "feedback"
        folder.mkdir(parents=True, exist_ok=True)
        cache = Path(self.cache) / self.coursedir.course_id
        for record in cache.glob(f"*/{RECORD}"):
            secret_file = record.parent / "submission_secret.txt"
            if not secret_file.is_file():
                continue
            secret = secret_file.read_text()
            for notebook, submission_id in json.loads(record.read_text()).items():
                with self._service().client() as client:
                    info = client.get(f"api/submissions/{submission_id}")
                    if info.status_code != 200 or not info.json().get("feedback"):
                        continue
                    page = client.get(f"api/submissions/{submission_id}/feedback/{info.json()['feedback'][0]}")
                if page.status_code == 200:
                    notebook_id = Path(notebook).stem
                    (folder / f"{notebook_hash(secret=secret, notebook_id=notebook_id)}.html").write_bytes(page.content)

    def _released(self) -> list[str]:
        return self._call("GET", "api/assignments").json()["assignments"]

    def start(self):
        mirror = Path(tempfile.mkdtemp(prefix="webgrader-exchange-"))
        self.root = str(mirror)
        course = mirror / self.coursedir.course_id
        (course / "inbound").mkdir(parents=True)
        try:
            self.fill(course)
            return super().start()
        finally:
            self.after()
            shutil.rmtree(mirror, ignore_errors=True)

    def fill(self, course: Path) -> None:
        pass

    def after(self) -> None:
        pass


class FetchAssignment(_Mirrored, default.ExchangeFetchAssignment):
    def fill(self, course):
        if self.coursedir.assignment_id in self._released():
            self._outbound(course, [self.coursedir.assignment_id])
        (course / "outbound").mkdir(exist_ok=True)


class List(_Mirrored, default.ExchangeList):
    def fill(self, course):
        self._outbound(course, self._released())
        self._feedback(course)


class FetchFeedback(_Mirrored, default.ExchangeFetchFeedback):
    def fill(self, course):
        self._feedback(course)


class Submit(_Mirrored, default.ExchangeSubmit):
    def fill(self, course):
        if self.coursedir.assignment_id in self._released():
            self._outbound(course, [self.coursedir.assignment_id])

    def copy_files(self):
        super().copy_files()  # nbgrader's own copy, timestamp and secret, into the mirror and the cache
        name = self.assignment_filename.rsplit("+", 1)[0] if self.add_random_string else self.assignment_filename
        cached = Path(self.cache_path) / name
        sent = {}
        try:
            for notebook in sorted(Path(self.src_path).glob("*.ipynb")):
                response = self._call("POST", "api/submissions", content=notebook.read_bytes(),
                                      params={"assignment": self.coursedir.assignment_id, "filename": notebook.name})
                sent[notebook.name] = response.json()["id"]
        except BaseException:
            # Not handed in: the Assignments panel must not list it as submitted.
            shutil.rmtree(cached, ignore_errors=True)
            raise
        (cached / RECORD).write_text(json.dumps(sent))
        self.log.info("Handed in to the grading service; grading has started. Fetch feedback in a few seconds.")


class _DoneByTheService:
    def start(self):
        self.log.info("Nothing to do: the grading service (webgrader serve) offers release/, writes submitted/ "
                      "and releases each learner's feedback as soon as it is graded.")


class ReleaseAssignment(_DoneByTheService, default.ExchangeReleaseAssignment):
    pass


class Collect(_DoneByTheService, default.ExchangeCollect):
    pass


class ReleaseFeedback(_DoneByTheService, default.ExchangeReleaseFeedback):
    pass
