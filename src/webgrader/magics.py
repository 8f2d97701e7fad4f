"""Notebook side: the `%%page NAME` cell magic, its live preview, and short failure output.

Load it in the first cell of an assignment with `%load_ext webgrader`.
"""
from __future__ import annotations

import base64
import html
import mimetypes
import os
import re
from pathlib import Path

from . import pages
from .messages import t
from .results import CheckFailed

_LINK_RE = re.compile(r"<link\b[^>]*?href\s*=\s*[\"']?([^\"'\s>]+)[\"']?[^>]*>", re.I)
_SCRIPT_RE = re.compile(r"<script\b([^>]*?)src\s*=\s*[\"']?([^\"'\s>]+)[\"']?([^>]*)>\s*</script>", re.I)
_IMG_RE = re.compile(r"(<img\b[^>]*?src\s*=\s*)([\"'])([^\"']+)\2", re.I)


def grading() -> bool:
    """True while nbgrader autogrades or validates: no preview, no files written."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def preview_document(entry: str, files: dict[str, str], asset_dir: Path = Path(".")) -> str:
    """The page with its linked CSS, JS and images inlined, for a sandboxed srcdoc frame."""
    doc = files.get(entry, "")

    def link(match):
        name = match.group(1)
        if "stylesheet" in match.group(0).lower() and name in files:
            return f"<style>\n{files[name]}\n</style>"
        return match.group(0)

    def script(match):
        name = match.group(2)
        if name in files:
            body = files[name].replace("</script", "<\\/script")
            return f"<script{match.group(1)}{match.group(3)}>\n{body}\n</script>"
        return match.group(0)

    def image(match):
        path = asset_dir / match.group(3)
        if "://" in match.group(3) or not path.is_file() or path.stat().st_size > 5_000_000:
            return match.group(0)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{match.group(1)}{match.group(2)}data:{kind};base64,{data}{match.group(2)}"

    return _IMG_RE.sub(image, _SCRIPT_RE.sub(script, _LINK_RE.sub(link, doc)))


def preview_html(entry: str, files: dict[str, str], height: int = 360) -> str:
    # Scripts run, but without same-origin rights: the page cannot touch JupyterLab.
    srcdoc = html.escape(preview_document(entry, files), quote=True)
    return (f'<iframe sandbox="allow-scripts allow-forms allow-modals" srcdoc="{srcdoc}" '
            f'style="width:100%;height:{height}px;border:1px solid #bbb;background:white" '
            f'title="{html.escape(t("preview.title", entry=entry))}"></iframe>')


def page_magic(line: str, cell: str) -> None:
    """%%page NAME — store this cell as the file NAME of your page and preview the page."""
    from IPython.display import HTML, display

    name = pages.store(line.strip() or "index.html", cell)
    if grading():
        return
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(cell, encoding="utf-8")
    files = pages.current()
    entry = name if name.endswith((".html", ".htm")) else "index.html"
    if entry in files:
        display(HTML(f"<small>{html.escape(t('preview.saved', file=name, entry=entry))}</small>"
                     + preview_html(entry, files)))
    else:
        display(HTML(f"<small>{html.escape(t('preview.waiting', file=name))}</small>"))


def _short_failure(shell, etype, value, tb, tb_offset=None):
    """A failed check was already shown in full; the error output only names it.

    IPython does not show what a custom handler returns, so it is shown here: the
    error output is what tells nbgrader that the check cell earned no points.
    """
    stb = [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value.result.name}"]
    shell._showtraceback(etype, value, stb)
    return stb


def install(shell) -> None:
    shell.register_magic_function(page_magic, magic_kind="cell", magic_name="page")
    shell.set_custom_exc((CheckFailed,), _short_failure)


def install_in_running_shell() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and CheckFailed not in (shell.custom_exceptions or ()):
        shell.set_custom_exc((CheckFailed,), _short_failure)
