"""nbgrader's Validate, in the learner's words: plain results for a failing check, and the hidden checks named.

nbgrader's `Validator` shows a failing cell's Python source and its error output. webgrader's
error output while validating is the check's whole result (expected, found, hint; see
`magics._short_failure`), so that part needs nothing here. What nbgrader cannot know is that
hidden checks exist (they are removed at release; `preprocessors.SelfCheckCell` records their
number in the notebook's metadata): `speak_plainly()` adds that to what Validate prints
(`nbgrader validate`) and to what it answers JupyterLab's Validate button (the last failure's
text, and a `webgrader` entry), and replaces "Success! Your notebook passes all the tests."

nbgrader makes its `Validator` directly (it is not a configurable class), so the course's
nbgrader_config.py calls `speak_plainly()`, which extends that class in place, once.
"""
from __future__ import annotations

import html
import json
from textwrap import fill

from .messages import t


def hidden_checks(filename: str) -> int:
    """How many hidden checks the released notebook `filename` says run when it is graded."""
    try:
        with open(filename, encoding="utf-8") as stream:
            meta = json.load(stream).get("metadata", {}).get("webgrader", {})
        return int(meta.get("hidden_checks", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        return 0


def hidden_note(hidden: int) -> str:
    if not hidden:
        return ""
    return (t("selfcheck.hidden.one") if hidden == 1 else t("selfcheck.hidden.many", n=hidden)) + "."


def speak_plainly() -> None:
    from nbgrader.validator import Validator

    if getattr(Validator, "_webgrader_plain", False):
        return
    nbgrader_validate = Validator.validate

    def validate(self, filename):
        results = nbgrader_validate(self, filename)
        hidden = hidden_checks(filename)
        self._webgrader_hidden = hidden
        note = hidden_note(hidden)
        if note:
            results["webgrader"] = {"hidden_checks": hidden, "note": note}
            failed = results.get("failed")
            if failed:  # JupyterLab's dialog shows only the failures: the note goes with the last one
                failed[-1]["error"] += f"\n\n{html.escape(note)}"
                failed[-1]["raw_error"] += f"\n\n{note}"
        return results

    def _print_num_failed(self, num_failed):
        note = hidden_note(getattr(self, "_webgrader_hidden", 0))
        if num_failed == 0:
            self.stream.write(" ".join(filter(None, [t("validate.passed"), note])) + "\n")
        else:
            text = t("validate.failed.one") if num_failed == 1 else t("validate.failed.many", n=num_failed)
            self.stream.write(fill(" ".join(filter(None, [text, note])), width=self.width) + "\n")

    Validator.validate = validate
    Validator._print_num_failed = _print_num_failed
    Validator._webgrader_plain = True
