"""Problems a beginner cannot see on her page, found by reading its files (no browser needed).

- an HTML parse error: a tag never closed, closed in the wrong order, or closing nothing,
  with its line (Python's own HTML tokenizer, with HTML's void elements and optional end tags);
- a script or stylesheet that no page loads, or a `<script src>` naming a file that does not exist;
- a reference (`src`, `href`, CSS `url()` and `@import`) to a file that does not exist,
  a wrong capital letter included;
- JavaScript errors with their file and line, read from the error's stack.

Each problem is a sentence in the learner's words (messages.py) with the file and line.
The grader lists them once per page load (`PageNote`) and names the likely one in a failing
check (`CheckResult.cause`); the ready checks of checks.py also fail on them.
"""
from __future__ import annotations

import functools
import html
import posixpath
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .messages import t

# Elements that never have an end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr", "keygen"}
# Elements whose end tag may be left out: the browser closes them itself.
OPTIONAL_END = {"html", "head", "body", "p", "li", "dt", "dd", "rt", "rp", "optgroup", "option",
                "colgroup", "caption", "thead", "tbody", "tfoot", "tr", "td", "th"}
# Start tags that close an open <p> (a paragraph cannot hold them).
CLOSES_P = {"address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "fieldset",
            "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
            "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# An open element of these hides a <p> further out from a start tag that would close it.
_SCOPE = {"button", "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"}
# Start tags that close an open element of the same family, up to a boundary.
_IMPLIED = {"li": ({"li"}, {"ul", "ol", "menu"}), "dt": ({"dt", "dd"}, {"dl"}), "dd": ({"dt", "dd"}, {"dl"}),
            "option": ({"option"}, {"select", "datalist"}), "optgroup": ({"option", "optgroup"}, {"select"}),
            "tr": ({"tr", "td", "th"}, {"table", "tbody", "thead", "tfoot"}),
            "td": ({"td", "th"}, {"tr", "table"}), "th": ({"td", "th"}, {"tr", "table"}),
            "tbody": ({"tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup"}, {"table"}),
            "thead": ({"tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup"}, {"table"}),
            "tfoot": ({"tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup"}, {"table"})}
# Elements that may not hold another of their kind: the browser ends the first one.
_NO_NESTING = {"a", "button"}
# Parse errors listed per file at most: one missing end tag often causes a few more.
MAX_HTML_ERRORS = 5
# Attributes that name a file the page loads or links to, by element.
_REFERENCES = {"script": ("src",), "img": ("src",), "source": ("src",), "video": ("src", "poster"),
               "audio": ("src",), "track": ("src",), "iframe": ("src",), "embed": ("src",),
               "object": ("data",), "input": ("src",), "link": ("href",), "a": ("href",), "area": ("href",)}
_LINK_RELS_LOADED = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "manifest", "modulepreload"}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)
_JS_IMPORT = re.compile(r"""(?:\bimport\s*(?:[\w*{}\s,$]+from\s*)?|\bimport\s*\(\s*)["']([^"']+)["']""")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# "www.linkedin.com/in/me" or "linkedin.com/in/me": a web address written without https://
_LOOKS_LIKE_HOST = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|se|ua|io|dev|eu|edu|gov|info|me)(?:[/:?#]|$)", re.I)
_STACK_FRAME = re.compile(r"(https?://[^\s()]+?):(\d+):(\d+)")
# Characters of a file that are read for problems: pages are typed in cells and far shorter;
# Python's tokenizer reads about 0.3 MB a second on a busy machine, and a page may be 2 MB.
MAX_READ = 128 * 1024
# Problems of one kind listed per file at most: a page with 10,000 broken images needs no 10,000 lines.
MAX_PER_FILE = 20
_DATA_URL = re.compile(r"data:[^\s\"'()<>]{200,}")
# Addresses are shown at most this long in a sentence.
MAX_ADDRESS = 100
_CACHE: dict = {}  # page_problems by the files they were found in: each check cell loads the same page again
_CACHE_SIZE = 16


def _readable(text: str) -> str:
    """The part of a file that is read: pictures pasted in as data: URLs shortened, then cut at MAX_READ."""
    return _DATA_URL.sub("data:…", text)[:MAX_READ]


def _short(address: str) -> str:
    return address if len(address) <= MAX_ADDRESS else address[:MAX_ADDRESS] + "…"


@dataclass
class PageProblem:
    """One problem of a page, in a learner's words."""
    kind: str  # "html", "missing", "wrong_case", "not_loaded", "outside_address"
    file: str  # the file it is in (for "not_loaded": the file that is never loaded)
    line: int | None
    text: str  # the whole sentence, file and line included
    target: str = ""  # the file referenced, where there is one
    element: str = ""  # the element that references it (img, script, link, a...)

    def __str__(self) -> str:
        return self.text


# --- HTML parse errors ---------------------------------------------------------------------------
class _TreeChecker(HTMLParser):
    """Follows the open elements as a browser's parser would, closely enough to name the
    tags a beginner leaves open, closes twice or closes in the wrong order."""

    def __init__(self, file: str):
        super().__init__(convert_charrefs=True)
        self.file = file
        self.stack: list[tuple[str, int]] = []
        self.errors: list[PageProblem] = []
        self.closed_early: dict[str, tuple[int, str, int]] = {}  # tag -> (its line, what closed it, where)
        self.forgiven: list[str] = []  # end tags of elements already reported as never closed
        self.reported: set[tuple[str, int]] = set()  # (tag, line) of elements already reported
        self.foreign = 0  # depth inside <svg> or <math>, where <x/> closes x

    def _error(self, line: int, key: str, **values) -> None:
        if "tag" in values and key != "html.stray_end":  # one report per element
            if (values["tag"], line) in self.reported:
                return
            self.reported.add((values["tag"], line))
        self.errors.append(PageProblem("html", self.file, line, t(key, file=self.file, line=line, **values)))

    def _in_scope(self, tag: str, boundary) -> int | None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                return i
            if self.stack[i][0] in boundary:
                return None
        return None

    def _close_to(self, index: int, line: int, by: str) -> None:
        """Pop the stack down to (and including) index; elements above it that need an end tag
        are reported as never closed."""
        for tag, opened in reversed(self.stack[index + 1:]):
            if tag not in OPTIONAL_END:
                self._error(opened, "html.unclosed_before", tag=tag, by=by, at=line)
                self.forgiven.append(tag)
        del self.stack[index:]

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        if self.foreign:
            if tag not in VOID:
                self.stack.append((tag, line))
            return
        if tag in CLOSES_P or tag in HEADINGS:
            p = self._in_scope("p", _SCOPE)
            if p is not None:
                self.closed_early["p"] = (self.stack[p][1], f"<{tag}>", line)
                self._close_to(p, line, f"<{tag}>")
        if tag in HEADINGS and self.stack and self.stack[-1][0] in HEADINGS:
            outer, opened = self.stack.pop()
            self._error(opened, "html.nested", tag=outer, inner=tag, at=line)
            self.forgiven.append(outer)
        if tag in _IMPLIED:
            family, boundary = _IMPLIED[tag]
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i][0] in boundary:
                    break
                if self.stack[i][0] in family:
                    self._close_to(i, line, f"<{tag}>")
                    break
        if tag in _NO_NESTING:
            i = self._in_scope(tag, {"html", "table", "td", "th", "template"})
            if i is not None:
                self._error(self.stack[i][1], "html.nested", tag=tag, inner=tag, at=line)
                self.forgiven.append(tag)
                self._close_to(i, line, f"<{tag}>")
        if tag in ("svg", "math"):
            self.foreign += 1
        if tag not in VOID:
            self.stack.append((tag, line))

    def handle_startendtag(self, tag, attrs):
        if self.foreign or tag in VOID:
            self.handle_starttag(tag, attrs)
            if self.foreign and tag not in VOID:
                self.handle_endtag(tag)
            return
        # <div/> or <script src="app.js"/>: HTML ignores the slash, so the element stays open.
        self._error(self.getpos()[0], "html.self_closing", tag=tag)
        self.handle_starttag(tag, attrs)
        self.forgiven.append(tag)

    def handle_endtag(self, tag):
        line = self.getpos()[0]
        if tag in VOID:
            return
        i = self._in_scope(tag, set()) if tag not in ("p",) else self._in_scope("p", _SCOPE)
        if i is None:
            if tag in self.forgiven:
                self.forgiven.remove(tag)
            elif tag == "p" and "p" in self.closed_early:
                opened, by, at = self.closed_early.pop("p")
                self._error(line, "html.p_closed_early", opened=opened, by=by, at=at)
            elif tag not in ("html", "head", "body", "br"):
                self._error(line, "html.stray_end", tag=tag)
            return
        self._close_to(i, line, f"</{tag}>")
        if tag in ("svg", "math"):
            self.foreign = max(0, self.foreign - 1)

    def close(self):
        super().close()
        for tag, opened in self.stack:
            if tag not in OPTIONAL_END:
                self._error(opened, "html.unclosed", tag=tag)
        self.stack = []


def html_errors(file: str, text: str) -> list[PageProblem]:
    """The parse errors of one HTML file, by line, at most MAX_HTML_ERRORS."""
    checker = _TreeChecker(file)
    readable = _readable(text)
    try:
        checker.feed(readable)
        if len(readable) < MAX_READ:  # a file read only in part: what is open at the cut may close later
            checker.close()
    except Exception:  # the tokenizer gives up on nothing a browser accepts; be safe all the same
        pass
    found = sorted(checker.errors, key=lambda p: p.line or 0)
    return found[:MAX_HTML_ERRORS]


# --- references to files -------------------------------------------------------------------------
class _ReferenceReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.references: list[tuple[str, str, int]] = []  # (element, address, line)
        self.styles: list[tuple[str, int]] = []  # CSS written in the page, with its first line
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        values = dict(attrs)
        if tag == "link":
            rels = set((values.get("rel") or "").lower().split())
            if not rels & _LINK_RELS_LOADED:
                return
        for attr in _REFERENCES.get(tag, ()):
            if values.get(attr):
                element = "stylesheet" if tag == "link" and "stylesheet" in (values.get("rel") or "").lower() else tag
                self.references.append((element, values[attr].strip(), line))
        if values.get("style"):
            self.styles.append((values["style"], line))
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append((data, self.getpos()[0]))


def _css_references(text: str, first_line: int = 1) -> list[tuple[str, str, int]]:
    found = []
    for match in _CSS_URL.finditer(text):
        address = next((g for g in match.groups() if g is not None), "")
        element = "css_import" if match.group(0).lstrip().startswith("@") else "css_url"
        found.append((element, address.strip(), first_line + text.count("\n", 0, match.start())))
    return found


@functools.lru_cache(maxsize=64)  # the same files are read for several problems, and again by each check cell
def references(file: str, text: str) -> list[tuple[str, str, int]]:
    """(element, address, line) of every file that `file` names."""
    suffix = Path(file).suffix.lower()
    text = _readable(text)
    if suffix in (".html", ".htm"):
        reader = _ReferenceReader()
        try:
            reader.feed(text)
            reader.close()
        except Exception:
            pass
        found = list(reader.references)
        for css, line in reader.styles:
            found.extend(_css_references(css, line))
        return found
    if suffix == ".css":
        return _css_references(text)
    if suffix in (".js", ".mjs"):
        return [("js_import", m.group(1), 1 + text.count("\n", 0, m.start())) for m in _JS_IMPORT.finditer(text)]
    return []


def resolve(file: str, address: str) -> str | None:
    """The file name inside the exercise folder that `address`, written in `file`, names;
    None for web addresses, in-page anchors and data: URLs."""
    if not address or address.startswith(("#", "//")) or _SCHEME.match(address):
        return None
    path = unquote(urlsplit(address).path)
    if not path:
        return None
    joined = posixpath.normpath(path.lstrip("/") if path.startswith("/") else
                                posixpath.join(posixpath.dirname(file), path))
    if joined.startswith("..") or joined == ".":
        return None
    return joined


class _Files:
    """What the grader serves: page files from the cells, other files from the learner's folder."""

    def __init__(self, files: dict[str, str], asset_dir):
        from .pages import CODE_SUFFIXES

        self.files, self.code = files, CODE_SUFFIXES
        self.root = Path(asset_dir).resolve() if asset_dir is not None else None

    def exists(self, name: str) -> bool:
        if name in self.files:
            return True
        if self.root is None or Path(name).suffix.lower() in self.code:
            return False
        return (self.root / name).is_file()

    def differently_written(self, name: str) -> str | None:
        """The name of a file that exists and differs from `name` only in capital letters."""
        folded = name.casefold()
        for other in self.files:
            if other.casefold() == folded:
                return other
        if self.root is None or Path(name).suffix.lower() in self.code:
            return None
        here, parts = self.root, []
        for part in name.split("/"):
            try:
                match = next((p for p in here.iterdir() if p.name.casefold() == part.casefold()), None)
            except OSError:
                return None
            if match is None:
                return None
            here = match
            parts.append(match.name)
        return "/".join(parts) if here.is_file() else None


def _what(element: str) -> str:
    key = f"problem.element.{element}"
    return t(key) if element in ("img", "script", "stylesheet", "a", "css_url", "css_import", "js_import") else t("problem.element.other")


def missing_files(files: dict[str, str], asset_dir, names) -> list[PageProblem]:
    """References in the files `names` to files that do not exist, wrong case included."""
    served = _Files(files, asset_dir)
    found = []
    for file in names:
        listed = 0
        for element, address, line in references(file, files.get(file, "")):
            target = resolve(file, address)
            if target is None or served.exists(target) or listed >= MAX_PER_FILE:
                continue
            listed += 1
            address = _short(address)
            other = served.differently_written(target)
            if other is not None:
                found.append(PageProblem("wrong_case", file, line, t(
                    "problem.wrong_case", file=file, line=line, what=_what(element), name=address,
                    other=posixpath.relpath(other, posixpath.dirname(file) or ".")), target, element))
            elif element in ("a", "area") and _LOOKS_LIKE_HOST.match(address):
                found.append(PageProblem("outside_address", file, line, t(
                    "problem.no_https", file=file, line=line, name=address), target, element))
            else:
                found.append(PageProblem("missing", file, line, t(
                    "problem.missing", file=file, line=line, what=_what(element), name=address), target, element))
    return found


def never_loaded(files: dict[str, str], entry: str) -> list[PageProblem]:
    """Scripts and stylesheets among the page files that no page (nor other script or
    stylesheet) loads: their code never runs, their rules never apply."""
    used = set()
    for file, text in files.items():
        for element, address, _ in references(file, text):
            if element in ("script", "stylesheet", "css_import", "js_import"):
                target = resolve(file, address)
                if target:
                    used.add(target)
    found = []
    for file in sorted(files):
        suffix = Path(file).suffix.lower()
        if suffix in (".js", ".mjs", ".css") and file not in used and files[file].strip():
            key = "problem.css_not_linked" if suffix == ".css" else "problem.script_not_loaded"
            found.append(PageProblem("not_loaded", file, None, t(
                key, file=file, page=entry, href=posixpath.relpath(file, posixpath.dirname(entry) or "."))))
    return found


def loaded_by(files: dict[str, str], entry: str, kinds=("script",)) -> list[str]:
    """The page files that `entry` loads directly, of the given element kinds, in order."""
    names = []
    for element, address, _ in references(entry, files.get(entry, "")):
        target = resolve(entry, address)
        if element in kinds and target:
            names.append(target)
    return names


def page_problems(files: dict[str, str], entry: str, asset_dir) -> list[PageProblem]:
    """Every problem of the page `entry`: its parse errors, files it names that do not exist
    (in it and in the stylesheets and scripts it loads), and page files no page loads."""
    if entry not in files:
        return []
    key = (tuple(sorted(files.items())), entry, str(asset_dir))
    if key not in _CACHE:
        problems = html_errors(entry, files[entry])
        names = [entry] + [name for name in loaded_by(files, entry, ("script", "stylesheet")) if name in files]
        problems += missing_files(files, asset_dir, list(dict.fromkeys(names)))
        problems += never_loaded(files, entry)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = problems
    return list(_CACHE[key])


# --- JavaScript errors ---------------------------------------------------------------------------
class JsError(str):
    """A JavaScript error as the learner reads it ("app.js, line 3: ReferenceError: ..."),
    with its file, line and when it happened (time.monotonic())."""

    file: str | None
    line: int | None
    at: float

    def __new__(cls, text: str, file: str | None = None, line: int | None = None, at: float | None = None):
        self = super().__new__(cls, text)
        self.file, self.line, self.at = file, line, time.monotonic() if at is None else at
        return self


@dataclass(frozen=True)
class PageError:
    """A page error as the browser reported it; written out (`text()`) only when a check reads it,
    in that check's language: the browser reports errors on its own task, which speaks no
    submission's language."""

    error: str
    file: str | None
    line: int | None
    at: float

    def text(self) -> JsError:
        if self.file is None:
            return JsError(self.error, at=self.at)
        return JsError(t("js_error.at", file=self.file, line=self.line, error=self.error), self.file, self.line, self.at)


def page_error(error, origin: str) -> PageError:
    """A Playwright page error, with the page file and line it happened at (from its stack)."""
    name = getattr(error, "name", "") or ""
    message = getattr(error, "message", "") or str(error)
    text = f"{name}: {message}" if name and not message.startswith(name) else message
    text = (text.splitlines() or [str(error)])[0]
    text = text if len(text) <= 300 else text[:300] + "…"
    for url, line, _ in _STACK_FRAME.findall(getattr(error, "stack", "") or ""):
        if url.startswith(origin + "/"):
            file = unquote(urlsplit(url).path).lstrip("/") or "index.html"
            return PageError(text, file, int(line), time.monotonic())
    return PageError(text, None, None, time.monotonic())


# --- one note per page load ----------------------------------------------------------------------
@dataclass
class PageNote:
    """What the grader noticed about a page, shown once per page load, apart from the checks:
    its problems and the outside addresses it tried to reach. It is not a check: it scores nothing."""
    page: str
    problems: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = list(self.problems)
        if self.blocked:
            lines.append(t("note.blocked", urls=", ".join(self.blocked[:5]) + (
                " " + t("output.more_problems", n=len(self.blocked) - 5) if len(self.blocked) > 5 else "")))
        return lines

    def as_text(self) -> str:
        return "\n".join([f"ℹ {t('note.title', page=self.page)}"] + [f"  - {line}" for line in self.lines()])

    def as_html(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines())
        return ("<div class='webgrader-note' style='border-left:4px solid #1565c0;padding:4px 8px'>"
                f"<p style='margin:2px 0;color:#0d47a1'><b>ℹ {html.escape(t('note.title', page=self.page))}</b></p>"
                f"<ul style='margin:2px 0'>{items}</ul></div>")

    def to_dict(self) -> dict:
        return {"page": self.page, "problems": list(self.problems), "blocked": list(self.blocked)}

    def _repr_html_(self):
        return self.as_html()

    def __repr__(self):
        return self.as_text()
