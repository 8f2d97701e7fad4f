"""Durable state: accepted submissions, their grading status, and sign-in tokens.

Status moves queued -> grading -> graded | failed, each step one compare-and-set UPDATE, so
that two processes (or a restart) can never both move the same submission: a submission
leaves "grading" once, and `gradings` counts how many times grading completed (always 1).
"""
from __future__ import annotations

import datetime
from contextlib import contextmanager

from sqlalchemy import DateTime, Float, Integer, String, Text, create_engine, event, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

QUEUED, GRADING, GRADED, FAILED = "queued", "grading", "graded", "failed"


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Submission(Base):
    __tablename__ = "webgrader_submissions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, never guessable
    student: Mapped[str] = mapped_column(String(128), index=True)
    assignment: Mapped[str] = mapped_column(String(128), index=True)
    notebook: Mapped[str] = mapped_column(String(256))
    received_at: Mapped[datetime.datetime] = mapped_column(DateTime, index=True)  # UTC
    late_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), index=True, default=QUEUED)
    message: Mapped[str] = mapped_column(Text, default="")  # for the learner, in plain words
    detail: Mapped[str] = mapped_column(Text, default="")  # for the instructor
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    grading_path: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime.datetime | None] = mapped_column(DateTime, nullable=True)
    gradings: Mapped[int] = mapped_column(Integer, default=0)

    def as_dict(self) -> dict:
        return {"id": self.id, "student": self.student, "assignment": self.assignment, "notebook": self.notebook,
                "received_at": self.received_at.isoformat() + "Z", "late_seconds": self.late_seconds,
                "status": self.status, "message": self.message, "score": self.score, "max_score": self.max_score,
                "gradings": self.gradings}


class Token(Base):
    __tablename__ = "webgrader_tokens"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token, never the token
    user: Mapped[str] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(16))  # "learner" or "instructor"
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime)


class Database:
    def __init__(self, url: str):
        if url.startswith("postgresql://"):  # SQLAlchemy's default driver is psycopg2; webgrader[postgres] is psycopg 3
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        self.url = url
        options = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {"pool_pre_ping": True}
        self.engine = create_engine(url, **options)
        if url.startswith("sqlite"):
            @event.listens_for(self.engine, "connect")
            def _wal(conn, _):  # readers do not wait for the writer; a commit survives a kill
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self):
        with self._sessions() as s, s.begin():
            yield s

    def add(self, row) -> None:
        with self.session() as s:
            s.add(row)

    def get(self, submission_id: str) -> Submission | None:
        with self.session() as s:
            return s.get(Submission, submission_id)

    def submissions(self, student: str | None = None, assignment: str | None = None) -> list[Submission]:
        query = select(Submission).order_by(Submission.received_at, Submission.id)
        if student is not None:
            query = query.where(Submission.student == student)
        if assignment is not None:
            query = query.where(Submission.assignment == assignment)
        with self.session() as s:
            return list(s.scalars(query))

    def queued(self) -> list[Submission]:
        with self.session() as s:
            return list(s.scalars(select(Submission).where(Submission.status == QUEUED)
                                  .order_by(Submission.received_at, Submission.id)))

    def move(self, submission_id: str, before: str, after: str, **values) -> bool:
        """Set the status from `before` to `after` (and values) only if it is still `before`."""
        if after in (GRADED, FAILED):
            values["gradings"] = Submission.gradings + 1
        with self.session() as s:
            done = s.execute(update(Submission).where(Submission.id == submission_id, Submission.status == before)
                             .values(status=after, **values))
            return done.rowcount == 1

    def requeue_interrupted(self) -> int:
        """After a crash: gradings that never completed are queued again (nothing was recorded for them)."""
        with self.session() as s:
            return s.execute(update(Submission).where(Submission.status == GRADING)
                             .values(status=QUEUED, started_at=None)).rowcount
