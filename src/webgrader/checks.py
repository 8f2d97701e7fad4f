"""Ready checks on a learner page. Each adds a CheckResult to `page.results`; a failure raises CheckFailed.

Checks return None on purpose: a value would become the cell's result, which nbgrader
reads as a partial score.

Instructors call them in autograder test cells:

    page = await open_page("index.html")
    await page.expect_text("h1", not_empty=True, name="The page has a main heading")
"""
from __future__ import annotations

import ast
import asyncio
import inspect
import linecache
import os
import re
import sys
import time

from . import problems as page_problems
from .messages import localise, t
from .results import CheckFailed, CheckResult
from .settle import page_is_quiet

_COUNT = "(sel) => document.querySelectorAll(sel).length"
_TEXT = """(sel) => { const el = document.querySelector(sel);
  return el ? (el.innerText ?? el.textContent ?? '').replace(/\\s+/g, ' ').trim() : null; }"""
# How the grader names an element to a learner: its opening tag, with the attributes that tell it apart.
_DESCRIBE = """const describe = (el) => { let tag = '<' + el.localName;
  for (const name of ['id', 'class', 'type', 'name', 'for', 'href', 'src', 'alt']) {
    const value = el.getAttribute(name);
    if (value !== null) tag += ' ' + name + '="' + (value.length > 40 ? value.slice(0, 40) + '…' : value) + '"';
  }
  return tag + '>'; };"""
_ATTRS = "([sel, attr]) => { " + _DESCRIBE + """
  return Array.from(document.querySelectorAll(sel), el => ({value: el.getAttribute(attr), element: describe(el)})); }"""
# The first of the simpler selectors that matches something, described: what the page has
# that comes closest to what a check looked for.
_CLOSEST = "(candidates) => { " + _DESCRIBE + """
  for (const sel of candidates) {
    let el = null;
    try { el = document.querySelector(sel); } catch (e) { continue; }
    if (el) return describe(el);
  }
  return null; }"""
_STYLE = """([sel, prop]) => { const el = document.querySelector(sel);
  return el ? getComputedStyle(el).getPropertyValue(prop).trim() : null; }"""
# Whether the first match can be clicked or typed into, the way a person could, and where
# to click it. Playwright's own checks and click cost about 60 to 90 ms after a load; this
# probe plus plain mouse events about 10 ms, and it names the reason when it cannot.
_ACTIONABLE = """(sel) => { const el = document.querySelector(sel);
  if (!el) return {state: 'missing'};
  el.scrollIntoView({block: 'center', inline: 'center'});
  const box = el.getBoundingClientRect(), style = getComputedStyle(el);
  if (!box.width || !box.height || style.visibility === 'hidden' || style.display === 'none') return {state: 'hidden'};
  if (el.disabled || el.closest('fieldset[disabled]')) return {state: 'disabled'};
  const x = box.left + box.width / 2, y = box.top + box.height / 2, hit = document.elementFromPoint(x, y);
  if (hit && hit !== el && !el.contains(hit) && !hit.contains(el)) return {state: 'covered'};
  // A link or a form's submit button navigates: Playwright's click waits for that navigation.
  const navigates = !!el.closest('a[href], area[href]') || (!!el.form && ['submit', 'image'].includes(el.type));
  return {state: 'ok', x, y, navigates}; }"""
# Playwright's fill, done in the checks' world: select the old text (or set the value of
# date-like inputs), so that typing replaces it. 'type' means: now insert the text.
_PREPARE_FILL = """([sel, value]) => { const el = document.querySelector(sel);
  if (!el) return 'gone';
  const setValue = ['color', 'date', 'time', 'datetime-local', 'month', 'range', 'week'];
  const typeInto = ['', 'email', 'number', 'password', 'search', 'tel', 'text', 'url'];
  if (el.localName === 'input') {
    const type = el.type.toLowerCase();
    if (setValue.includes(type)) {
      el.focus(); el.value = value;
      if (el.value !== value) return 'malformed';
      el.dispatchEvent(new Event('input', {bubbles: true, composed: true}));
      el.dispatchEvent(new Event('change', {bubbles: true}));
      return 'done';
    }
    if (!typeInto.includes(type)) return 'not_editable';
    if (type === 'number' && isNaN(Number(value.trim()))) return 'not_a_number';
    el.select(); el.focus(); return 'type';
  }
  if (el.localName === 'textarea') { el.select(); el.focus(); return 'type'; }
  if (!el.isContentEditable) return 'not_editable';
  const range = document.createRange(); range.selectNodeContents(el);
  const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
  el.focus(); return 'type'; }"""
_IMAGES = """(sel) => Array.from(document.querySelectorAll(sel), img =>
  ({src: img.getAttribute('src') || '', ok: img.complete && img.naturalWidth > 0}))"""


def _what(selector: str, what: str | None) -> str:
    return localise(what) or f"“{selector}”"


_COMPOUND = re.compile(r"(?P<tag>[a-zA-Z][\w-]*|\*)?(?P<rest>(?:#[\w-]+|\.[\w-]+|\[[^\]]*\])*)")
_PART = re.compile(r"""#([\w-]+)|\.([\w-]+)|\[\s*([\w-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([\w-]+))\s*(?:[iIsS]\s*)?)?\]""")


def describe_selector(selector: str) -> str:
    """A simple selector in words ('<input> element with id="email" and type="email"');
    anything else as 'element matching SELECTOR'."""
    selector = selector.strip()
    match = _COMPOUND.fullmatch(selector)
    if not selector or match is None:
        return t("selector.raw", selector=selector)
    tag, rest = match.group("tag"), match.group("rest")
    parts = []
    for part in re.finditer(r"#[\w-]+|\.[\w-]+|\[[^\]]*\]", rest):
        words = _PART.fullmatch(part.group(0))
        if words is None:  # [href^="https"] and the like: no plain words for it
            return t("selector.raw", selector=selector)
        ident, cls, name = words.group(1), words.group(2), words.group(3)
        value = next((g for g in words.group(4, 5, 6) if g is not None), None)
        if ident:
            parts.append(t("selector.id", value=ident))
        elif cls:
            parts.append(t("selector.class", value=cls))
        elif value is None:
            parts.append(t("selector.attribute", name=name))
        else:
            parts.append(t("selector.attribute.equals", name=name, value=value))
    thing = t("selector.tag", tag=tag.lower()) if tag and tag != "*" else t("selector.any")
    return t("selector.with", thing=thing, parts=t("selector.and").join(parts)) if parts else thing


def _simpler_selectors(selector: str) -> list[str]:
    """Selectors that ask less than `selector`, closest first: without its attribute and
    pseudo-class parts, its last element alone, its id alone, its tag alone."""
    first = selector.split(",")[0].strip()
    plain = re.sub(r"\[[^\]]*\]|::?[\w-]+(?:\([^)]*\))?", "", first).strip()
    last = re.split(r"\s*[\s>+~]\s*", plain)[-1] if plain else ""
    ident = re.search(r"#[\w-]+", first)
    tag = re.match(r"[a-zA-Z][\w-]*", last)
    candidates = [plain, last, ident.group(0) if ident else "", tag.group(0) if tag else ""]
    return [c for c in dict.fromkeys(candidates) if c and c != selector.strip()]


def _count_found(n: int) -> str:
    return t("count.found.none") if n == 0 else t("count.found.one") if n == 1 else t("count.found", n=n)


def _js_value(value) -> str:
    if value is False:
        return t("js.value.false")
    if value is None:
        return t("js.value.null")
    if value == "":
        return t("js.value.empty")
    return repr(value)


_ACTION_VERBS = {"click", "fill", "press"}


def _check_after_step() -> str | None:
    """The name of the check that follows the running action in the instructor's cell: a
    failing click is reported under the check it was a step of. None when it cannot be read."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    while frame is not None and (os.path.abspath(frame.f_code.co_filename).startswith(package)
                                 or "asyncio" in frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return None
    try:
        tree = ast.parse("".join(linecache.getlines(frame.f_code.co_filename)))
    except SyntaxError:
        return None
    calls = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)), key=lambda node: (node.lineno, node.col_offset))
    here = next((c for c in calls if c.func.attr in _ACTION_VERBS
                 and c.lineno <= frame.f_lineno <= (c.end_lineno or c.lineno)), None)
    if here is None:
        return None
    for call in calls:
        if call.lineno > (here.end_lineno or here.lineno) and call.func.attr.startswith("expect_"):
            name = _name_of_check(call)
            if name:
                return name
    return None


def _name_of_check(call: ast.Call) -> str | None:
    """The name a check call in an instructor's cell will show: its name=, or its default
    name where the arguments that make it are written out."""
    def constant(node):
        return node.value if isinstance(node, ast.Constant) else None

    keywords = {k.arg: constant(k.value) for k in call.keywords if k.arg}
    if isinstance(keywords.get("name"), str):
        return keywords["name"]
    args = [constant(a) for a in call.args]
    check = call.func.attr
    if check == "expect_no_js_errors":
        return t("no_js_errors.name")
    if check == "expect_image_loaded":
        return t("image.name", what=_what(args[0] if args else "img", keywords.get("what")))
    if not args or not isinstance(args[0], str):
        return None
    what = _what(args[0], keywords.get("what"))
    if check == "expect_element":
        return t("element.name", what=what)
    if check == "expect_text":
        return t("text.name", what=what)
    if check == "expect_count" and isinstance(keywords.get("exactly") or keywords.get("at_least"), int):
        exactly = keywords.get("exactly")
        return t("count.exactly.name" if exactly is not None else "count.name",
                 n=exactly if exactly is not None else keywords["at_least"], what=what)
    if check in ("expect_attribute", "expect_style") and len(args) > 1 and isinstance(args[1], str):
        if check == "expect_attribute":
            return t("attribute.name", what=what, attribute=args[1])
        return t("style.name", what=what, property=args[1])
    return None


class _ActionSlow(Exception):
    """A click or typing that the page had not taken in within the action time limit."""


async def _within(awaitable, seconds: float, page):
    try:
        return await page.within(awaitable, seconds, "action")
    except asyncio.TimeoutError:
        raise _ActionSlow() from None


class _Threw(str):
    """What an instructor's JavaScript expression threw in the page, instead of a value."""


class PageChecks:
    """Mixed into LearnerPage; relies on its `page`, `limits`, `_limited`, `evaluate_isolated`,
    `unresponsive` and `record`.

    The probes of the ready checks run in the grader's own JavaScript world of the page
    (`evaluate_isolated`): the page's own scripts cannot replace the functions they use.
    Only `expect_js` runs in the page's world, on purpose: it tests the learner's code.
    """

    async def _poll(self, probe, ok):
        """Probe until ok(value), or until settle_time after the last load or action unless the page
        is quiet (settle.py); returns the last value."""
        deadline = self.last_change + self.limits.settle_time
        while True:
            value = await probe()
            left = deadline - time.monotonic()
            if ok(value) or left <= 0:
                return value
            # Nothing under way that could change the page before the wait ends: fail now.
            if not self.sandbox.in_flight and await page_is_quiet(self._page, left):
                # Look once more: what was under way may have ended between the probe and now
                # (a transition's last frame), and a quiet page shows its final state.
                return await probe()
            await asyncio.sleep(0.05)

    async def _check(self, name, probe, ok, *, expected="", found=str, hint="", default_hint="", kind="behaviour"):
        """Probe the page until ok; record the result. `found(value)` (may be async) says what the
        page has; `hint` is the instructor's, `default_hint` the check's own, shown when there is
        no instructor's hint and no likely cause; `kind` picks the page problems that may cause a failure."""
        from .harness import _PageHung, _PageUnstable

        # An instructor's own texts may be {"en": ..., "sv": ..., "uk": ...}: the learner's language, else English.
        name, expected, hint = localise(name), localise(expected), localise(hint)
        await self._note()
        self.looked_at = None  # set by the probe's selector: the element framed in the picture
        try:
            value = await self._limited(self._poll(probe, ok))
        except _PageHung:
            await self.record(self.unresponsive(name, expected))
        except _PageUnstable:
            await self.record(CheckResult(name, False, message=t("page.unstable"), expected=expected,
                                          hint=t("page.unstable.hint")))
        passed = bool(ok(value))
        if passed:
            await self.record(CheckResult(name, True, expected=expected))
            return
        text = found(value)
        if inspect.isawaitable(text):
            text = await text
        cause = self._cause(kind)
        await self._note()  # outside addresses asked for since the last note, apart from this check
        await self.record(CheckResult(name, False, expected=expected, found=text, cause=cause,
                                      hint=hint or (t("hint.fix_cause_first") if cause else default_hint)))

    # --- what the page has, in a learner's words --------------------------------------------------
    def page_problems(self) -> list:
        """The problems of this page's files (problems.py), found once per page load."""
        if "_page_problems" not in self.__dict__:
            self.__dict__["_page_problems"] = page_problems.page_problems(
                self.sandbox.files, self.entry, self.sandbox.asset_dir)
        return self.__dict__["_page_problems"]

    @property
    def notes(self) -> list:
        """The notes shown about this page load (problems.PageNote), apart from the check results."""
        return self.__dict__.setdefault("_notes", [])

    async def _note(self) -> None:
        """Show, once per page load, what the grader noticed about the page: its problems and the
        outside addresses it tried to reach (those asked for later come in a later note)."""
        from .harness import _show

        told = self.__dict__.setdefault("_told", set())
        problems = [p.text for p in self.page_problems() if p.text not in told]
        blocked = [url for url in dict.fromkeys(self.sandbox.blocked) if url not in told]
        if problems or blocked:
            told.update(problems, blocked)
            note = page_problems.PageNote(self.entry, problems, blocked)
            self.notes.append(note)
            _show(note)

    def _outside(self, elements) -> str | None:
        """A likely cause: the page loads a script, stylesheet or image from the internet."""
        keys = {"script": "cause.outside_script", "stylesheet": "cause.outside_stylesheet", "img": "cause.outside_image"}
        for element, address, _ in page_problems.references(self.entry, self.sandbox.files.get(self.entry, "")):
            if element in elements and address.lower().startswith(("http://", "https://", "//")):
                return t(keys[element], page=self.entry, url=address)
        return None

    def _cause(self, kind: str) -> str:
        """The page problem that most likely made a check of this kind fail, in plain words; or ''."""
        if kind == "none":
            return ""
        found = self.page_problems()

        def first(test):
            return next((p.text for p in found if test(p)), None)

        if kind == "style":
            cause = (first(lambda p: p.kind in ("missing", "wrong_case") and p.element in ("stylesheet", "css_import"))
                     or first(lambda p: p.kind == "not_loaded" and p.file.endswith(".css"))
                     or self._outside({"stylesheet"}))
        elif kind == "image":
            cause = first(lambda p: p.kind in ("missing", "wrong_case") and p.element == "img") or self._outside({"img"})
        else:  # whatever depends on the page's scripts and on its elements
            loaded_at = getattr(self.tab, "loaded_at", 0.0)
            at_load = next((e for e in self.js_errors if getattr(e, "at", loaded_at + 1) <= loaded_at), None)
            cause = (first(lambda p: p.kind in ("missing", "wrong_case") and p.element in ("script", "js_import"))
                     or first(lambda p: p.kind == "not_loaded" and not p.file.endswith(".css"))
                     or self._outside({"script"})
                     or (t("cause.load_error", error=str(at_load).rstrip("."))
                         if at_load is not None and kind != "script" else None))
            if cause is None and kind != "script":
                cause = first(lambda p: p.kind == "html")
        return cause or ""

    async def _absent(self, selector: str) -> str:
        """What the page has instead of an element matching `selector`: the closest element
        (the one with that id, say, and its real type), or that it has none like it."""
        thing = describe_selector(selector)
        try:
            # Not under _limited: a slow answer here must not mark the page hung.
            closest = await asyncio.wait_for(self.evaluate_isolated(_CLOSEST, _simpler_selectors(selector)), 1.0)
        except Exception:
            closest = None
        return t("closest.found", thing=thing, element=closest) if closest else t("no_element.words", thing=thing)

    def _style_hint(self) -> str:
        """The default hint of a style check, naming the learner's own CSS files."""
        files = self.sandbox.files
        css = [name for name in sorted(files) if name.lower().endswith(".css")]
        linked = [name for name in page_problems.loaded_by(files, self.entry, ("stylesheet",)) if name in files]
        if linked:
            return t("style.hint.linked", files=", ".join(linked))
        if css:
            return t("style.hint.unlinked", file=css[0], page=self.entry)
        return t("style.hint.no_css")

    def _eval(self, script, arg):
        return lambda: self.evaluate_isolated(script, arg)

    # --- structure -------------------------------------------------------------
    async def expect_element(self, selector, *, what=None, name=None, hint=None):
        await self._check(
            name or t("element.name", what=_what(selector, what)),
            self._eval(_COUNT, selector), lambda n: n >= 1,
            expected=t("element.expected.words", thing=describe_selector(selector)),
            found=lambda n: self._absent(selector), hint=hint, default_hint=t("element.hint"), kind="structure")

    async def expect_count(self, selector, *, at_least=None, exactly=None, what=None, name=None, hint=None):
        if (at_least is None) == (exactly is None):
            raise ValueError("expect_count needs exactly one of at_least= or exactly=")
        if exactly is not None:
            key, n, ok = "count.exactly", exactly, (lambda c: c == exactly)
        else:
            key, n, ok = "count", at_least, (lambda c: c >= at_least)
        await self._check(
            name or t(f"{key}.name", n=n, what=_what(selector, what)),
            self._eval(_COUNT, selector), ok,
            expected=t(f"{key}.expected.one" if n == 1 else f"{key}.expected", n=n, selector=selector),
            found=_count_found, hint=hint, default_hint=t("count.hint"), kind="structure")

    # --- text and attributes ---------------------------------------------------
    async def expect_text(self, selector, *, equals=None, contains=None, not_empty=False,
                          ignore_case=False, what=None, name=None, hint=None):
        if equals is None and contains is None and not not_empty:
            raise ValueError("expect_text needs equals=, contains= or not_empty=True")
        fold = (lambda s: s.casefold()) if ignore_case else (lambda s: s)

        def ok(text):
            if text is None:
                return False
            if equals is not None:
                return fold(text) == fold(equals)
            if contains is not None:
                return fold(contains) in fold(text)
            return bool(text)

        if equals is not None:
            expected = t("text.equals", value=equals)
        elif contains is not None:
            expected = t("text.contains", value=contains)
        else:
            expected = t("text.not_empty")
        await self._check(
            name or t("text.name", what=_what(selector, what)),
            self._eval(_TEXT, selector), ok, expected=expected,
            found=lambda text: self._absent(selector) if text is None
            else t("text.empty") if text == "" else t("text.found", value=text),
            hint=hint, default_hint=t("text.hint"))

    async def expect_attribute(self, selector, attribute, *, equals=None, starts_with=None, not_empty=False,
                               every=False, what=None, name=None, hint=None):
        """One matching element (or, with every=True, all of them) has a good `attribute`."""
        def good(value):
            if value is None:
                return False
            if equals is not None:
                return value == equals
            if starts_with is not None:
                return value.startswith(starts_with)
            # Only asked to be there (an empty alt="" is there); not_empty=True asks for some text.
            return bool(value.strip()) if not_empty else True

        def ok(found):
            return bool(found) and (all if every else any)(good(f["value"]) for f in found)

        def found(found):
            if not found:
                return self._absent(selector)
            bad = next((f for f in found if not good(f["value"])), found[0])
            value = bad["value"]
            text = (t("attribute.missing", attribute=attribute) if value is None
                    else t("attribute.empty", attribute=attribute) if not value.strip() and value == ""
                    else f'{attribute}="{value}"')
            return t("attribute.on", found=text, element=bad["element"]) if len(found) > 1 else text

        if equals is not None:
            expected = t("attribute.equals", attribute=attribute, value=equals)
        elif starts_with is not None:
            expected = t("attribute.starts_with", attribute=attribute, value=starts_with)
        elif not_empty:
            expected = t("attribute.not_empty", attribute=attribute)
        else:
            expected = t("attribute.present", attribute=attribute)
        await self._check(
            name or t("attribute.name", what=_what(selector, what), attribute=attribute),
            self._eval(_ATTRS, [selector, attribute]), ok, expected=expected, found=found,
            hint=hint, default_hint=t("attribute.hint"), kind="structure")

    async def expect_style(self, selector, css_property, *, equals=None, not_equals=None,
                           what=None, name=None, hint=None):
        """The computed value of `css_property` (for example 'color': 'rgb(0, 0, 0)')."""
        if (equals is None) == (not_equals is None):
            raise ValueError("expect_style needs exactly one of equals= or not_equals=")

        def ok(value):
            if value is None:
                return False
            return value == equals if equals is not None else value != not_equals

        expected = (t("style.equals", property=css_property, value=equals) if equals is not None
                    else t("style.not", property=css_property, value=not_equals))
        await self._check(
            name or t("style.name", what=_what(selector, what), property=css_property),
            self._eval(_STYLE, [selector, css_property]), ok, expected=expected,
            found=lambda v: self._absent(selector) if v is None else f"{css_property}: {v}",
            hint=hint or self._style_hint(), kind="style")  # its own hint names the learner's CSS files: always shown

    async def expect_image_loaded(self, selector="img", *, what=None, name=None, hint=None):
        def found(images):
            if not images:
                return self._absent(selector)
            return t("image.found", src=next((i["src"] for i in images if not i["ok"]), ""))

        await self._check(
            name or t("image.name", what=_what(selector, what)),
            self._eval(_IMAGES, selector), lambda imgs: bool(imgs) and all(i["ok"] for i in imgs),
            expected=t("image.expected"), found=found, hint=hint, default_hint=t("image.hint"), kind="image")

    async def expect_js(self, expression, *, name, expected="", hint=None):
        """Passes when the JavaScript `expression`, evaluated in the page's own world, is truthy.

        An expression that throws (the learner's function fails) fails the check and says so.
        """
        from playwright.async_api import Error as PlaywrightError

        from .harness import _is_crash

        async def probe():
            try:
                return await self.page.evaluate(expression)
            except PlaywrightError as exc:
                if _is_crash(exc) or self._page.is_closed():
                    raise
                return _Threw(str(exc).splitlines()[0].removeprefix("Page.evaluate: "))

        await self._check(
            t("js.name", what=localise(name)), probe, lambda v: not isinstance(v, _Threw) and bool(v),
            expected=localise(expected) or t("js.expected", expression=expression),
            found=lambda v: t("js.threw", error=v) if isinstance(v, _Threw)
            else t("js.found.false", expression=expression, value=_js_value(v)),
            hint=hint, default_hint=t("js.hint"))

    async def expect_no_js_errors(self, *, name=None, hint=None):
        async def errors():
            return list(self.js_errors)

        await self._check(
            name or t("no_js_errors.name"), errors, lambda errs: not errs,
            expected=t("no_js_errors.expected"), found=lambda errs: "; ".join(errs),
            hint=hint, default_hint=t("no_js_errors.hint"), kind="script")

    # --- problems a beginner cannot see ----------------------------------------------------------
    async def _problem_check(self, name, expected, default_hint, hint, test):
        async def problems():
            return [p.text for p in self.page_problems() if test(p)]

        await self._check(name, problems, lambda found: not found, expected=expected,
                          found=lambda found: "; ".join(found), hint=hint, default_hint=default_hint, kind="none")

    async def expect_valid_html(self, *, name=None, hint=None):
        """The page's HTML has no parse errors: every tag closed, in the right order, none closing nothing."""
        await self._problem_check(name or t("valid_html.name", page=self.entry), t("valid_html.expected"),
                                  t("valid_html.hint"), hint, lambda p: p.kind == "html")

    async def expect_scripts_loaded(self, *, name=None, hint=None):
        """Every script among the page files is loaded by a page, and every <script src> names a file that exists."""
        await self._problem_check(
            name or t("scripts_loaded.name", page=self.entry), t("scripts_loaded.expected"), t("scripts_loaded.hint"),
            hint, lambda p: (p.kind == "not_loaded" and not p.file.endswith(".css"))
            or (p.kind in ("missing", "wrong_case") and p.element in ("script", "js_import")))

    async def expect_files_exist(self, *, name=None, hint=None):
        """Every file the page names (src, href, CSS url() and @import) exists, with the same capital letters."""
        await self._problem_check(name or t("files_exist.name", page=self.entry), t("files_exist.expected"),
                                  t("files_exist.hint"), hint,
                                  lambda p: p.kind in ("missing", "wrong_case", "outside_address"))

    # --- actions ---------------------------------------------------------------
    async def _act(self, verb, selector, do, key=None, nth=(1, 1)):
        """Run `do(target)` on the first match of `selector` once a person could act on it;
        `target` is the probe's answer (state, x, y, navigates). A failure is reported under the
        name of the check that follows in the cell, with this step named in it."""
        from .harness import _PageHung, _PageUnstable

        hung_actions = self.grading.hung_actions  # this submission's: never another's (remember_hang adds)
        step = f"{t('action.' + verb)} {selector}"
        if nth[1] > 1:
            step = t("step.nth", step=step, n=nth[0], times=nth[1])
        check = _check_after_step()
        name = check or step
        self.history.append((verb, selector, key))

        async def record(result: CheckResult):
            await self._note()
            result.step = step if check else ""
            if not self.hung:
                result.cause = result.cause or self._cause("action")
            await self.record(result)

        history = tuple(self.history)
        try:
            if history in hung_actions:  # these very files hung at this very step before
                self.hung = True
                raise _PageHung()
            if history + ("crashed",) in hung_actions:  # ... or crashed the tab
                self.tab.mark_crashed()
                raise _PageHung()
            target = await self._limited(self._poll(lambda: self.evaluate_isolated(_ACTIONABLE, selector),
                                                    lambda target: target["state"] == "ok"))
            state = target["state"]
            if state == "missing":
                await record(CheckResult(
                    name, False,
                    message=t("action.missing", action=t("action." + verb), selector=selector,
                              found=await self._absent(selector)),
                    hint=t("action.missing.hint")))
            if state != "ok":
                await record(CheckResult(
                    name, False, message=t("action.blocked", action=t("action." + verb), selector=selector),
                    found=t("action.why." + state), hint=t("action.blocked.hint")))
            self.tab.touch()  # the next open_page() loads the page anew
            # Within the action limit, as Playwright's own actions: a page whose handler still
            # runs after it is asked below whether it answers at all.
            problem = await self._limited(_within(do(target), self.limits.action_timeout, self))
            if problem:
                await record(CheckResult(
                    name, False, message=t("action.blocked", action=t("action." + verb), selector=selector),
                    found=t("action.why." + problem), hint=t("action.blocked.hint")))
            self.last_change = time.monotonic()
        except _PageHung:
            self.remember_hang(history)
            await record(self.unresponsive(name))
        except _PageUnstable:  # it keeps loading itself: no document of it held still to act on
            await record(CheckResult(name, False, message=t("page.unstable"), hint=t("page.unstable.hint")))
        except CheckFailed:
            raise
        except Exception as exc:  # Playwright could not act: hung page, or hidden/disabled element
            if not await self.responsive():
                self.remember_hang(history)
                await record(self.unresponsive(name))
            found = (t("action.why.slow", seconds=self.limits.action_timeout) if isinstance(exc, _ActionSlow)
                     else (str(exc).splitlines() or [type(exc).__name__])[0])
            await record(CheckResult(
                name, False, message=t("action.blocked", action=t("action." + verb), selector=selector),
                found=found, hint=t("action.blocked.hint")))

    async def click(self, selector, *, times=1):
        async def click(target):
            if target["navigates"]:  # Playwright's click also waits for the navigation it starts
                await self._page.locator(selector).first.click(force=True, timeout=self.limits.action_timeout * 1000)
            else:  # the same mouse events a person's click makes, at the middle of the element
                await self._page.mouse.click(target["x"], target["y"])

        for n in range(times):
            await self._act("click", selector, click, nth=(n + 1, times))

    async def fill(self, selector, text):
        async def fill(target):
            prepared = await self.evaluate_isolated(_PREPARE_FILL, [selector, text])
            if prepared == "type":  # the same input events as typing: what Playwright's fill does too
                if text:
                    await self._page.keyboard.insert_text(text)
                else:
                    await self._page.keyboard.press("Delete")
            elif prepared != "done":
                return prepared

        await self._act("fill", selector, fill, text)

    async def press(self, selector, key):
        await self._act("press", selector,
                        lambda _: self._page.locator(selector).first.press(key, timeout=self.limits.action_timeout * 1000), key)
