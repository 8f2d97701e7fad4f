"""The language of each request: the reader's own, chosen per request, never a process global.

For each request the first of these that names a language webgrader writes wins
(`language.of_reader`):

1. the learner's own choice on the language switch at the top of every page (a cookie, COOKIE);
2. the instructor's roster, ``c.WebGrader.student_languages`` (the language of her feedback);
3. the browser's Accept-Language (a program calling the API may send it too);
4. the course's ``c.WebGrader.language``;
5. English.

The handler sets it for the request with ``language.speaking`` (web.py), so every ``t()`` of
that request, its pages and its API messages alike, speaks it. The switch is a plain link:
``GET language?lang=sv&next=PATH`` sets only the cookie and goes back to PATH, a path inside the
service (anything else goes to the service's home page).
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

COOKIE = "webgrader-lang"
COOKIE_DAYS = 365
# Each language by its own name, as its readers look for it.
NAMES = {"en": "English", "sv": "Svenska", "uk": "Українська"}
# A path the switch may go back to: the characters of the service's own paths, nothing that a
# browser could read as another host (//host, /\host) or as a way out of the prefix (..).
_PATH = re.compile(r"[A-Za-z0-9/._~-]*")


def name(lang: str) -> str:
    return NAMES.get(lang, lang)


def safe_target(base: str, target) -> str:
    """`target` if it is a path inside the service (under `base`), else `base`."""
    if not isinstance(target, str) or not target.startswith(base) or not _PATH.fullmatch(target):
        return base
    if "//" in target or any(part in (".", "..") for part in target.split("/")):
        return base
    return target


class CourseLanguages:
    """The course's roster and default language, from its nbgrader_config.py, read again when the
    file changes (as each grading job reads it): a learner added to the roster reads her pages
    in her language from her next page on, as her next feedback."""

    def __init__(self, course_root: Path):
        self.path = Path(course_root) / "nbgrader_config.py"
        self._stamp = None
        self._config = None

    def config(self):
        from ..settings import load_course_config

        try:
            stamp = os.stat(self.path).st_mtime_ns
        except OSError:
            return self._config
        if stamp != self._stamp:
            try:
                self._config = load_course_config(self.path)
            except Exception as exc:  # a half-saved edit: the last good configuration until it is fixed
                logging.getLogger("webgrader.service").warning("%s: %s; languages as before", self.path, exc)
            self._stamp = stamp
        return self._config
