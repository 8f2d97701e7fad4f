"""Grading limits, set with traitlets in the course's nbgrader_config.py.

    c.WebGrader.check_timeout = 5.0

A kernel that grades a notebook finds the course's configuration by walking up from
its working folder to the first folder that holds both nbgrader_config.py and source/.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from traitlets import Dict, Float, Integer, TraitError, Unicode, validate
from traitlets.config import Configurable
from traitlets.config.loader import PyFileConfigLoader


class WebGrader(Configurable):
    load_timeout = Float(3.0, help="Seconds a learner page may take to load before its checks fail.").tag(config=True)
    check_timeout = Float(4.0, help="Seconds one check (with its browser calls) may take; a page stuck in a loop fails after this.").tag(config=True)
    action_timeout = Float(2.0, help="Seconds a click or typing waits for its element to be ready.").tag(config=True)
    settle_time = Float(0.15, help="Seconds after the page loaded or the last click or typing during which a failing check keeps looking, for pages that update a moment later. A page with nothing under way (no timer due by then, no fetch, no animation frame or running animation) fails at once.").tag(config=True)
    screenshot_timeout = Float(3.0, help="Seconds allowed to take the screenshot shown with a failed check.").tag(config=True)
    viewport_width = Integer(1024, help="Width in CSS pixels of the browser window pages are graded in.").tag(config=True)
    viewport_height = Integer(640, help="Height in CSS pixels of the browser window pages are graded in.").tag(config=True)
    # Limits for a submission as a whole, and for what each check cell may add to the autograded notebook.
    submission_timeout = Float(60.0, help="Seconds one whole submission may take on the kernel-free path of `webgrader autograde`; when they are used up, the remaining check cells fail with a message that says so (the submission is still graded).").tag(config=True)
    js_heap_mb = Integer(512, help="Megabytes of JavaScript heap a learner page may use; a page that allocates without end crashes its tab when it reaches this. Read when the grading browser starts.").tag(config=True)
    max_output_kb = Integer(512, help="Kilobytes of check results one check cell may show in the autograded notebook and its feedback: longer texts are cut with a note, and a screenshot that does not fit is left out with a note.").tag(config=True)
    # How the browser is used (not a limit): measured, not guessed.
    tabs_ahead = Integer(0, help="Tabs that load the same page again in the background while a check runs, so that the next check finds it loaded. Each costs CPU: on a 2-core machine 0 graded faster (about 13% in bulk, 14% per submission), so turn it on only with cores to spare.").tag(config=True)
    busy_factor = Float(4.0, help="How far a time limit may stretch when the grading machine is busy: a page that is still loading (or clicking, or being checked) at its limit, whose own renderer used less CPU time than the limit while the machine's cores were busy with other work, gets up to this many times the limit, so that a correct page is not failed because the machine was busy. A page that uses the whole limit itself (a loop) fails at the limit as before. 1 turns stretching off.").tag(config=True)
    # What `webgrader autograde` accepts from a submission before nbgrader reads it.
    # The language a learner reads her checks and feedback in (see language.py for the order).
    language = Unicode("en", help="Language of every check, result and feedback a learner reads: \"en\" (English), \"sv\" (Swedish) or \"uk\" (Ukrainian). In the course's nbgrader_config.py it is the class's default; in a learner's own Jupyter config (~/.jupyter/nbgrader_config.py) it is hers, for the checks she runs in JupyterLab. A notebook's metadata {\"webgrader\": {\"language\": \"uk\"}} and student_languages come before it; $WEBGRADER_LANG overrides them all.").tag(config=True)
    student_languages = Dict(help="The instructor's roster of languages, learner id -> language, for example {\"olena\": \"uk\", \"anna\": \"sv\"}: webgrader autograde, nbgrader autograde and the feedback give each learner her checks in her language. Learners not listed get their notebook's metadata language, else c.WebGrader.language.").tag(config=True)
    max_notebook_mb = Float(50.0, help="Largest submitted notebook, in MB, that `webgrader autograde` reads; a bigger one is reported as not graded, before anything reads it. Learner notebooks are mostly outputs (page previews with photos pasted in, about 10 MB at most); grading needs about 4 times the notebook's size in memory.").tag(config=True)

    @validate("language")
    def _a_known_language(self, proposal):
        return _known_language(proposal.value, "c.WebGrader.language")

    @validate("student_languages")
    def _known_languages(self, proposal):
        return {student: _known_language(lang, f"c.WebGrader.student_languages[{student!r}]")
                for student, lang in proposal.value.items()}


def _known_language(value, option: str) -> str:
    from .language import normalise
    from .messages import languages

    if normalise(value) not in languages():
        raise TraitError(f"{option} = {value!r}: webgrader writes in {', '.join(map(repr, languages()))}. "
                         "Set one of them in nbgrader_config.py (webgrader config lists the options).")
    return normalise(value)


@dataclass(frozen=True)
class Limits:
    load_timeout: float = 3.0
    check_timeout: float = 4.0
    action_timeout: float = 2.0
    settle_time: float = 0.15
    screenshot_timeout: float = 3.0
    close_timeout: float = 5.0
    viewport: tuple[int, int] = (1024, 640)
    submission_timeout: float = 60.0
    js_heap_mb: int = 512
    max_output_kb: int = 512
    tabs_ahead: int = 0
    busy_factor: float = 4.0

    @classmethod
    def from_config(cls, config=None) -> "Limits":
        wg = WebGrader(config=config)
        return cls(wg.load_timeout, wg.check_timeout, wg.action_timeout, wg.settle_time,
                   wg.screenshot_timeout, viewport=(wg.viewport_width, wg.viewport_height),
                   submission_timeout=wg.submission_timeout, js_heap_mb=wg.js_heap_mb, max_output_kb=wg.max_output_kb,
                   tabs_ahead=wg.tabs_ahead, busy_factor=wg.busy_factor)


def find_course_config(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "nbgrader_config.py"
        if candidate.is_file() and (folder / "source").is_dir():
            return candidate
    return None


@lru_cache(maxsize=8)
def _limits_for(folder: str) -> Limits:
    path = find_course_config(Path(folder))
    if path is None:
        return Limits.from_config()
    return Limits.from_config(load_course_config(path))


def current_limits() -> Limits:
    return _limits_for(os.getcwd())


def load_user_config():
    """The traitlets Config of the user's own Jupyter config files (nbgrader_config.py and
    jupyter_config.py in ~/.jupyter and the other Jupyter config folders; the user's own win).
    A new Config each time: the caller may merge into it."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config

    config = Config()
    config.merge(_user_config(tuple(jupyter_config_path())))
    return config


@lru_cache(maxsize=4)
def _user_config(folders: tuple[str, ...]):
    from traitlets.config import Config

    config = Config()
    for folder in reversed(folders):
        for name in ("jupyter_config.py", "nbgrader_config.py"):
            if os.path.isfile(os.path.join(folder, name)):
                try:
                    config.merge(PyFileConfigLoader(name, path=folder).load_config())
                except Exception:  # someone else's broken file must not stop grading
                    pass
    return config


def load_course_config(path: Path):
    """The traitlets Config of a course's nbgrader_config.py."""
    path = Path(path)
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
