"""The learner's page files: what `%%page` cells store and the grader serves.

Grading reads page files only from here (filled by running the page cells), never
from disk, so a learner who deleted a page cell cannot score with a stale file.
"""
from __future__ import annotations

import mimetypes
import re
from pathlib import PurePosixPath

from .messages import t

# Files that only page cells may provide: never served from disk while grading.
CODE_SUFFIXES = {".html", ".htm", ".css", ".js", ".mjs"}

MAGIC_RE = re.compile(r"^\s*%%page\s+(\S+)\s*$")

_files: dict[str, str] = {}


def normalise_name(name: str) -> str:
    """'./css/style.css' -> 'css/style.css'; rejects names that climb out of the folder."""
    path = PurePosixPath(name.strip().replace("\\", "/"))
    parts = [p for p in path.parts if p not in ("", ".", "/")]
    if not parts or any(p == ".." for p in parts):
        raise ValueError(t("page.bad_name", name=name.strip()))
    return "/".join(parts)


def store(name: str, text: str) -> str:
    name = normalise_name(name)
    _files[name] = text
    return name


def current() -> dict[str, str]:
    """A copy of the page files stored so far in this process."""
    return dict(_files)


def clear() -> None:
    _files.clear()


def content_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    guessed = guessed or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/javascript", "application/json"):
        guessed += "; charset=utf-8"
    return guessed


def files_from_cell_source(source: str) -> tuple[str, str] | None:
    """(name, body) when a cell's source is a `%%page NAME` cell, else None."""
    first, _, body = source.partition("\n")
    match = MAGIC_RE.match(first)
    if not match:
        return None
    return normalise_name(match.group(1)), body
