"""The structured result of one check, and how it is shown to a learner."""
from __future__ import annotations

import html
from dataclasses import dataclass, field, asdict

from .messages import t


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str = ""
    expected: str = ""
    found: str = ""
    hint: str = ""
    points: float | None = None
    js_errors: list[str] = field(default_factory=list)
    screenshot: str | None = None  # base64 JPEG of what the grader saw

    def to_dict(self) -> dict:
        return asdict(self)

    def as_text(self) -> str:
        lines = [f"{'✓' if self.passed else '✗'} {self.name}"]
        if not self.passed:
            if self.message:
                lines.append(self.message)
            if self.expected:
                lines.append(f"{t('expected')}: {self.expected}")
            if self.found:
                lines.append(f"{t('found')}: {self.found}")
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
        for label, value in ((None, self.message), ("expected", self.expected), ("found", self.found), ("hint", self.hint)):
            if value:
                prefix = f"<b>{esc(t(label))}:</b> " if label else ""
                rows.append(f"<p style='margin:2px 0'>{prefix}{esc(value)}</p>")
        if self.js_errors:
            items = "".join(f"<li><code>{esc(e)}</code></li>" for e in self.js_errors)
            rows.append(f"<p style='margin:2px 0'><b>{esc(t('js_errors'))}:</b></p><ul>{items}</ul>")
        if self.screenshot:
            rows.append(
                f"<details open><summary>{esc(t('screenshot'))}</summary>"
                f"<img alt='{esc(t('screenshot'))}' style='max-width:480px;border:1px solid #999' "
                f"src='data:image/jpeg;base64,{self.screenshot}'></details>"
            )
        return (
            "<div class='webgrader-check' style='border-left:4px solid #c62828;padding:4px 8px'>"
            f"<p style='margin:2px 0;color:#b71c1c'><b>✗ {esc(self.name)}</b></p>{''.join(rows)}</div>"
        )

    def _repr_html_(self):
        return self.as_html()

    def __repr__(self):
        return self.as_text()


class CheckFailed(AssertionError):
    """A check did not pass. Carries the structured result; its text is for beginners."""

    def __init__(self, result: CheckResult):
        self.result = result
        super().__init__(result.as_text())
