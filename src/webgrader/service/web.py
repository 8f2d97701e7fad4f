"""HTTP: the learner's pages and the JSON API, both answering only what the caller may see.

A submission that is not the caller's answers exactly as one that does not exist (404), so ids
cannot be probed. Programs send `Authorization: token ...` and need no XSRF token; browser
forms carry tornado's XSRF token.

Every request is answered in its reader's language (languages.py): `prepare` chooses it and
holds it with `language.speaking` until the request is finished. Tornado runs each request's
handler in its own asyncio task, with its own copy of the context, so two learners' requests
never share it, even across an `await`.
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
from dataclasses import dataclass, field
from pathlib import Path

from tornado import web

from .. import language
from ..messages import languages, t
from . import html
from .auth import COOKIE, HubOAuthenticated, User, from_hub_model, from_token
from .languages import COOKIE as LANGUAGE_COOKIE
from .languages import COOKIE_DAYS as LANGUAGE_COOKIE_DAYS
from .languages import CourseLanguages, safe_target
from .checks import Refused, released_assignments
from .db import QUEUED, Database, Submission, utcnow
from .storage import Storage, new_id, safe_name

# Feedback pages hold learner content: shown sandboxed (no scripts, no access to this origin's cookies).
FEEDBACK_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"


@dataclass
class Context:
    course_root: Path
    options: object  # WebGraderService
    db: Database
    storage: Storage
    queue: object  # GradingQueue
    languages: CourseLanguages = field(default=None)

    def __post_init__(self):
        if self.languages is None:
            self.languages = CourseLanguages(self.course_root)


class Base(web.RequestHandler):
    def initialize(self, ctx: Context):
        self.ctx = ctx
        if self.ctx.options.auth == "hub":
            self.hub_auth = self.settings["hub_auth"]

    @property
    def base(self) -> str:
        return self.settings["base"]

    def get_current_user(self):
        return from_token(self, self.ctx.db, set(self.ctx.options.instructors))

    def check_xsrf_cookie(self):
        if self.request.headers.get("Authorization"):
            return None  # a program with a token: not a browser that another site could drive
        return super().check_xsrf_cookie()

    def set_default_headers(self):
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Vary", "Accept-Language, Cookie")  # the language of a page depends on them

    # --- the reader's language, for this request only ---
    @property
    def reader_language(self) -> str:
        """Her choice (cookie) > the roster > Accept-Language > the course's default > English."""
        if not hasattr(self, "_reader_language"):
            try:
                user = self.current_user
                self._reader_language = language.of_reader(
                    self.ctx.languages.config(), user.name if user else None,
                    chosen=self.get_cookie(LANGUAGE_COOKIE), accept_language=self.request.headers.get("Accept-Language"))
            except Exception:  # never the reason a page fails: its error page must still be written
                logging.getLogger("webgrader.service").exception("choosing the language of %s", self.request.path)
                self._reader_language = language.ENGLISH
        return self._reader_language

    def prepare(self):
        self._speaking = contextlib.ExitStack()
        self._speaking.enter_context(language.speaking(self.reader_language))
        self.set_header("Content-Language", language.current())

    def on_finish(self):
        speaking = getattr(self, "_speaking", None)
        if speaking is not None:
            self._speaking = None
            try:
                speaking.close()
            except ValueError:  # finished from another context than it started in: that context ends anyway
                pass

    def _signed_out(self) -> bool:
        try:
            return self.current_user is None
        except Exception:  # what failed is who is calling: say nothing about signing in
            return False

    @property
    def switch(self) -> str:
        """The language switch of this page: back to this very page (a GET), else to the home page."""
        here = self.request.path if self.request.method in ("GET", "HEAD") else self.base
        return html.language_switch(self.base, safe_target(self.base, here), language.current())

    @property
    def xsrf_field(self) -> str:
        return self.xsrf_form_html()

    def owned(self, submission_id: str) -> Submission:
        """The caller's submission (any, for an instructor); 404 for anything else."""
        try:
            self.ctx.storage.folder(submission_id)
        except ValueError:
            raise web.HTTPError(404) from None
        sub = self.ctx.db.get(submission_id)
        if sub is None or not self.current_user.may_see(sub.student):
            raise web.HTTPError(404)
        return sub

    def feedback_names(self, sub: Submission) -> list[str]:
        if sub.status != "graded":
            return []
        folder = self.ctx.storage.feedback_folder(sub.id)
        return sorted(p.name for p in folder.glob("*.html")) if folder.is_dir() else []

    async def accept(self, assignment: str, filename: str, data: bytes) -> tuple[Submission, str]:
        """Check, store durably, commit, queue: only then is the upload acknowledged."""
        from tornado.ioloop import IOLoop

        user = self.current_user
        if not safe_name(user.name):
            raise Refused("service.refused.bad_name", status=403, name=user.name[:80])
        sub = await IOLoop.current().run_in_executor(  # the executor's thread gets this request's language too
            None, contextvars.copy_context().run, self._store, user, assignment, filename, data)
        self.ctx.queue.poke()
        notice = t("service.accepted")
        return sub, notice

    def _store(self, user: User, assignment: str, filename: str, data: bytes) -> Submission:
        from .checks import check_upload

        now = utcnow()
        ok = check_upload(self.ctx.course_root, assignment, filename, data, max_mb=self.ctx.options.max_upload_mb,
                          accept_late=self.ctx.options.accept_late, now=now)
        sub_id = new_id()
        self.ctx.storage.write_notebook(sub_id, ok.notebook, data)
        sub = Submission(id=sub_id, student=user.name, assignment=ok.assignment, notebook=ok.notebook,
                         received_at=now, late_seconds=ok.late_seconds, status=QUEUED, message="", detail="",
                         gradings=0)
        self.ctx.db.add(sub)
        return sub

    def write_error(self, status_code, **kwargs):
        # (an XSRF or method refusal comes before prepare: the language is chosen here then)
        with language.speaking(self.reader_language):
            self.set_header("Content-Language", language.current())  # (send_error cleared the headers)
            if self.request.path.startswith(self.base + "api/"):
                if status_code == 404:
                    message = t("service.not_found")
                elif status_code == 403 and self._signed_out():
                    message = t("service.signin.needed")
                else:
                    message = self._reason
                self.finish({"error": status_code, "message": message})
            else:
                self.finish(html.page(str(status_code), html.message(
                    t("service.not_found") if status_code == 404 else f"{status_code} {self._reason}", True)
                    + f'<p><a href="{self.base}">{t("service.back")}</a></p>', switch=self.switch))


class Home(Base):
    def get(self):
        if self.current_user is None:
            if self.ctx.options.auth == "hub":
                return self.redirect(self.get_login_url())
            return self.finish(html.page(t("service.signin.title"), html.signin(self.base + "login", self.xsrf_field),
                                         switch=self.switch))
        self.finish(self.home())

    def home(self, notice: str = "", error: str = "") -> str:
        user = self.current_user
        subs = self.ctx.db.submissions(None if user.instructor else user.name)
        return html.home(user, self.base, self.xsrf_field, released_assignments(self.ctx.course_root), subs,
                         self.ctx.options.max_upload_mb, notice, error, switch=self.switch)


class Login(Base):
    def post(self):
        token = self.get_body_argument("token", "").strip()
        if not from_token_value(self.ctx.db, token):
            self.set_status(403)
            return self.finish(html.page(t("service.signin.title"), html.signin(
                self.base + "login", self.xsrf_field, t("service.signin.wrong")), switch=self.switch))
        self.set_signed_cookie(COOKIE, token, expires_days=30, httponly=True, samesite="Lax", path=self.base)
        self.redirect(self.base)


def from_token_value(db, token: str):
    from .tokens import who

    return who(db, token)


class Language(Base):
    """The language switch: GET language?lang=sv&next=PATH. It changes nothing but the language
    this browser reads the service in, so it needs no XSRF token (a form post would): the worst a
    link from elsewhere can do is show her pages in another of webgrader's languages, with the
    switch at the top to change it back. A value that is not one of them is ignored, and it goes
    back only to a path inside the service."""

    def get(self):
        lang = self.get_query_argument("lang", "")
        if lang in languages():
            self.set_cookie(LANGUAGE_COOKIE, lang, path=self.base, expires_days=LANGUAGE_COOKIE_DAYS, httponly=True,
                            samesite="Lax", secure=self.request.protocol == "https")
        self.redirect(safe_target(self.base, self.get_query_argument("next", self.base)))


class Logout(Base):
    def post(self):
        self.clear_cookie(COOKIE, path=self.base)
        self.redirect(self.base)


class Upload(Home):
    @web.authenticated
    async def post(self):
        files = self.request.files.get("notebook") or [{}]
        upload = files[0]
        try:
            sub, notice = await self.accept(self.get_body_argument("assignment", ""), upload.get("filename", ""),
                                            upload.get("body", b""))
        except Refused as refusal:
            self.set_status(refusal.status)
            return self.finish(self.home(error=refusal.message))
        self.redirect(f"{self.base}submissions/{sub.id}?new=1")


class SubmissionPage(Base):
    @web.authenticated
    def get(self, submission_id):
        sub = self.owned(submission_id)
        notice = t("service.accepted") if self.get_query_argument("new", "") else ""
        self.finish(html.submission(sub, self.base, self.feedback_names(sub), self.ctx.options.refresh_seconds, notice,
                                    switch=self.switch, grading_timeout=self.ctx.options.grading_timeout))


class Feedback(Base):
    @web.authenticated
    def get(self, submission_id, name):
        sub = self.owned(submission_id)
        if name not in self.feedback_names(sub):  # only names that exist: no path is built from `name` otherwise
            raise web.HTTPError(404)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy", FEEDBACK_CSP)
        self.clear_header("Content-Language")  # written in the language of her feedback, which says so itself
        self.finish((self.ctx.storage.feedback_folder(sub.id) / name).read_bytes())


class ApiBase(Base):
    def prepare(self):
        super().prepare()
        if self.current_user is None:
            raise web.HTTPError(403)

    def refuse(self, refusal: Refused):
        self.set_status(refusal.status)
        self.finish({"error": refusal.key, "message": refusal.message})


class ApiAssignments(ApiBase):
    def get(self):
        self.finish({"assignments": released_assignments(self.ctx.course_root)})


class ApiRelease(ApiBase):
    """A released assignment's files as one zip, for the HTTP exchange's fetch."""

    def get(self, assignment):
        import io
        import zipfile

        if assignment not in released_assignments(self.ctx.course_root):
            raise web.HTTPError(404)
        folder = self.ctx.course_root / "release" / assignment
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink() and not any(p.startswith(".") for p in path.relative_to(folder).parts):
                    zf.write(path, str(path.relative_to(folder)))
        self.set_header("Content-Type", "application/zip")
        self.finish(buffer.getvalue())


class ApiSubmissions(ApiBase):
    def get(self):
        user = self.current_user
        student = self.get_query_argument("student", None) if user.instructor else user.name
        subs = self.ctx.db.submissions(student, self.get_query_argument("assignment", None))
        self.finish({"submissions": [dict(s.as_dict(), feedback=self.feedback_names(s)) for s in subs]})

    async def post(self):
        """A notebook as the body (or a multipart form with `notebook`); ?assignment=NAME&filename=NAME."""
        files = self.request.files.get("notebook")
        if files:
            filename, data = files[0].get("filename", ""), files[0].get("body", b"")
        else:
            filename, data = self.get_argument("filename", ""), self.request.body
        try:
            sub, _ = await self.accept(self.get_argument("assignment", ""), filename, data)
        except Refused as refusal:
            return self.refuse(refusal)
        self.set_status(201)
        self.finish(sub.as_dict())


class ApiSubmission(ApiBase):
    def get(self, submission_id):
        sub = self.owned(submission_id)
        data = dict(sub.as_dict(), feedback=self.feedback_names(sub))
        if self.current_user.instructor:
            data["detail"] = sub.detail
        self.finish(data)


def handlers(ctx: Context, base: str) -> list:
    routes = [
        (r"", Home), (r"login", Login), (r"logout", Logout), (r"language", Language), (r"upload", Upload),
        (r"submissions/([^/]+)", SubmissionPage), (r"submissions/([^/]+)/feedback/([^/]+)", Feedback),
        (r"api/assignments", ApiAssignments), (r"api/assignments/([^/]+)/release.zip", ApiRelease), (r"api/submissions", ApiSubmissions),
        (r"api/submissions/([^/]+)", ApiSubmission), (r"api/submissions/([^/]+)/feedback/([^/]+)", Feedback),
    ]
    if ctx.options.auth != "hub":
        return [(base + pattern, cls, {"ctx": ctx}) for pattern, cls in routes]
    from .auth import HubOAuthCallbackHandler

    # Behind a hub the hub's mixin comes first: its sign-in, XSRF and token handling win.
    out = [(base + pattern, type(cls.__name__, (HubRoles, cls), {}), {"ctx": ctx}) for pattern, cls in routes]
    out.append((base + "oauth_callback", HubOAuthCallbackHandler))
    return out


class HubRoles(HubOAuthenticated):
    """The hub says who is calling; the hub groups say learner or instructor."""

    def get_current_user(self):
        return from_hub_model(super().get_current_user(), self.ctx.options)

    def check_xsrf_cookie(self):
        # tornado checks XSRF before anyone asks who is calling, so the hub's own "token, no
        # XSRF" rule has not yet run: a request with a token header cannot come from another
        # site's page (browsers never add that header), so it needs no XSRF token.
        if self.request.headers.get("Authorization"):
            return None
        return super().check_xsrf_cookie()
