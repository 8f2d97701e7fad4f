"""The page harness: a learner's page in a fresh, sandboxed browser context.

Lifecycle, visible on purpose: one browser per process (`browser.shared_browser`); one
`grading.Grading` per submission, owning its tabs (`_Tab`: a context with one page) and its
memory of what hung; one `LearnerPage` per `open_page()`, a freshly loaded page with the
origin's storage wiped. Every browser call runs under a time limit that counts the page's own
work, not a busy machine's (`pagetime.py`). What a page may reach is decided in `sandbox.py`.
"""
from __future__ import annotations

import asyncio
import contextvars
import time
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from . import grading, pagetime, picture
from .browser import shared_browser
from .checks import PageChecks
from .magics import install_in_running_shell
from .messages import t
from .problems import PageError, page_error
from .results import CheckFailed, CheckResult
from .sandbox import FAKE_ORIGIN, MAX_PAGE_FILE_BYTES, Sandbox, _quietly, _utf8
from .sandbox import new_context as _new_context
from .settings import Limits, current_limits
from .settle import page_leaves_nothing

# Seconds a document may take to let go (its unload handlers) before its tab is replaced.
LEAVE_TIMEOUT = 1.0
# Seconds a page that stopped answering is given to crash (out of memory) before it is called hung.
CRASH_GRACE = 1.0
# Seconds of its own time a page still busy after an action's limit has to answer again, or it counts as hung.
RESPONSIVE_WITHIN = 1.0
# Seconds over which the grader watches what a page that ran out of time is busy with.
DOING_WINDOW = 0.3
# Seconds a check keeps trying to catch a document of a page that keeps reloading itself.
UNSTABLE_AFTER = 2.0

class _Tab:
    """A browser context of a submission (`grading`) and its one page.

    Each open_page() loads a new document in it after wiping the origin's storage:
    about 0.1 s, against 0.4 s for a new context and page (a new renderer process).
    A page that hung or crashed is stopped at once and thrown away with its context.
    """

    def __init__(self, context, page, sandbox: Sandbox, viewport):
        self.context, self.page, self.sandbox, self.viewport = context, page, sandbox, viewport
        self.grading = None  # the submission it belongs to
        self._closed: asyncio.Future | None = None
        # What is loaded now, and whether a check changed it since (a click, typing, the raw page):
        # an untouched load of the same files serves the next open_page() as it is.
        self.loaded: tuple | None = None
        self.loaded_at = 0.0
        self.dirty = True
        self.clean = True  # nothing was loaded in it since it was made or wiped
        self.ready_args: tuple | None = None  # how to load the current page again, in another tab
        self._hung = False
        self.left_directly = 0  # loads that replaced a document that left nothing behind (no about:blank, no wipe)
        self.fingerprint = ""
        self.cdp = None
        self.crashed = False
        self.crash = asyncio.Event()
        self.world: int | None = None  # the checks' isolated JavaScript world in the current document
        self.frame_id: str | None = None  # the page's main frame, for making that world
        self.page_errors: list[PageError] = []
        page.on("pageerror", lambda err: self.page_errors.append(page_error(err, FAKE_ORIGIN)))
        # Windows the page opens are closed at once: a learner page cannot flood the browser.
        page.on("popup", lambda popup: asyncio.ensure_future(_quietly(popup.close())))
        page.on("websocket", sandbox.note_websocket)
        page.on("console", sandbox.note_console)
        sandbox.main_frame = page.main_frame
        # The renderer died (out of memory): this tab is done; the next open_page makes a new one.
        page.on("crash", lambda _: self.mark_crashed())

    @property
    def hung(self) -> bool:
        return self._hung

    @hung.setter
    def hung(self, value: bool) -> None:
        was, self._hung = self._hung, value
        if value and not was and self.grading is not None:
            self.grading.stop(self)  # its renderer may spin on: stop it now, not at the next open_page

    def mark_crashed(self) -> None:
        self.crashed = True
        self.crash.set()
        self.hung = True

    async def devtools(self):
        """The tab's DevTools session, opened on first use."""
        if self.cdp is None:
            self.cdp = await self.context.new_cdp_session(self.page)
        return self.cdp

    async def evaluate_isolated(self, function: str, arg=None):
        """`function(arg)`, evaluated in a JavaScript world of the grader's own in the page's document.

        It sees the same DOM, with pristine built-ins: a page that replaces querySelectorAll,
        innerText or getComputedStyle cannot fool the checks.
        """
        await self.devtools()
        # A page that reloads itself without end destroys the world between two calls now and
        # then: try again, for a while, to catch one of its documents.
        deadline = time.monotonic() + UNSTABLE_AFTER
        while True:
            try:
                if self.world is None:
                    if self.frame_id is None:
                        tree = await self.cdp.send("Page.getFrameTree")
                        self.frame_id = tree["frameTree"]["frame"]["id"]
                    world = await self.cdp.send("Page.createIsolatedWorld", {
                        "frameId": self.frame_id, "worldName": "webgrader-checks"})
                    self.world = world["executionContextId"]
                reply = await self.cdp.send("Runtime.callFunctionOn", {
                    "functionDeclaration": function, "executionContextId": self.world,
                    "arguments": [{"value": arg}], "returnByValue": True, "awaitPromise": True})
            except PlaywrightError as exc:
                if _is_crash(exc) or self.page.is_closed():
                    raise
                self.world = self.frame_id = None  # a new document was loaded: make the world anew in it
                if time.monotonic() > deadline:
                    raise _PageUnstable() from None
                await asyncio.sleep(0.02)
                continue
            if "exceptionDetails" in reply:
                details = reply["exceptionDetails"]
                raise ProbeError((details.get("exception") or {}).get("description") or details.get("text", ""))
            return reply["result"].get("value")

    @classmethod
    async def open(cls, browser, sandbox: Sandbox, viewport, limits: Limits) -> "_Tab":
        # The grader's own work, not the page's: on a busy machine it may take the stretched limit.
        seconds = limits.load_timeout * max(1.0, limits.busy_factor)
        context = await asyncio.wait_for(_new_context(browser, sandbox, viewport), seconds)
        try:
            page = await asyncio.wait_for(context.new_page(), seconds)
        except BaseException:
            await asyncio.wait_for(context.close(), limits.close_timeout)
            raise
        page.set_default_timeout(limits.action_timeout * max(1.0, limits.busy_factor) * 1000)  # a backstop, as above
        return cls(context, page, sandbox, viewport)

    async def reset(self, files, asset_dir, viewport, limits: Limits) -> None:
        """Forget the previous load: storage and cookies of the origin, errors, request log."""
        await self.devtools()
        on_origin = self.page.url.startswith(FAKE_ORIGIN)
        if on_origin and not self.sandbox.in_flight and await page_leaves_nothing(self.page):
            # Nothing to wipe and nothing that runs on leaving: the next load replaces the document.
            self.left_directly += 1
        else:
            if on_origin:
                # sessionStorage belongs to the tab, not the origin. Cleared from the grader's own
                # world: the page can neither replace clear() nor break this by reloading itself.
                await self.evaluate_isolated("() => sessionStorage.clear()")
            # Leave the old document here, under reset's time limit: its unload, pagehide and
            # beforeunload handlers (which may spin for seconds) must not count against the next
            # page's load, nor get those innocent files remembered as hanging.
            await asyncio.wait_for(self.page.goto("about:blank"), LEAVE_TIMEOUT)
            await self.cdp.send("Storage.clearDataForOrigin", {"origin": FAKE_ORIGIN, "storageTypes": "all"})
        if viewport != self.viewport:
            await self.page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
            self.viewport = viewport
        self.sandbox.files, self.sandbox.asset_dir, self.sandbox.requests = files, asset_dir, []
        self.page_errors = []
        self.world = None
        self.loaded, self.dirty, self.clean = None, True, True

    async def prepare(self, files, asset_dir, viewport, limits: Limits) -> None:
        """Make the tab ready to load `files`: wiped if anything was loaded in it since."""
        if not self.clean:
            await asyncio.wait_for(self.reset(files, asset_dir, viewport, limits), limits.load_timeout)
            return
        if viewport != self.viewport:
            await self.page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
            self.viewport = viewport
        self.sandbox.files, self.sandbox.asset_dir, self.sandbox.requests = files, asset_dir, []

    def touch(self) -> None:
        """A check is about to change the page: the next open_page() needs a new load, so a
        tab starts getting that load ready in the background now."""
        if not self.dirty:
            self.dirty = True
            if self.grading is not None:
                self.grading.ready_more(self)

    @property
    def usable(self) -> bool:
        return not self.hung and not self.crashed and not self.page.is_closed()

    async def close(self, limits: Limits) -> None:
        """Page first, then its context (reverse order of creation), once; never raises."""
        if self._closed is None:
            self._closed = asyncio.ensure_future(self._close(limits))
        await asyncio.shield(self._closed)

    async def _close(self, limits: Limits) -> None:
        for closing in (lambda: self.page.close(run_before_unload=False), self.context.close):
            try:
                await asyncio.wait_for(closing(), limits.close_timeout)
            except Exception:
                pass


class LearnerPage(PageChecks):
    """A loaded learner page with checks and time-limited actions."""

    def __init__(self, tab: _Tab, entry: str, limits: Limits):
        self.tab = tab
        self.grading = tab.grading
        self.context = tab.context
        self._page = tab.page
        self.sandbox = tab.sandbox
        self.entry = entry
        self.limits = limits
        self.results: list[CheckResult] = []
        self.last_change = time.monotonic()  # failing checks keep looking until settle_time after this
        self.history: list = [tab.fingerprint]  # the files, then each action: what a hang is remembered by
        self.looked: pagetime.Looked | None = None  # what the grader saw of the last call that ran out of time
        self.looked_at: str | None = None  # the selector the current check probes: framed in its picture

    @property
    def js_errors(self) -> list[str]:
        """"app.js, line 3: ReferenceError: countt is not defined", each with when it happened
        (problems.JsError), in the language of the check that asks."""
        return [error.text() for error in self.tab.page_errors]

    @property
    def hung(self) -> bool:
        return self.tab.hung

    @hung.setter
    def hung(self, value: bool) -> None:
        self.tab.hung = value

    @property
    def crashed(self) -> bool:
        return self.tab.crashed

    async def _limited(self, awaitable, seconds: float | None = None, what: str = "check"):
        """Run one browser call under the check time limit (or `seconds`) of the page's own time
        (pagetime.py); running out marks the page hung, a dead renderer marks it crashed."""
        if self.hung:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise _PageHung()
        try:
            return await self.within(awaitable, seconds or self.limits.check_timeout, what)
        except asyncio.TimeoutError:
            self.hung = True
            raise _PageHung() from None
        except PlaywrightError as exc:
            if self.tab.crashed or _is_crash(exc) or self._page.is_closed():
                self.tab.mark_crashed()
                raise _PageHung() from None
            raise

    async def within(self, awaitable, seconds: float, what: str = "check"):
        """`awaitable` under a limit of `seconds` of the page's own time; asyncio.TimeoutError
        (a pagetime.PageTimeout) when it runs out, with what the grader saw in `self.looked`."""
        def stretched(looked):
            self.grading.note_stretched(what, looked)

        try:
            return await pagetime.within(awaitable, seconds, browser=self.grading.browser,
                                         busy_factor=max(1.0, self.limits.busy_factor), on_stretch=stretched,
                                         serving=lambda: self.sandbox.in_flight > 0)
        except pagetime.PageTimeout as exc:
            self.looked = exc.looked
            if exc.looked.why == "machine":  # ran out even stretched: the instructor hears of it
                self.grading.note_stretched(what, exc.looked)
            if exc.looked.why == "page" and not self.tab.crashed:
                exc.looked.doing = await self._busy_with()
            raise

    async def _busy_with(self) -> str:
        """What the page's renderer spends its time on, seen over DOING_WINDOW: "script" (its
        JavaScript runs), "layout" (styles and layout of the page), or "unknown" (it did not say:
        a page stuck in a loop it started before it was asked may not)."""
        async def metrics():
            reply = await self.tab.cdp.send("Performance.getMetrics")
            return {m["name"]: m["value"] for m in reply["metrics"]}

        try:
            await asyncio.wait_for(self.tab.devtools(), DOING_WINDOW)
            await asyncio.wait_for(self.tab.cdp.send("Performance.enable"), DOING_WINDOW)
            first = await asyncio.wait_for(metrics(), DOING_WINDOW)
            await asyncio.sleep(DOING_WINDOW)
            second = await asyncio.wait_for(metrics(), DOING_WINDOW)
        except Exception:
            return "unknown"

        def spent(*names):
            return sum(second.get(n, 0.0) - first.get(n, 0.0) for n in names)
        script, layout = spent("ScriptDuration"), spent("LayoutDuration", "RecalcStyleDuration")
        return "layout" if layout > script else "script"

    def remember_hang(self, history: tuple) -> None:
        """Remember the step after which the page stopped responding, for this submission's later
        checks: not when it only ran out of time stretched for a busy machine (tried again then)."""
        if self.looked is not None and self.looked.why == "machine" and not self.crashed:
            return
        self.grading.hung_actions.add(history + ("crashed",) if self.crashed else history)

    @property
    def page(self):
        """The raw Playwright page, for instructors' own assertions. Using it may change the
        page, so the next open_page() loads it anew."""
        self.tab.touch()
        return self._page

    async def evaluate_isolated(self, function: str, arg=None):
        """`function(arg)` in the checks' own JavaScript world (see `_Tab.evaluate_isolated`)."""
        self.looked_at = picture.selector_of(arg) or self.looked_at
        return await self.tab.evaluate_isolated(function, arg)

    def load_failure(self, crashed: bool) -> tuple[str, str]:
        """(message, hint) for a load that did not finish: what the grader saw."""
        return load_failure(crashed, self.looked, self.limits)

    def unresponsive(self, name: str, expected: str = "") -> CheckResult:
        """The failed result of a check that could not run because the page hung or crashed."""
        if self.crashed:
            return CheckResult(name, False, message=t("page.crashed"), expected=expected, hint=t("page.crashed.hint"))
        if self.looked is not None and self.looked.why == "machine":  # not the page's doing: say so
            return CheckResult(name, False, message=t("page.machine", seconds=self.looked.limit),
                               expected=expected, hint=t("load.timeout.machine.hint"))
        if self.looked is not None and self.looked.why == "page" and self.looked.doing == "layout":
            return CheckResult(name, False, message=t("page.layout", seconds=self.looked.limit), expected=expected,
                               hint=t("page.layout.hint"))
        if self.looked is not None and self.looked.why == "browser":
            return CheckResult(name, False, message=t("page.browser"), expected=expected, hint=t("page.browser.hint"))
        return CheckResult(name, False, message=t("page.hung"), expected=expected, hint=t("page.hung.hint"))

    async def responsive(self) -> bool:
        """Whether the page's JavaScript answers within RESPONSIVE_WITHIN of its own time (a page
        still busy with a long click handler does; one in an endless loop does not); marks the
        page hung if not."""
        if not self.hung:
            try:
                await self.within(self._page.evaluate("1"), RESPONSIVE_WITHIN, "responds")
            except Exception:
                # A renderer running out of memory stops answering a moment before it dies:
                # wait that moment, so that the learner reads "crashed", not "stopped responding".
                try:
                    await asyncio.wait_for(self.tab.crash.wait(), CRASH_GRACE)
                except asyncio.TimeoutError:
                    pass
                self.hung = True
        return not self.hung

    async def screenshot(self) -> tuple[str, str] | None:
        """(base64 JPEG, caption) of what the check saw, the element it looked at framed (picture.py)."""
        if self.hung:
            return None
        try:
            return await picture.take(self.tab, self.looked_at, self.limits.screenshot_timeout)
        except Exception:
            return None

    def problems(self) -> list[str]:
        """The JavaScript errors of the page, each with its file and line. Outside addresses the
        sandbox refused are not repeated under every failure: a note per page load lists them
        (PageChecks._note)."""
        return list(self.js_errors)

    async def record(self, result: CheckResult) -> CheckResult:
        """Keep and show the result; a failed check raises CheckFailed."""
        if not result.passed:
            result.js_errors = self.problems()
            shot = await self.screenshot()
            if shot:
                result.screenshot, result.screenshot_caption = shot
        self.looked_at = None  # the next check says what it looks at
        self.results.append(result)
        _show(result)
        if not result.passed:
            raise CheckFailed(result)
        return result


def load_failure(crashed: bool, looked, limits: Limits) -> tuple[str, str]:
    """(message, hint) for a load that did not finish, from what the grader saw of it (`looked`),
    in the language of the moment: a submission remembers a hang by this, not by its words."""
    if crashed:
        return t("load.crashed"), t("page.crashed.hint")
    seconds = limits.load_timeout
    why = looked.why if looked is not None else "page"
    if why == "machine":
        return t("load.timeout.machine", seconds=seconds), t("load.timeout.machine.hint")
    if why == "waiting":
        return t("load.timeout.waiting", seconds=seconds), t("load.timeout.waiting.hint")
    if why == "browser":
        return t("load.timeout.browser", seconds=seconds), t("page.browser.hint")
    if looked is not None and looked.doing == "layout":  # busy, but not in its JavaScript
        return t("load.timeout.layout", seconds=seconds), t("page.layout.hint")
    return t("load.timeout", seconds=seconds), t("load.timeout.hint")


class GraderError(RuntimeError):
    """The grading machinery failed (no browser, crashed driver): the submission is not graded."""


class _PageHung(Exception):
    """Internal: a browser call ran out of time, or the page crashed."""


class _PageUnstable(Exception):
    """Internal: the page kept loading new documents while a check looked at it."""


class ProbeError(Exception):
    """A check's own probe threw in the page (for example, on an invalid CSS selector)."""


def _is_crash(exc: BaseException) -> bool:
    return "crash" in str(exc).lower()


# Where results are shown. Unset, inside IPython: the cell's output. The kernel-free
# grader sets it to collect the same outputs a kernel would have produced.
display_hook: contextvars.ContextVar = contextvars.ContextVar("webgrader_display_hook", default=None)


def _show(result: CheckResult) -> None:
    hook = display_hook.get()
    if hook is not None:
        hook(result)
        return
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display(result)


async def open_page(
    entry: str = "index.html",
    *,
    files: dict[str, str] | None = None,
    viewport: tuple[int, int] | None = None,
    asset_dir: str | Path | None = ".",
    limits: Limits | None = None,
    real_time: bool = False,
) -> LearnerPage:
    """Load the learner's `entry` page afresh, from the fake origin, in the current submission's
    tab (`grading.current()`: the innermost `async with Grading()`, else the kernel's own).

    `files` defaults to the submission's page files (in a kernel: those stored by the `%%page`
    cells run so far). Raises CheckFailed (with a plain-language message) when the page is
    missing or does not finish loading in time.
    The page's clock starts at the same instant and `Math.random` draws the same numbers at
    every load (steady.py); `real_time=True` gives it the browser's own.
    """
    install_in_running_shell()
    return await grading.current().open_page(entry, files=files, viewport=viewport, asset_dir=asset_dir,
                                             limits=limits, real_time=real_time)


async def _load(tab: "_Tab", url: str, limits: Limits) -> None:
    """tab.page.goto(url), until the page's load event.

    A page that sends the tab elsewhere while it loads has that navigation refused, which
    stops Chromium's parser there: the document completes, but Playwright, which saw a
    navigation start, never reports its load. The grader then waits for the document itself.
    A navigation that the previous document started just before it was left (a page that
    reloads itself) may interrupt this one: it then loads the new files, and the load is
    started again.
    """
    # A backstop only: the caller's limit (pagetime.within, stretched on a busy machine) decides.
    deadline = time.monotonic() + limits.load_timeout * max(1.0, limits.busy_factor) + 0.5
    while True:
        try:
            await _load_once(tab, url, deadline)
            return
        except PlaywrightError as exc:
            if "interrupted by another navigation" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def _load_once(tab: "_Tab", url: str, deadline: float) -> None:
    tab.clean = False
    tab.sandbox.refused_navigation = refused = asyncio.Event()
    goto = asyncio.ensure_future(tab.page.goto(url, wait_until="load", timeout=max(0.1, deadline - time.monotonic()) * 1000))
    waiting = asyncio.ensure_future(refused.wait())
    try:
        await asyncio.wait({goto, waiting}, return_when=asyncio.FIRST_COMPLETED)
        while not goto.done():
            if await tab.evaluate_isolated("(url) => location.href === url && document.readyState === 'complete'", url):
                return
            if time.monotonic() > deadline:
                raise asyncio.TimeoutError()
            await asyncio.sleep(0.05)
        goto.result()
    finally:
        waiting.cancel()
        if not goto.done():
            goto.cancel()
        elif not goto.cancelled():
            goto.exception()  # retrieved, so that asyncio does not warn about it


# --- the browser and the submission's lifecycle -------------------------------------------
def _grader_error(what: str, exc: Exception) -> "GraderError":
    # The grader is broken, not the learner's page: never a silent zero.
    return GraderError(f"The grading browser could not {what} ({type(exc).__name__}: {exc}). "
                       "Run `webgrader doctor` to see why.")


async def start_browser(browser=None):
    """This process's browser, started if need be; GraderError if it cannot start."""
    try:
        return await (browser or shared_browser).get()
    except Exception as exc:
        raise _grader_error("start", exc) from exc


async def end_submission(limits: Limits | None = None, *, prepare_next: bool = False) -> None:
    """End the current submission (`grading.current()`): close all its tabs (page, then context).
    The browser stays up. The next open_page() outside a `Grading` starts a new one.

    With prepare_next (a bulk grader, between submissions), the closing goes on in the
    background and the next submission's tabs start at once (`Grading.hand_over`).
    """
    current = grading.current(create=False)
    if current is None:
        return
    implicit = grading._implicit.get(asyncio.get_running_loop()) is current
    if prepare_next:
        after = current.hand_over(limits)
        if implicit:
            grading._implicit[asyncio.get_running_loop()] = after
        return
    await current.close(limits)


async def close_all() -> None:
    """End the current submission, then close the browser and driver (reverse order of start)."""
    await end_submission()
    await shared_browser.close()
