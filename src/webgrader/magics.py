"""Notebook side: the `%%page NAME` cell magic, its live preview, and short failure output.

Load it in the first cell of an assignment with `%load_ext webgrader`.
"""
from __future__ import annotations

import html
import json
import os
import secrets
import stat
import sys
import time
from pathlib import Path

from . import pages
from .messages import t
from .preview import preview_bundle
from .results import CheckFailed


def grading() -> bool:
    """True while nbgrader autogrades or validates: no preview, no files written."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def page_magic(line: str, cell: str) -> None:
    """%%page NAME — store this cell as the file NAME of your page and preview the page."""
    from IPython.display import HTML, display

    try:
        name = pages.store(line, cell)  # the one rule for names (pages.page_name), as when grading
    except pages.PageNameError as refused:
        print(refused, file=sys.stderr)  # a plain message, not a traceback
        return
    _page_cell_ran(name)
    if grading():
        return
    problem = write_page_file(Path.cwd(), name, cell)
    if problem:
        _note(problem, "#b71c1c")
    files = pages.current()
    entry = name if name.endswith((".html", ".htm")) else "index.html"
    if entry in files:
        display(preview_bundle(entry, files, saved=name), raw=True)
    else:
        display(HTML(f"<small>{html.escape(t('preview.waiting', file=name))}</small>"))


def write_page_file(folder: Path, name: str, text: str) -> str | None:
    """Write `text` as `folder/name` without following a symbolic link; None, or a plain message why not.

    Every folder on the way is opened with O_NOFOLLOW (a link is refused, never entered), and the
    file is written under a temporary name and renamed over the old one: a link where the file
    should be is refused, and one made during the write is replaced, never written through.
    """
    parts = name.split("/")
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        return t("write.failed", name=name, error=error.strerror)
    try:
        for depth, part in enumerate(parts):
            here = "/".join(parts[:depth + 1])
            try:
                info = os.stat(part, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                info = None
            if info is not None and stat.S_ISLNK(info.st_mode):
                return t("write.link", name=name, path=here, target=os.readlink(part, dir_fd=fd))
            if depth == len(parts) - 1:
                break
            if info is None:
                os.mkdir(part, dir_fd=fd)
            elif not stat.S_ISDIR(info.st_mode):
                return t("write.not_a_folder", name=name, path=here)
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        temporary = f".{parts[-1]}.{secrets.token_hex(4)}.tmp"
        out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=fd)
        try:
            with os.fdopen(out, "wb") as stream:
                stream.write(text.encode("utf-8"))
            os.rename(temporary, parts[-1], src_dir_fd=fd, dst_dir_fd=fd)
        except BaseException:
            os.unlink(temporary, dir_fd=fd)
            raise
    except OSError as error:
        return t("write.failed", name=name, error=error.strerror or error)
    finally:
        os.close(fd)
    return None


def _page_cell_ran(name: str) -> None:
    session = _session()
    if session is not None:
        session.page_runs[name] = time.time()


def saved_page_cells() -> dict[str, str]:
    """The %%page cells of this kernel's notebook as last saved (jupyter_server 2 names it in
    JPY_SESSION_NAME): {file name: body}; empty when unknown."""
    path = os.environ.get("JPY_SESSION_NAME", "")
    if not path.endswith(".ipynb") or not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as stream:
            cells = json.load(stream).get("cells", [])
        found = {}
        for cell in cells:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            page = pages.files_from_cell_source(source) if cell.get("cell_type") == "code" else None
            if page:
                found[page[0]] = page[1]
        return found
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def missing_page(entry: str) -> tuple[str, str]:
    """(message, hint) for a check whose page `entry` no page cell of this process has stored.

    In a learner's kernel that is nearly always a restart (a hub culls idle servers): say what
    to run, rather than that the file does not exist while it is on disk.
    """
    in_kernel = _session() is not None
    if in_kernel and not grading() and (not pages.current() or os.path.lexists(entry) or entry in saved_page_cells()):
        return t("restart.no_page", entry=entry), t("restart.no_page.hint")
    return t("load.missing", entry=entry), t("load.missing.hint", entry=entry)


def unrun_page_cells() -> list[str]:
    """Page cells saved in the notebook after they last ran here, with another text than the one checked.

    (IPython hands a cell magic its body with a newline added at the end: trailing white space is not a change.)"""
    session = _session()
    path = os.environ.get("JPY_SESSION_NAME", "")
    if session is None or grading() or not path.endswith(".ipynb"):
        return []
    try:
        saved_at = os.stat(path).st_mtime
    except OSError:
        return []
    files = pages.current()
    return sorted(name for name, body in saved_page_cells().items()
                  if name in files and files[name].rstrip() != body.rstrip() and saved_at > session.page_runs.get(name, 0))


def _short_failure(shell, etype, value, tb, tb_offset=None):
    """A failed check was already shown in full; in a learner's kernel nothing more is shown.

    Under nbgrader the error output is what tells it that the check cell earned no points
    (IPython does not show what a custom handler returns, so it is shown here): it names the
    check while autograding, and gives the whole result (expected, found, hint) while
    validating, since nbgrader's Validate shows only error outputs.
    """
    if not grading():
        return []
    if os.environ.get("NBGRADER_EXECUTION") == "validate":
        stb = value.result.shown().as_text().split("\n")
    else:
        stb = [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value.result.name}"]
    shell._showtraceback(etype, value, stb)
    return stb


def _session(shell=None):
    from .selfcheck import session

    return session(shell)


def install(shell) -> None:
    """Load webgrader in `shell`: the %%page magic, short failures, the self-check. Safe to call again."""
    from .selfcheck import SelfCheck

    shell.register_magic_function(page_magic, magic_kind="cell", magic_name="page")
    shell.set_custom_exc((CheckFailed,), _short_failure)
    if _session(shell) is None:
        check = SelfCheck()
        shell.webgrader_self_check = check
        shell.events.register("pre_run_cell", check.cell_started)
        shell.events.register("post_run_cell", check.cell_finished)


def install_in_running_shell() -> None:
    """Called by every open_page(): webgrader loaded (even without %load_ext), this cell counted as a
    check, and page cells changed in the saved notebook but not run named."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    if _session(shell) is None or CheckFailed not in (shell.custom_exceptions or ()):
        install(shell)
    _session(shell).check_started()
    stale = unrun_page_cells()
    if stale:
        _note(t("restart.stale", cells=", ".join(stale)), "#8a4b00")


def _note(text: str, colour: str) -> None:
    """One plain sentence in the cell's output (HTML and text)."""
    from IPython.display import display

    display({"text/plain": text, "text/html": f"<p style='color:{colour};margin:2px 0'>{html.escape(text)}</p>"}, raw=True)
