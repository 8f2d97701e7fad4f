"""Where the service keeps files: every path is built from validated names, inside the course.

A submission's notebook is written to a new file, flushed to disk (fsync), renamed into place
and its folder synced, before its database row is committed and the learner told: once
acknowledged, a submission survives a kill or a power cut.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

# Learner, assignment and notebook names become folder and file names: only these.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


def safe_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name or "")) and ".." not in name


def new_id() -> str:
    return secrets.token_hex(16)


class Storage:
    def __init__(self, data_dir: Path):
        self.root = Path(data_dir).resolve()
        (self.root / "submissions").mkdir(parents=True, exist_ok=True)

    def folder(self, submission_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}", submission_id or ""):
            raise ValueError(f"not a submission id: {submission_id!r}")
        return self.root / "submissions" / submission_id

    def notebook(self, submission_id: str, notebook: str) -> Path:
        if not safe_name(notebook):
            raise ValueError(f"not a notebook name: {notebook!r}")
        return self.folder(submission_id) / notebook

    def feedback_folder(self, submission_id: str) -> Path:
        return self.folder(submission_id) / "feedback"

    def write_notebook(self, submission_id: str, notebook: str, data: bytes) -> Path:
        path = self.notebook(submission_id, notebook)
        path.parent.mkdir(parents=True, exist_ok=False)  # a new id: never an existing folder
        write_durably(path, data)
        return path


def write_durably(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename itself reaches the disk
    finally:
        os.close(fd)
