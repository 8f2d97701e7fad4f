"""Grading a notebook without a kernel, when it is provably only web content.

`FastExecute` takes the place of nbgrader's `Execute` preprocessor in autograde. For a
notebook whose learner-editable cells are only `%%page` cells, markdown, or empty, it
never runs learner content as Python: it reads the page files from the cells and runs
the instructor's locked cells (restored from source/ by nbgrader's OverwriteCells) in
this process, on a warm browser, producing the outputs a kernel would have produced.
Anything it cannot prove safe goes to nbgrader's ordinary kernel path.
"""
from __future__ import annotations

import ast
import asyncio
import atexit
import contextlib
import hashlib
import io
import linecache
import os
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

from . import harness, language, pages
from .browser import shared_browser
from .grading import Grading
from .messages import t
from .preprocessors.ignore_learner_python import does_nothing
from .results import CheckFailed, OutputBudget, cell_budget
from .settings import current_limits

# The one IPython line of the locked set-up cell; it needs no kernel here.
SETUP_LINES = re.compile(r"%load_ext\s+webgrader\s*")


@dataclass
class Plan:
    """How to grade one notebook: `reason` is None for the kernel-free path."""
    reason: str | None
    pages: list[tuple[int, str, str]]  # (cell index, file name as written, body)
    trusted: list[tuple[int, str]]  # (cell index, Python source) to run in order


def _trusted(cell) -> bool:
    # After nbgrader's sanitizing, only cells whose grade_id is in the gradebook keep it,
    # and locked ones had their source put back from source/.
    nb_meta = cell.metadata.get("nbgrader", {})
    return bool(nb_meta.get("locked")) and bool(nb_meta.get("grade_id"))


def _python_of_trusted_cell(source: str) -> str | None:
    """The cell as plain Python (set-up magics dropped), or None if it needs IPython."""
    kept = []
    for line in source.split("\n"):
        if SETUP_LINES.fullmatch(line.strip()):
            continue
        if line.lstrip().startswith(("%", "!")):
            return None
        kept.append(line)
    python = "\n".join(kept)
    try:
        _parse(python)
    except SyntaxError:
        return None
    return python


def _parse(source: str) -> ast.Module:
    return compile(source, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | ast.PyCF_ONLY_AST)


def plan_notebook(nb: NotebookNode) -> Plan:
    page_cells, trusted = [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        page = pages.page_cell(cell.source)
        if page:  # a page cell, the learner's or a read-only one of the instructor's; its name as written
            page_cells.append((index, *page))
            continue
        if _trusted(cell):
            python = _python_of_trusted_cell(cell.source)
            if python is None:
                return Plan(f"cell {index} is an instructor cell that needs IPython", [], [])
            trusted.append((index, python))
            continue
        if does_nothing(cell.source):
            continue  # an empty or comment-only code cell does nothing in a kernel either
        return Plan(f"cell {index} holds code that is not a page", [], [])
    return Plan(None, page_cells, trusted)


class _WarmLoop:
    """One event loop in a background thread for the life of the process: the browser
    it starts stays warm from one submission to the next, whichever thread asks."""

    def __init__(self):
        self._loop = None
        self._lock = threading.Lock()
        # The next submission's Grading, handed over by the last one with its tabs already starting.
        self._next: Grading | None = None

    def grading(self) -> Grading:
        """A Grading for the next submission (on the loop's thread): the one handed over, else a new one."""
        grading, self._next = self._next, None
        return grading if grading is not None else Grading()

    def hand_over(self, grading: Grading) -> None:
        """End `grading` in the background; the next submission finds its tabs starting."""
        self._next = grading.hand_over()

    async def _close_all(self) -> None:
        if self._next is not None:
            await self._next.close()
            self._next = None
        await harness.close_all()

    def run(self, coro):
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="webgrader-browser", daemon=True).start()
                atexit.register(self.close)
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self):
        if self._loop is not None and self._loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(timeout=10)
            except Exception:
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)


warm_loop = _WarmLoop()
# One submission at a time per FastExecute: the working folder (where the course's limits and the
# page's images are found) is per process. The tabs and page files are the submission's Grading.
submission_lock = threading.RLock()
# Which path each notebook took in this process, for the bulk grader's report.
paths_taken: list[tuple[str, str]] = []


def _display_output(obj) -> dict:
    from IPython.core.formatters import DisplayFormatter

    data, metadata = DisplayFormatter().format(obj)
    return NotebookNode(output_type="display_data", data=data, metadata=metadata)


def _error_output(exc: BaseException) -> dict:
    if isinstance(exc, CheckFailed):
        stb = [f"\x1b[0;31m{type(exc).__name__}\x1b[0m: {exc.result.name}"]
    else:
        stb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return NotebookNode(output_type="error", ename=type(exc).__name__, evalue=str(exc), traceback=stb)


async def _run_python(source: str, namespace: dict, outputs: list) -> None:
    """Run a cell as IPython would: top-level await allowed, the last expression displayed."""
    tree = _parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    # The cell's source is kept under its own file name, as IPython does: a failing click then
    # finds the name of the check it was a step of (checks._check_after_step).
    filename = f"<cell-{hashlib.sha1(source.encode()).hexdigest()[:12]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    result = eval(compile(tree, filename, "exec", flags=flags), namespace)
    if asyncio.iscoroutine(result):
        await result
    if last is not None:
        value = eval(compile(ast.Expression(last.value), filename, "eval", flags=flags), namespace)
        if asyncio.iscoroutine(value):
            value = await value
        if value is not None:
            out = _display_output(value)
            outputs.append(NotebookNode(output_type="execute_result", data=out.data, metadata=out.metadata,
                                        execution_count=None))


def _stopped_output(seconds: float) -> dict:
    """The error of a check cell that the submission's time limit kept from running to the end."""
    message, hint = t("submission.timeout", seconds=seconds), t("submission.timeout.hint")
    return NotebookNode(output_type="error", ename="GradingStopped", evalue=message,
                        traceback=[f"\x1b[0;31mGradingStopped\x1b[0m: {message}", f"{t('hint')}: {hint}"])


async def _grade(nb: NotebookNode, plan: Plan, timeout: float | None, error_on_timeout: dict,
                 lang: str = language.ENGLISH) -> tuple[int, Grading]:
    """Run the notebook's cells in a Grading of their own, every message in the learner's language
    `lang`; returns how many check cells the submission's time limit stopped, and the Grading (ended)."""
    with language.speaking(lang):  # this task's own: the next submission may be another learner's
        return await _grade_cells(nb, plan, timeout, error_on_timeout)


async def _grade_cells(nb: NotebookNode, plan: Plan, timeout: float | None, error_on_timeout: dict) -> tuple[int, Grading]:
    limits = current_limits()
    await harness.start_browser()  # starting the browser is the grader's time, not the learner's
    grading = warm_loop.grading()
    grading.files, grading.asset_dir, grading.limits = {}, Path.cwd(), limits
    deadline = time.monotonic() + limits.submission_timeout
    stopped = 0
    namespace: dict = {"__name__": "__main__"}
    outputs: list = []
    harness.display_hook.set(lambda result: outputs.append(_display_output(result)))
    page_at = {index: (name, body) for index, name, body in plan.pages}
    code_at = dict(plan.trusted)
    loads_after = {index: any("open_page" in code for later, code in plan.trusted if later > index)
                   for index in code_at}
    count = 0
    async with grading:
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                count += 1
                cell.execution_count = count
                outputs = cell.outputs = []
                if index in page_at:
                    try:
                        grading.store_page(*page_at[index])
                    except pages.PageNameError as refused:  # what the magic prints in a kernel
                        outputs.append(NotebookNode(output_type="stream", name="stderr", text=f"{refused}\n"))
                    continue
                if index not in code_at:
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    outputs.append(_stopped_output(limits.submission_timeout))
                    stopped += 1
                    continue
                cell_budget.set(OutputBudget(limits.max_output_kb * 1024))
                grading.more_loads_expected = loads_after[index]  # no tab is readied for nothing
                stdout = io.StringIO()
                try:
                    with contextlib.redirect_stdout(stdout):
                        await asyncio.wait_for(_run_python(code_at[index], namespace, outputs),
                                               left if timeout is None else min(timeout, left))
                except asyncio.TimeoutError:
                    if timeout is None or left < timeout:  # the submission's time ran out, not the cell's
                        outputs.append(_stopped_output(limits.submission_timeout))
                        stopped += 1
                    else:
                        outputs.append(NotebookNode(output_type="error", **error_on_timeout))
                except harness.GraderError:
                    raise  # not the learner's fault: the submission is reported as not graded
                except Exception as exc:  # the cell failed, as it would in a kernel
                    outputs.append(_error_output(exc))
                if stdout.getvalue():
                    outputs.insert(0, NotebookNode(output_type="stream", name="stdout", text=stdout.getvalue()))
                for output in outputs:
                    if output.output_type == "execute_result":
                        output.execution_count = count
        finally:
            # A browser that stopped answering is killed here, before closing the tab would wait
            # for it; FastExecute then grades the submission again on a new one.
            await shared_browser.check(limits.close_timeout)
            warm_loop.hand_over(grading)  # its tabs close in the background; the next submission's start
    return stopped, grading


class FastExecute(Execute):
    """nbgrader's Execute, with a kernel-free path for notebooks of web content only."""

    def preprocess(self, nb, resources):
        plan = plan_notebook(nb)
        name = resources.get("unique_key") or "notebook"
        # The learner's language, decided once for her submission and kept in the autograded
        # notebook (nbgrader_config.py keeps it through ClearMetadataPreprocessor) for her feedback.
        # On the kernel path the kernel works out the same language from where it runs.
        lang = language.of_submission(self.config, resources.get("nbgrader", {}).get("student"), nb.metadata)
        if not isinstance(nb.metadata.get("webgrader"), dict):  # absent, or edited by hand into something else
            nb.metadata["webgrader"] = {}
        nb.metadata["webgrader"]["language"] = lang
        if plan.reason is not None:
            self.log.info("Kernel path for %s: %s", name, plan.reason)
            paths_taken.append((name, f"kernel ({plan.reason})"))
            return super().preprocess(nb, resources)
        self.log.info("Kernel-free path for %s", name)
        paths_taken.append((name, "fast"))
        folder = resources.get("metadata", {}).get("path") or "."
        with submission_lock:
            previous = os.getcwd()
            os.chdir(folder)  # pages find their images and data files here, as in a kernel
            try:
                where = resources.get("nbgrader", {})
                self._grade_on_a_working_browser(nb, plan, "/".join(
                    filter(None, (where.get("student"), where.get("assignment"), where.get("notebook")))) or name, lang)
            finally:
                os.chdir(previous)
        return nb, resources

    def _grade_on_a_working_browser(self, nb, plan: Plan, name: str, lang: str) -> None:
        """Grade; if the browser stopped answering or died meanwhile, the checks that failed
        with it say nothing about the page: grade again, once, on the new browser."""
        for attempt in (1, 2):
            lost = shared_browser.lost
            try:
                stopped, grading = warm_loop.run(_grade(nb, plan, self.timeout, dict(self.error_on_timeout), lang))
            except harness.GraderError:
                if shared_browser.lost == lost:
                    raise
                stopped, grading = 0, None
            if shared_browser.lost == lost:
                note = grading.load_note() if grading is not None else None
                if note:  # the instructor sees it in the summary of `webgrader autograde` and on stderr
                    from . import submission

                    submission.notes.append((name, note))
                    _tell(f"{name}: {note}")
                if stopped:
                    _tell(f"{name}: the submission used up its {current_limits().submission_timeout:g} seconds "
                          f"(c.WebGrader.submission_timeout); {stopped} check cell(s) scored 0 with a message saying so.")
                return
            if attempt == 2:
                raise harness.GraderError(
                    "The grading browser stopped responding twice while grading this submission; it was killed "
                    "and replaced both times, so the submission is not graded. Grade it again on its own "
                    "(webgrader autograde ASSIGNMENT --student STUDENT --force); if it happens again, the page "
                    "may freeze Chromium itself: open it by hand.")
            # What "hung" on the frozen browser is forgotten with its Grading: the new one tries afresh.
            _tell(f"{name}: the grading browser stopped responding; it was killed, and a new one grades "
                  "this submission again.")


def _tell(line: str) -> None:
    """A note for the instructor on the grader's stderr (bulk grading keeps nbgrader's log quiet)."""
    print(f"webgrader: {line}", file=sys.stderr, flush=True)
