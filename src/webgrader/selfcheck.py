"""The learner's self-check in her own kernel: every check cell runs, and a summary says where she stands.

In a learner's kernel (not under nbgrader: NBGRADER_EXECUTION unset) a check cell that fails shows
its full result and then ends as a cell that ran, not as an error, so that Run All (and the kernel,
which drops the queued cells after an error) goes on to the next check. Under nbgrader's autograde
and validate nothing changes: the failed check is the cell's error and the cell scores 0.

The summary is the output of `self_check()`, which the release adds as the notebook's last cell
(see `preprocessors.SelfCheckCell`); it is kept up to date (display_id) whenever a check cell runs again.
"""
from __future__ import annotations

import html

from .magics import grading
from .messages import t
from .results import CheckFailed, CheckResult

SUMMARY_DISPLAY_ID = "webgrader-self-check"


class SelfCheck:
    """What the check cells run in this kernel found: per cell, None (passed) or its failed result."""

    def __init__(self):
        self.cells: dict[str, CheckResult | None] = {}
        self.expected: tuple[int | None, int] | None = None  # (visible checks, hidden checks) once shown
        self.page_runs: dict[str, float] = {}  # page file name -> when its %%page cell last ran here
        self._cell: str | None = None
        self._checked = False

    # IPython events
    def cell_started(self, info) -> None:
        self._cell = getattr(info, "cell_id", None) or info.raw_cell
        self._checked = False

    def check_started(self) -> None:
        """open_page() was called in the running cell: it is a check cell."""
        self._checked = True

    def cell_finished(self, result) -> None:
        error = getattr(result, "error_in_exec", None)
        failed = isinstance(error, CheckFailed)
        if failed and not grading():
            result.error_in_exec = None  # shown in full already; the next cells still run
        if self._cell is None or not (self._checked or failed):
            return
        self.cells[self._cell] = error.result.shown() if failed else None
        if self.expected is not None and not grading():
            from IPython.display import update_display

            update_display(self.summary(*self.expected), display_id=SUMMARY_DISPLAY_ID)

    def summary(self, checks: int | None = None, hidden: int = 0) -> "Summary":
        failures = [r for r in self.cells.values() if r is not None]
        ran = len(self.cells)
        total = max(checks or 0, ran)
        return Summary(passed=ran - len(failures), total=total, not_run=total - ran, hidden=hidden, failures=failures)


class Summary:
    """The self-check as the learner reads it, e.g. "5 of 6 checks pass · 3 more checks run when your work is graded"."""

    def __init__(self, passed: int, total: int, not_run: int, hidden: int, failures: list[CheckResult]):
        self.passed, self.total, self.not_run, self.hidden, self.failures = passed, total, not_run, hidden, failures

    def headline(self) -> str:
        parts = [t("selfcheck.count", passed=self.passed, total=self.total)] if self.total else []
        if self.hidden:
            parts.append(t("selfcheck.hidden.one") if self.hidden == 1 else t("selfcheck.hidden.many", n=self.hidden))
        return " · ".join(parts)

    def notes(self) -> list[str]:
        if self.total == 0:
            return [t("selfcheck.none")]
        notes = []
        if self.not_run:
            notes.append(t("selfcheck.not_run.one") if self.not_run == 1 else t("selfcheck.not_run.many", n=self.not_run))
        elif not self.failures:
            notes.append(t("selfcheck.all_pass"))
        return notes

    def failure_lines(self) -> list[str]:
        return [f"✗ {r.name}" + (f": {r.hint or r.message}" if (r.hint or r.message) else "") for r in self.failures]

    def __repr__(self) -> str:
        lines = [f"{t('selfcheck.title')}: {self.headline()}", *self.notes()]
        if self.failures:
            lines += [t("selfcheck.to_fix"), *(f"  {line}" for line in self.failure_lines())]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        ok = not self.failures and not self.not_run and self.total
        colour = "#1b5e20" if ok else "#b71c1c"
        rows = [f"<p style='margin:2px 0;color:{colour}'><b>{esc(t('selfcheck.title'))}: {esc(self.headline())}</b></p>"]
        rows += [f"<p style='margin:2px 0'>{esc(note)}</p>" for note in self.notes()]
        if self.failures:
            items = "".join(
                f"<li><b>{esc(r.name)}</b>" + (f": {esc(r.hint or r.message)}" if (r.hint or r.message) else "") + "</li>"
                for r in self.failures)
            rows.append(f"<p style='margin:2px 0'>{esc(t('selfcheck.to_fix'))}</p><ul style='margin:2px 0'>{items}</ul>")
        return (f"<div class='webgrader-self-check' style='border-left:4px solid {colour};padding:4px 8px;overflow-wrap:anywhere'>"
                f"{''.join(rows)}</div>")


def session(shell=None) -> SelfCheck | None:
    """This kernel's self-check, once webgrader is loaded in it."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        shell = get_ipython()
    return getattr(shell, "webgrader_self_check", None) if shell is not None else None


def self_check(checks: int | None = None, hidden: int = 0) -> None:
    """Show the summary of every check run in this kernel; `checks` visible check cells, `hidden` more when graded.

    The last cell of a released notebook calls it. It shows nothing while nbgrader grades.
    """
    current = session()
    if current is None or grading():
        return
    from IPython.display import display

    current.expected = (checks, hidden)
    display(current.summary(checks, hidden), display_id=SUMMARY_DISPLAY_ID)
