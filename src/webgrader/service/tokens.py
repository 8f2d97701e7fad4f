"""Sign-in tokens for a course without a hub: one per learner, stored only as a hash."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select

from .db import Database, Token, utcnow
from .storage import safe_name

LEARNER, INSTRUCTOR = "learner", "instructor"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(db: Database, user: str, role: str = LEARNER) -> str:
    """A new token for `user` (replacing any earlier one); returned once, stored hashed."""
    if not safe_name(user):
        raise ValueError(f"{user!r} cannot be a learner name: use letters, digits and . _ - @ + (at most 128), "
                         "starting with a letter or digit.")
    if role not in (LEARNER, INSTRUCTOR):
        raise ValueError(f"role must be {LEARNER!r} or {INSTRUCTOR!r}, not {role!r}")
    token = secrets.token_urlsafe(24)
    with db.session() as s:
        s.execute(delete(Token).where(Token.user == user))
        s.add(Token(digest=digest(token), user=user, role=role, created_at=utcnow()))
    return token


def who(db: Database, token: str) -> tuple[str, str] | None:
    """(user, role) for a token, or None."""
    if not token:
        return None
    with db.session() as s:
        row = s.get(Token, digest(token.strip()))
        return (row.user, row.role) if row else None


def listing(db: Database) -> list[tuple[str, str]]:
    with db.session() as s:
        return [(r.user, r.role) for r in s.scalars(select(Token).order_by(Token.user))]


def revoke(db: Database, user: str) -> bool:
    with db.session() as s:
        return s.execute(delete(Token).where(Token.user == user)).rowcount > 0
