"""The live preview of a learner's page, as a display bundle for JupyterLab.

The bundle carries only the page files as text (`application/vnd.webgrader.preview+json`):
webgrader's JupyterLab extension builds the page from them in a sandboxed frame, fetches
images from the notebook's folder when it shows the page, and stops runaway scripts. So
the notebook stays small (no picture is copied into it) and a loop in the learner's
script cannot freeze JupyterLab. Where the extension is missing (nbconvert, feedback
pages, another front end) a short static note is shown instead, which runs no script.
"""
from __future__ import annotations

import html

from .messages import t

MIME_TYPE = "application/vnd.webgrader.preview+json"
VERSION = 1


def preview_bundle(entry: str, files: dict[str, str], saved: str | None = None) -> dict:
    """The display data of a preview of `entry`, built from the page files `files`."""
    data = {"version": VERSION, "entry": entry, "files": dict(files)}
    if saved:
        data["saved"] = saved
    plain = t("preview.fallback", entry=entry, files=", ".join(sorted(files)))
    return {
        MIME_TYPE: data,
        "text/plain": plain,
        "text/html": f"<p><small>{html.escape(plain)}</small></p>",
    }
