"""The structured result of one check, and how it is shown to a learner."""
from __future__ import annotations

import contextvars
import dataclasses
import html
from dataclasses import dataclass, field, asdict

from .messages import t

# Problems listed with one failed check at most: a page that throws in a timer, or asks for
# thousands of addresses, would otherwise repeat the same line thousands of times.
MAX_PROBLEMS = 20
# Characters the texts of one result keep together even when the cell's budget is spent.
MIN_TEXT = 200


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str = ""
    expected: str = ""
    found: str = ""
    hint: str = ""
    cause: str = ""  # the page problem that most likely made the check fail (a script never loaded...)
    step: str = ""  # the action of the check that failed ("click #add"), when one did
    points: float | None = None
    js_errors: list[str] = field(default_factory=list)
    screenshot: str | None = None  # base64 JPEG of what the grader saw
    screenshot_note: str = ""  # why no screenshot is shown, when the cell's output budget left it out
    screenshot_caption: str = ""  # the viewport, and what the red frame marks (picture.py)

    def to_dict(self) -> dict:
        return asdict(self)

    def as_text(self) -> str:
        lines = [f"{'✓' if self.passed else '✗'} {self.name}"]
        if not self.passed:
            if self.message:
                lines.append(self.message)
            if self.step:
                lines.append(f"{t('step')}: {self.step}")
            if self.expected:
                lines.append(f"{t('expected')}: {self.expected}")
            if self.found:
                lines.append(f"{t('found')}: {self.found}")
            if self.cause:
                lines.append(f"{t('cause')}: {self.cause}")
            if self.hint:
                lines.append(f"{t('hint')}: {self.hint}")
            if self.js_errors:
                lines.append(f"{t('js_errors')}:")
                lines.extend(f"  {err}" for err in self.js_errors)
        return "\n".join(lines)

    def as_html(self) -> str:
        esc = html.escape
        if self.passed:
            return f'<div class="webgrader-check" style="color:#1b5e20">✓ {esc(self.name)}</div>'
        rows = []
        for label, value in ((None, self.message), ("step", self.step), ("expected", self.expected),
                             ("found", self.found), ("cause", self.cause), ("hint", self.hint)):
            if value:
                prefix = f"<b>{esc(t(label))}:</b> " if label else ""
                rows.append(f"<p style='margin:2px 0'>{prefix}{esc(value)}</p>")
        if self.js_errors:
            items = "".join(f"<li><code>{esc(e)}</code></li>" for e in self.js_errors)
            rows.append(f"<p style='margin:2px 0'><b>{esc(t('js_errors'))}:</b></p><ul>{items}</ul>")
        if self.screenshot_note and not self.screenshot:
            rows.append(f"<p style='margin:2px 0'><i>{esc(self.screenshot_note)}</i></p>")
        if self.screenshot:
            rows.append(
                f"<details open><summary>{esc(t('screenshot'))}</summary>"
                f"<img alt='{esc(t('screenshot'))}' style='max-width:100%;border:1px solid #999' "
                f"src='data:image/jpeg;base64,{self.screenshot}'>"
                + (f"<p style='margin:2px 0'><i>{esc(self.screenshot_caption)}</i></p>" if self.screenshot_caption else "")
                + "</details>"
            )
        return (
            "<div class='webgrader-check' style='border-left:4px solid #c62828;padding:4px 8px'>"
            f"<p style='margin:2px 0;color:#b71c1c'><b>✗ {esc(self.name)}</b></p>{''.join(rows)}</div>"
        )

    def shown(self) -> "CheckResult":
        """This result as the learner is shown it: cut to fit its cell's output budget.

        Showing the same result again (as text, then as HTML, then in the error) costs nothing more.
        """
        now = dataclasses.astuple(self)  # a copy: a result changed after it was shown is shown anew
        if self.__dict__.get("_shown_as") != now:
            self.__dict__["_shown"], self.__dict__["_shown_as"] = current_budget().fit(self), now
        return self.__dict__["_shown"]

    def _repr_html_(self):
        return self.shown().as_html()

    def __repr__(self):
        return self.shown().as_text()


class CheckFailed(AssertionError):
    """A check did not pass. Carries the structured result; its text is for beginners."""

    def __init__(self, result: CheckResult):
        self.result = result
        super().__init__(result.shown().as_text())


class OutputBudget:
    """What the check results of one cell may still add to its outputs, in characters.

    A learner's page decides how long a "found" text or a list of problems is, and every
    result shows its texts up to three times (text, HTML, error): without a cap, a page
    with a megabyte of text makes autograded notebooks and feedback of many megabytes.
    """

    def __init__(self, limit: int):
        self.left = limit

    def fit(self, result: CheckResult) -> CheckResult:
        """A copy of `result` that fits: long texts cut with a note, the screenshot left out if too big."""
        problems = result.js_errors[:MAX_PROBLEMS]
        texts = [result.name, result.message, result.expected, result.found, result.hint, result.cause, result.step,
                 *problems]
        room = max(MIN_TEXT, self.left // 8)  # the rest is for the screenshot
        cut = [_cut(text, keep) for text, keep in zip(texts, _shares([len(x) for x in texts], room))]
        if len(result.js_errors) > MAX_PROBLEMS:
            cut.append(t("output.more_problems", n=len(result.js_errors) - MAX_PROBLEMS))
        fitted = dataclasses.replace(result, name=cut[0], message=cut[1], expected=cut[2], found=cut[3],
                                     hint=cut[4], cause=cut[5], step=cut[6], js_errors=cut[7:])
        if fitted.screenshot and _size(fitted) > self.left:
            fitted.screenshot, fitted.screenshot_note = None, t("output.screenshot_dropped")
        self.left -= _size(fitted)
        fitted.__dict__["_shown"] = fitted
        fitted.__dict__["_shown_as"] = dataclasses.astuple(fitted)
        return fitted


def _shares(lengths: list[int], room: int) -> list[int]:
    """Characters each text may keep so that together they fit `room`: short texts whole,
    the long ones an equal share of what the short ones leave."""
    keep = [0] * len(lengths)
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    for done, i in enumerate(order):
        keep[i] = min(lengths[i], room // (len(order) - done))
        room -= keep[i]
    return keep


def _cut(text: str, keep: int) -> str:
    return text if len(text) <= keep else f"{text[:keep]} {t('output.cut', n=len(text) - keep)}"


def _size(result: CheckResult) -> int:
    """Characters the result adds to a cell: its text and HTML, and for a failure the error's text."""
    return len(result.as_text()) * (1 if result.passed else 2) + len(result.as_html())


# The budget of the cell being graded. The kernel-free grader sets one for each cell; in a
# kernel, each executed cell gets its own (see current_budget).
cell_budget: contextvars.ContextVar = contextvars.ContextVar("webgrader_cell_budget", default=None)
_kernel_cell: list = [None, None]  # [execution count, its budget]


def current_budget() -> OutputBudget:
    budget = cell_budget.get()
    if budget is not None:
        return budget
    from .settings import current_limits

    limit = current_limits().max_output_kb * 1024
    try:
        from IPython import get_ipython
    except ImportError:
        return OutputBudget(limit)
    shell = get_ipython()
    if shell is None:  # outside a notebook: each result on its own
        return OutputBudget(limit)
    if _kernel_cell[0] != shell.execution_count:
        _kernel_cell[:] = [shell.execution_count, OutputBudget(limit)]
    return _kernel_cell[1]
