"""Who is calling: a learner or an instructor, from a token (standalone) or from JupyterHub.

Standalone: `Authorization: token TOKEN` (programs) or the signed cookie set by the sign-in
form (browsers). Behind a hub: JupyterHub OAuth (`HubOAuthenticated`), with roles from the
user's hub groups. Names never come from a form field or a URL.
"""
from __future__ import annotations

from dataclasses import dataclass

from .tokens import INSTRUCTOR, who

COOKIE = "webgrader-user"

try:  # only needed behind a hub: pip install 'webgrader[hub]'
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
except ImportError:  # pragma: no cover - standalone installs
    HubOAuthenticated, HubOAuthCallbackHandler = object, None


@dataclass(frozen=True)
class User:
    name: str
    instructor: bool = False

    def may_see(self, student: str) -> bool:
        return self.instructor or student == self.name


def from_token(handler, db, instructors) -> User | None:
    header = handler.request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        found = who(db, token) if scheme.lower() in ("token", "bearer") else None
    else:
        cookie = handler.get_signed_cookie(COOKIE, max_age_days=30)
        found = who(db, cookie.decode()) if cookie else None  # the cookie holds the token: revoking works
    if not found:
        return None
    name, role = found
    return User(name, role == INSTRUCTOR or name in instructors)


def from_hub_model(model: dict | None, options) -> User | None:
    if not model:
        return None
    groups = set(model.get("groups") or [])
    name = model["name"]
    if name in options.instructors or options.instructor_group in groups or model.get("admin"):
        return User(name, True)
    if options.learner_group in groups:
        return User(name, False)
    return None
