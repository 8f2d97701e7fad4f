"""Which language a learner reads: chosen per learner, held per submission (a context variable).

One grading process grades many learners one after another, so the language is never a process
global. For a submission, the first of these that names a language wins:

1. ``$WEBGRADER_LANG``: forces one language for everything the process writes (to preview feedback);
2. the instructor's roster, ``c.WebGrader.student_languages = {"olena": "uk"}``;
3. the notebook's own metadata, ``{"webgrader": {"language": "sv"}}``;
4. ``c.WebGrader.language`` (the course's ``nbgrader_config.py``, or the learner's own Jupyter config);
5. English.

The bulk grader decides once per submission and sets it with ``speaking(lang)``. A kernel (nbgrader's
own ``autograde``, or the learner's JupyterLab) has no one to tell it, so it works the same out from
where it runs: the course folder above it, the learner's id in ``autograded/STUDENT/ASSIGNMENT``,
and the notebooks there.

A page of the grading service (``webgrader serve``) is written for the learner reading it, request
by request (``of_reader``): her own choice on the page's language switch, the roster, her browser's
Accept-Language, ``c.WebGrader.language``, English; ``$WEBGRADER_LANG`` still forces one language.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import os
import time
from functools import lru_cache
from pathlib import Path

ENGLISH = "en"
# What people write for these languages besides the ISO 639-1 code ("ua" is Ukraine's country code).
ALIASES = {"se": "sv", "svenska": "sv", "swedish": "sv", "ua": "uk", "ukrainian": "uk", "english": "en"}

_chosen: contextvars.ContextVar = contextvars.ContextVar("webgrader_language", default=None)


def normalise(language) -> str | None:
    """"sv_SE.UTF-8", "uk-UA", "UA" -> "sv", "uk", "uk"; None for nothing."""
    if not language or not isinstance(language, str):
        return None
    code = language.strip().replace("-", "_").split(".")[0].split("_")[0].lower()
    return ALIASES.get(code, code) or None


def current() -> str:
    """The language of the submission (or kernel) at hand."""
    forced = normalise(os.environ.get("WEBGRADER_LANG"))
    if forced:
        return forced
    chosen = _chosen.get()
    if chosen:
        return chosen
    try:
        folder = os.getcwd()
    except OSError:  # the working folder was deleted under us
        return ENGLISH
    return _ambient(folder, _notebooks_signature(folder))


@contextlib.contextmanager
def speaking(language):
    """Within the block (and tasks started in it), write in `language`; None keeps the surrounding one."""
    token = _chosen.set(normalise(language) or _chosen.get())
    try:
        yield
    finally:
        _chosen.reset(token)


def of_submission(config=None, student: str | None = None, notebook_metadata=None) -> str:
    """The language a learner's submission is graded and given feedback in (steps 2 to 5 above)."""
    from .messages import languages
    from .settings import WebGrader

    options = WebGrader(config=config)  # checks the configured languages (settings.py)
    roster = {str(k): v for k, v in (options.student_languages or {}).items()}
    for candidate in (roster.get(student or ""), _metadata_language(notebook_metadata), options.language):
        if normalise(candidate) in languages():  # a notebook may name one webgrader does not write
            return normalise(candidate)
    return ENGLISH


def from_accept_language(header) -> str | None:
    """The language webgrader writes that an Accept-Language header likes best, or None.

    "uk-UA,uk;q=0.9,en;q=0.5" -> "uk". Only the primary subtag counts, exactly as written: in a
    header "se" is Northern Sami, not Swedish, so the aliases of `normalise` do not apply here.
    Equal weights keep the header's order; q=0 means "not this one"; "*" names nothing."""
    from .messages import languages

    if not header or not isinstance(header, str):
        return None
    known = languages()
    ranked = []
    for position, item in enumerate(header[:2000].split(",")[:50]):
        tag, _, params = item.strip().partition(";")
        code = tag.strip().split("-")[0].lower()
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if code in known and 0 < weight <= 1:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else None


def of_reader(config=None, student: str | None = None, *, chosen=None, accept_language=None) -> str:
    """The language a page of the grading service is written in for `student` (None: not signed
    in): `chosen` (her choice on the page, exactly one of `messages.languages()`, else ignored),
    then the roster, then the browser's `accept_language` header, then c.WebGrader.language."""
    from traitlets import TraitError

    from .messages import languages
    from .settings import WebGrader

    known = languages()
    if isinstance(chosen, str) and chosen in known:
        return chosen
    try:
        options = WebGrader(config=config)
        roster = {str(k): v for k, v in (options.student_languages or {}).items()}
        default = options.language
    except TraitError:  # a language webgrader does not write, in the course's config: pages still answer
        roster, default = {}, None
    for candidate in (normalise(roster.get(student or "")), from_accept_language(accept_language), normalise(default)):
        if candidate in known:
            return candidate
    return ENGLISH


def _metadata_language(metadata) -> str | None:
    try:
        return (metadata or {}).get("webgrader", {}).get("language")
    except AttributeError:  # metadata edited by hand into something else
        return None


# --- a kernel, with no grader to tell it --------------------------------------------------------
# Seconds for which the notebooks of a folder are taken as they were: every sentence asks for the
# language, and listing the folder each time would cost a check milliseconds.
NOTEBOOKS_RECHECKED_AFTER = 2.0
_seen: dict[str, tuple[float, tuple]] = {}  # folder -> (when, its notebooks' signature)


def _notebooks_signature(folder: str) -> tuple:
    """The notebooks that could be running here, with their modification times (a learner may
    change the language in her notebook's metadata and save it)."""
    now = time.monotonic()
    seen = _seen.get(folder)
    if seen is None or now - seen[0] >= NOTEBOOKS_RECHECKED_AFTER:
        _seen[folder] = seen = (now, _list_notebooks(folder))
    return seen[1]


def _list_notebooks(folder: str) -> tuple:
    # Jupyter Server tells a kernel its notebook's path, relative to the server's root; the
    # kernel runs in the notebook's folder.
    session = os.path.join(folder, os.path.basename(os.environ.get("JPY_SESSION_NAME") or ""))
    if session.endswith(".ipynb") and os.path.isfile(session):
        paths = [session]
    else:
        try:
            paths = sorted(str(p) for p in Path(folder).glob("*.ipynb"))
        except OSError:
            paths = []
    signature = []
    for path in paths:
        try:
            signature.append((path, os.stat(path).st_mtime_ns))
        except OSError:
            pass
    return tuple(signature)


@lru_cache(maxsize=32)
def _ambient(folder: str, notebooks: tuple) -> str:
    from .settings import find_course_config, load_course_config, load_user_config

    config = load_user_config()
    student = None
    course_config = find_course_config(Path(folder))
    if course_config is not None:
        config.merge(load_course_config(course_config))
        parts = Path(folder).resolve().relative_to(course_config.parent.resolve()).parts
        if len(parts) >= 3 and parts[0] in ("autograded", "submitted", "feedback"):
            student = parts[1]  # nbgrader's folder layout: autograded/STUDENT/ASSIGNMENT
    metadata = None
    for path, _ in notebooks:
        try:
            with open(path, encoding="utf-8") as f:
                found = _metadata_language(json.load(f).get("metadata"))
        except (OSError, ValueError, AttributeError):
            continue
        if found:
            metadata = {"webgrader": {"language": found}}
            break
    try:
        return of_submission(config, student, metadata)
    except Exception:  # a broken config must not stop the checks: they speak English then
        return ENGLISH
