"""Ready checks on a learner page. Each adds a CheckResult to `page.results`; a failure raises CheckFailed.

Checks return None on purpose: a value would become the cell's result, which nbgrader
reads as a partial score.

Instructors call them in autograder test cells:

    page = await open_page("index.html")
    await page.expect_text("h1", not_empty=True, name="The page has a main heading")
"""
from __future__ import annotations

import asyncio
import time

from .messages import localise, t
from .results import CheckFailed, CheckResult
from .settle import page_is_quiet

_COUNT = "(sel) => document.querySelectorAll(sel).length"
_TEXT = """(sel) => { const el = document.querySelector(sel);
  return el ? (el.innerText ?? el.textContent ?? '').replace(/\\s+/g, ' ').trim() : null; }"""
_ATTRS = "([sel, attr]) => Array.from(document.querySelectorAll(sel), el => el.getAttribute(attr))"
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


class _ActionSlow(Exception):
    """A click or typing that the page had not taken in within the action time limit."""


async def _within(awaitable, seconds: float):
    try:
        return await asyncio.wait_for(awaitable, seconds)
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

    async def _check(self, name, probe, ok, *, expected="", found=str, hint=""):
        from .harness import _PageHung, _PageUnstable

        # An instructor's own texts may be {"en": ..., "sv": ..., "uk": ...}: the learner's language, else English.
        name, expected, hint = localise(name), localise(expected), localise(hint)
        try:
            value = await self._limited(self._poll(probe, ok))
        except _PageHung:
            await self.record(self.unresponsive(name, expected))
        except _PageUnstable:
            await self.record(CheckResult(name, False, message=t("page.unstable"), expected=expected,
                                          hint=t("page.unstable.hint")))
        passed = bool(ok(value))
        await self.record(CheckResult(name, passed, expected=expected, found="" if passed else found(value), hint=hint))

    def _eval(self, script, arg):
        return lambda: self.evaluate_isolated(script, arg)

    # --- structure -------------------------------------------------------------
    async def expect_element(self, selector, *, what=None, name=None, hint=None):
        await self._check(
            name or t("element.name", what=_what(selector, what)),
            self._eval(_COUNT, selector), lambda n: n >= 1,
            expected=t("element.expected", selector=selector),
            found=lambda n: t("no_element", selector=selector),
            hint=hint or t("element.hint"))

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
            expected=t(f"{key}.expected", n=n, selector=selector),
            found=lambda c: t("count.found", n=c),
            hint=hint or t("count.hint"))

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
            found=lambda text: t("no_element", selector=selector) if text is None else t("text.found", value=text),
            hint=hint or t("text.hint"))

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
            return bool(value.strip()) if not_empty else True

        def ok(values):
            return bool(values) and (all if every else any)(good(v) for v in values)

        def found(values):
            if not values:
                return t("no_element", selector=selector)
            bad = next((v for v in values if not good(v)), values[0])
            return t("attribute.missing", attribute=attribute) if bad is None else f'{attribute}="{bad}"'

        if equals is not None:
            expected = t("attribute.equals", attribute=attribute, value=equals)
        elif starts_with is not None:
            expected = t("attribute.starts_with", attribute=attribute, value=starts_with)
        else:
            expected = t("attribute.not_empty", attribute=attribute)
        await self._check(
            name or t("attribute.name", what=_what(selector, what), attribute=attribute),
            self._eval(_ATTRS, [selector, attribute]), ok, expected=expected, found=found,
            hint=hint or t("attribute.hint"))

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
            found=lambda v: t("no_element", selector=selector) if v is None else f"{css_property}: {v}",
            hint=hint or t("style.hint"))

    async def expect_image_loaded(self, selector="img", *, what=None, name=None, hint=None):
        def found(images):
            if not images:
                return t("no_element", selector=selector)
            return t("image.found", src=next((i["src"] for i in images if not i["ok"]), ""))

        await self._check(
            name or t("image.name", what=_what(selector, what)),
            self._eval(_IMAGES, selector), lambda imgs: bool(imgs) and all(i["ok"] for i in imgs),
            expected=t("image.expected"), found=found, hint=hint or t("image.hint"))

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
            expected=expected, found=lambda v: t("js.threw", error=v) if isinstance(v, _Threw) else repr(v),
            hint=hint or t("js.hint"))

    async def expect_no_js_errors(self, *, name=None, hint=None):
        async def errors():
            return list(self.js_errors)

        await self._check(
            name or t("no_js_errors.name"), errors, lambda errs: not errs,
            expected=t("no_js_errors.expected"), found=lambda errs: "; ".join(errs),
            hint=hint or t("no_js_errors.hint"))

    # --- actions ---------------------------------------------------------------
    async def _act(self, verb, selector, do, key=None):
        """Run `do(target)` on the first match of `selector` once a person could act on it;
        `target` is the probe's answer (state, x, y, navigates)."""
        from .harness import _PageHung, _PageUnstable, hung_actions

        name = f"{t('action.' + verb)} {selector}"
        self.history.append((verb, selector, key))
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
                await self.record(CheckResult(
                    name, False,
                    message=t("action.missing", action=t("action." + verb), selector=selector,
                              found=t("no_element", selector=selector)),
                    hint=t("action.missing.hint")))
            if state != "ok":
                await self.record(CheckResult(
                    name, False, message=t("action.blocked", action=t("action." + verb), selector=selector),
                    found=t("action.why." + state), hint=t("action.blocked.hint")))
            self.tab.touch()  # the next open_page() loads the page anew
            # Within the action limit, as Playwright's own actions: a page whose handler still
            # runs after it is asked below whether it answers at all.
            problem = await self._limited(_within(do(target), self.limits.action_timeout))
            if problem:
                await self.record(CheckResult(
                    name, False, message=t("action.blocked", action=t("action." + verb), selector=selector),
                    found=t("action.why." + problem), hint=t("action.blocked.hint")))
            self.last_change = time.monotonic()
        except _PageHung:
            hung_actions.add(history + ("crashed",) if self.crashed else history)
            await self.record(self.unresponsive(name))
        except _PageUnstable:  # it keeps loading itself: no document of it held still to act on
            await self.record(CheckResult(name, False, message=t("page.unstable"), hint=t("page.unstable.hint")))
        except CheckFailed:
            raise
        except Exception as exc:  # Playwright could not act: hung page, or hidden/disabled element
            if not await self.responsive():
                hung_actions.add(history + ("crashed",) if self.crashed else history)
                await self.record(self.unresponsive(name))
            found = (t("action.why.slow", seconds=self.limits.action_timeout) if isinstance(exc, _ActionSlow)
                     else (str(exc).splitlines() or [type(exc).__name__])[0])
            await self.record(CheckResult(
                name, False, message=t("action.blocked", action=t("action." + verb), selector=selector),
                found=found, hint=t("action.blocked.hint")))

    async def click(self, selector, *, times=1):
        async def click(target):
            if target["navigates"]:  # Playwright's click also waits for the navigation it starts
                await self._page.locator(selector).first.click(force=True, timeout=self.limits.action_timeout * 1000)
            else:  # the same mouse events a person's click makes, at the middle of the element
                await self._page.mouse.click(target["x"], target["y"])

        for _ in range(times):
            await self._act("click", selector, click)

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
