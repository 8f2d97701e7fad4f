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
# What a page cell may hold: text files a web page is made of.
PAGE_SUFFIXES = CODE_SUFFIXES | {".json", ".svg", ".txt", ".csv", ".xml", ".md"}

MAGIC_RE = re.compile(r"^\s*%%page\s+(\S+)\s*$")
# A page cell, as IPython reads it: `%%page` alone or followed by blanks and the rest of the line
# (the name, checked by `page_name` when the cell is stored, exactly as the magic does).
PAGE_LINE = re.compile(r"%%page(?:[ \t](.*))?")

# The one rule for page names: a relative path of folders and a file, each made of letters,
# digits, '-', '_' and '.', none starting with '.' (so no '..', no hidden files), separated by
# '/', ending in a page file type. The same on every machine and for every reader (Windows
# backslashes, absolute paths and climbing out are all refused, not rewritten), and short.
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_PAGE_NAME = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
MAX_PAGE_NAME = 100

_files: dict[str, str] = {}
_refused: list[str] = []  # why page cells run in this process were not stored, for the checks that miss them


class PageNameError(ValueError):
    """A `%%page` name outside the rule; its text is the plain message for the learner."""

    def __init__(self, name: str):
        self.name = name.strip()
        if not self.name:
            message = t("page.name.missing")
        else:
            message = t("page.name.refused", name=self.name[:MAX_PAGE_NAME])
        super().__init__(message)


def page_name(name: str) -> str:
    """The file name of a `%%page NAME` cell, checked against the rule above; raises PageNameError.
    Used alike by the kernel's magic, the kernel-free grader and the preview."""
    name = name.strip()
    if (len(name) > MAX_PAGE_NAME or not _PAGE_NAME.fullmatch(name)
            or PurePosixPath(name).suffix.lower() not in PAGE_SUFFIXES):
        raise PageNameError(name)
    return name


def normalise_name(name: str) -> str:
    """A URL's path as a file name: '/css/style.css' -> 'css/style.css'; rejects names that
    climb out of the folder. (Page cells' names follow the stricter `page_name`.)"""
    path = PurePosixPath(name.strip().replace("\\", "/"))
    parts = [p for p in path.parts if p not in ("", ".", "/")]
    if not parts or any(p == ".." for p in parts):
        raise ValueError(t("page.bad_name", name=name.strip()))
    return "/".join(parts)


def store(name: str, text: str) -> str:
    """Keep `text` as the page file `name`; a name outside the rule is refused (PageNameError),
    and remembered, so that a check that misses the file can say why."""
    try:
        name = page_name(name)
    except PageNameError as refused:
        if str(refused) not in _refused:
            _refused.append(str(refused))
        raise
    _files[name] = text
    return name


def keep_only(names) -> None:
    """Forget the stored page files whose cells are no longer on screen (the JupyterLab extension
    says which are, before each check): a cell whose `%%page` line was deleted gives no file."""
    on_screen = {str(name).strip() for name in names}
    for name in [name for name in _files if name not in on_screen]:
        del _files[name]


def refusals() -> list[str]:
    """The messages of page cells refused since the last `clear()`."""
    return list(_refused)


def current() -> dict[str, str]:
    """A copy of the page files stored so far in this process."""
    return dict(_files)


def clear() -> None:
    _files.clear()
    _refused.clear()


def content_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    guessed = guessed or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/javascript", "application/json"):
        guessed += "; charset=utf-8"
    return guessed


def page_cell(source: str) -> tuple[str, str] | None:
    """(name as written, body) when a code cell's source is a page cell, else None."""
    first, _, body = source.partition("\n")
    match = PAGE_LINE.fullmatch(first)
    return None if match is None else ((match.group(1) or "").strip(), body)


def files_from_cell_source(source: str) -> tuple[str, str] | None:
    """(name, body) when a cell's source is a `%%page NAME` cell, else None."""
    first, _, body = source.partition("\n")
    match = MAGIC_RE.match(first)
    if not match:
        return None
    return page_name(match.group(1)), body
