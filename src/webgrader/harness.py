"""The page harness: a learner's page in a fresh, sandboxed browser context.

Lifecycle, visible on purpose: one browser per process (`browser.shared_browser`); per
submission its own contexts, each with one page (`_Tab`): the current one, where checks run,
and, with `tabs_ahead`, others readied in the background with the same page loaded, for the
next check cell; all closed page first, then context, by `end_submission()` (a kernel grades one submission, so
there it ends with the kernel). Each `open_page()` gives a freshly loaded page with the
origin's storage wiped. Every browser call runs under a time limit. What a page may reach
is decided in `sandbox.py`.
"""
from __future__ import annotations

import asyncio
import contextvars
import hashlib
import time
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from . import pages
from .browser import shared_browser
from .checks import PageChecks
from .magics import install_in_running_shell
from .messages import t
from .results import CheckFailed, CheckResult
from .sandbox import FAKE_ORIGIN, MAX_PAGE_FILE_BYTES, Sandbox, _quietly, _utf8
from .sandbox import new_context as _new_context
from .settings import Limits, current_limits
from .settle import page_leaves_nothing

# Seconds a document may take to let go (its unload handlers) before its tab is replaced.
LEAVE_TIMEOUT = 1.0
# Seconds a page that stopped answering is given to crash (out of memory) before it is called hung.
CRASH_GRACE = 1.0
# Seconds a check keeps trying to catch a document of a page that keeps reloading itself.
UNSTABLE_AFTER = 2.0

# Pages that hung while loading, by content: the same files hang again, so later
# checks of the same submission fail at once instead of waiting out the limit again.
# The value is the message key ("load.timeout" or "load.crashed"), shown in each learner's language.
_hung_loads: dict[str, str] = {}
# Likewise the steps (files, then each click or typing) after which a page stopped responding.
hung_actions: set[tuple] = set()
# Whether more open_page() calls are to come in this submission: the kernel-free grader knows
# (it sees the remaining cells); elsewhere assume so.
more_loads_expected: contextvars.ContextVar = contextvars.ContextVar("webgrader_more_loads", default=True)
_tab: "_Tab | None" = None  # the current submission's tab that checks run in
# Tabs readied in the background (storage wiped, the same page loaded again, untouched) while
# checks run in the current one, so that the next open_page() after a click finds its page
# loaded: at most `Limits.tabs_ahead` (c.WebGrader.tabs_ahead, 0 by default) of them.
_ready: list = []  # (what is loaded, future of the tab)
_free: list = []  # futures of this submission's other tabs: fresh ones, or used ones not yet wiped
_closing: set = set()  # tabs being closed in the background (page, then context)


def _fingerprint(files: dict[str, str], entry: str, viewport) -> str:
    digest = hashlib.sha256(repr((sorted(files.items()), entry, viewport)).encode())
    return digest.hexdigest()


class _Tab:
    """The current submission's browser context and its one page.

    Each open_page() loads a new document in it after wiping the origin's storage:
    about 0.1 s, against 0.4 s for a new context and page (a new renderer process).
    A page that hung is thrown away with its context.
    """

    def __init__(self, context, page, sandbox: Sandbox, viewport):
        self.context, self.page, self.sandbox, self.viewport = context, page, sandbox, viewport
        # What is loaded now, and whether a check changed it since (a click, typing, the raw page):
        # an untouched load of the same files serves the next open_page() as it is.
        self.loaded: tuple | None = None
        self.loaded_at = 0.0
        self.dirty = True
        self.clean = True  # nothing was loaded in it since it was made or wiped
        self.ready_args: tuple | None = None  # how to load the current page again, in another tab
        self.hung = False
        self.left_directly = 0  # loads that replaced a document that left nothing behind (no about:blank, no wipe)
        self.fingerprint = ""
        self.cdp = None
        self.crashed = False
        self.crash = asyncio.Event()
        self.world: int | None = None  # the checks' isolated JavaScript world in the current document
        self.frame_id: str | None = None  # the page's main frame, for making that world
        self.js_errors: list[str] = []
        page.on("pageerror", lambda err: self.js_errors.append(f"{err.name}: {err.message}" if getattr(err, "name", "") else str(err)))
        # Windows the page opens are closed at once: a learner page cannot flood the browser.
        page.on("popup", lambda popup: asyncio.ensure_future(_quietly(popup.close())))
        page.on("websocket", sandbox.note_websocket)
        page.on("console", sandbox.note_console)
        sandbox.main_frame = page.main_frame
        # The renderer died (out of memory): this tab is done; the next open_page makes a new one.
        page.on("crash", lambda _: self.mark_crashed())

    def mark_crashed(self) -> None:
        self.crashed = self.hung = True
        self.crash.set()

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
        context = await asyncio.wait_for(_new_context(browser, sandbox, viewport), limits.load_timeout)
        try:
            page = await asyncio.wait_for(context.new_page(), limits.load_timeout)
        except BaseException:
            await asyncio.wait_for(context.close(), limits.close_timeout)
            raise
        page.set_default_timeout(limits.action_timeout * 1000)
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
        self.js_errors = []
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
            if _tab is self and self.ready_args is not None and _loop_running():
                _ready_more(*self.ready_args)

    @property
    def usable(self) -> bool:
        return not self.hung and not self.crashed and not self.page.is_closed()

    async def close(self, limits: Limits) -> None:
        """Page first, then its context (reverse order of creation); never raises."""
        for closing in (lambda: self.page.close(run_before_unload=False), self.context.close):
            try:
                await asyncio.wait_for(closing(), limits.close_timeout)
            except Exception:
                pass


class LearnerPage(PageChecks):
    """A loaded learner page with checks and time-limited actions."""

    def __init__(self, tab: _Tab, entry: str, limits: Limits):
        self.tab = tab
        self.context = tab.context
        self._page = tab.page
        self.sandbox = tab.sandbox
        self.entry = entry
        self.limits = limits
        self.results: list[CheckResult] = []
        self.last_change = time.monotonic()  # failing checks keep looking until settle_time after this
        self.history: list = [tab.fingerprint]  # the files, then each action: what a hang is remembered by

    @property
    def js_errors(self) -> list[str]:
        return self.tab.js_errors

    @property
    def hung(self) -> bool:
        return self.tab.hung

    @hung.setter
    def hung(self, value: bool) -> None:
        self.tab.hung = value

    @property
    def crashed(self) -> bool:
        return self.tab.crashed

    async def _limited(self, awaitable, seconds: float | None = None):
        """Run one browser call under the check time limit; a timeout marks the page hung,
        a dead renderer marks it crashed."""
        if self.hung:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise _PageHung()
        try:
            return await asyncio.wait_for(awaitable, seconds or self.limits.check_timeout)
        except asyncio.TimeoutError:
            self.hung = True
            raise _PageHung() from None
        except PlaywrightError as exc:
            if self.tab.crashed or _is_crash(exc) or self._page.is_closed():
                self.tab.mark_crashed()
                raise _PageHung() from None
            raise

    @property
    def page(self):
        """The raw Playwright page, for instructors' own assertions. Using it may change the
        page, so the next open_page() loads it anew."""
        self.tab.touch()
        return self._page

    async def evaluate_isolated(self, function: str, arg=None):
        """`function(arg)` in the checks' own JavaScript world (see `_Tab.evaluate_isolated`)."""
        return await self.tab.evaluate_isolated(function, arg)

    def unresponsive(self, name: str, expected: str = "") -> CheckResult:
        """The failed result of a check that could not run because the page hung or crashed."""
        if self.crashed:
            return CheckResult(name, False, message=t("page.crashed"), expected=expected, hint=t("page.crashed.hint"))
        return CheckResult(name, False, message=t("page.hung"), expected=expected, hint=t("page.hung.hint"))

    async def responsive(self) -> bool:
        """Whether the page's JavaScript still answers; marks the page hung if not."""
        if not self.hung:
            try:
                await asyncio.wait_for(self._page.evaluate("1"), 0.5)
            except Exception:
                # A renderer running out of memory stops answering a moment before it dies:
                # wait that moment, so that the learner reads "crashed", not "stopped responding".
                try:
                    await asyncio.wait_for(self.tab.crash.wait(), CRASH_GRACE)
                except asyncio.TimeoutError:
                    pass
                self.hung = True
        return not self.hung

    async def screenshot(self) -> str | None:
        if self.hung:
            return None
        try:
            # Straight from DevTools: a quarter faster than page.screenshot(), which first waits
            # for fonts and hides the text caret, in round trips of its own (0.03 s against 0.04 s).
            devtools = await self.tab.devtools()
            shot = await asyncio.wait_for(devtools.send("Page.captureScreenshot", {
                "format": "jpeg", "quality": 60, "optimizeForSpeed": True}), self.limits.screenshot_timeout)
        except Exception:
            return None
        return shot["data"]  # already base64

    def problems(self) -> list[str]:
        """JavaScript errors, then requests the sandbox refused, in a learner's words."""
        blocked = [t("blocked.request", url=url) for url in self.sandbox.blocked]
        return list(self.js_errors) + blocked

    async def record(self, result: CheckResult) -> CheckResult:
        """Keep and show the result; a failed check raises CheckFailed."""
        if not result.passed:
            result.js_errors = self.problems()
            result.screenshot = await self.screenshot()
        self.results.append(result)
        _show(result)
        if not result.passed:
            raise CheckFailed(result)
        return result


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
) -> LearnerPage:
    """Load the learner's `entry` page afresh, from the fake origin, in this submission's context.

    `files` defaults to the page files stored by the `%%page` cells run so far.
    Raises CheckFailed (with a plain-language message) when the page is missing
    or does not finish loading in time.
    """
    global _tab
    install_in_running_shell()
    limits = limits or current_limits()
    files = pages.current() if files is None else dict(files)
    viewport = tuple(viewport or limits.viewport)
    entry = pages.normalise_name(entry)
    name = t("load.name", entry=entry)

    def fail(result: CheckResult):
        _show(result)
        raise CheckFailed(result)

    if entry not in files:
        fail(CheckResult(name, False, message=t("load.missing", entry=entry), hint=t("load.missing.hint", entry=entry)))
    for file_name, text in sorted(files.items()):
        size = len(_utf8(text))
        if size > MAX_PAGE_FILE_BYTES:
            fail(CheckResult(name, False, message=t("load.too_big", file=file_name, size=size / 2**20,
                                                    limit=MAX_PAGE_FILE_BYTES / 2**20), hint=t("load.too_big.hint")))
    key = _fingerprint(files, entry, viewport)
    if key in _hung_loads:
        crashed = _hung_loads[key] == "load.crashed"
        message = t("load.crashed") if crashed else t("load.timeout", seconds=limits.load_timeout)
        fail(CheckResult(name, False, message=message, hint=t("page.crashed.hint" if crashed else "load.timeout.hint")))

    asset_path = Path(asset_dir) if asset_dir is not None else None
    loading = (key, str(asset_path))
    if _tab is not None and _tab.usable and not _tab.dirty and _tab.loaded == loading:
        # Nothing touched the page since it loaded these very files: loading them again would
        # give the same document (about 0.15 s a load, in every test cell of an assignment).
        learner_page = LearnerPage(_tab, entry, limits)
        learner_page.last_change = _tab.loaded_at
        return learner_page
    readied = await _take_ready(loading, limits)
    if readied is not None:  # a tab that loaded these very files in the background, untouched since
        _retire(_tab, limits)
        _tab = readied
        learner_page = LearnerPage(readied, entry, limits)
        learner_page.last_change = readied.loaded_at
        return learner_page
    if _tab is not None and _tab.usable:
        try:
            await _tab.prepare(files, asset_path, viewport, limits)
        except Exception:  # the old page would not let go: start over with a new context
            await _discard_current(limits)
    elif _tab is not None:
        await _discard_current(limits)
    if _tab is None:
        _tab = await _fresh_tab(files, asset_path, viewport, limits)
    _tab.fingerprint = key
    learner_page = LearnerPage(_tab, entry, limits)
    try:
        await learner_page._limited(_load(_tab, f"{FAKE_ORIGIN}/{entry}", limits), limits.load_timeout)
        learner_page.last_change = _tab.loaded_at = time.monotonic()
        _tab.loaded, _tab.dirty = loading, False
        _tab.ready_args = (files, asset_path, viewport, limits, entry, loading)
    except (_PageHung, PlaywrightTimeout) as exc:
        crashed = _tab.crashed or _is_crash(exc)
        message = t("load.crashed") if crashed else t("load.timeout", seconds=limits.load_timeout)
        _hung_loads[key] = "load.crashed" if crashed else "load.timeout"  # a key: the next learner may read another language
        problems = learner_page.problems()
        await _discard_current(limits)
        fail(CheckResult(name, False, message=message, hint=t("page.crashed.hint" if crashed else "load.timeout.hint"),
                         js_errors=problems))
    except _PageUnstable:  # it reloaded itself so fast that no document of it could be seen complete
        await _discard_current(limits)
        fail(CheckResult(name, False, message=t("page.unstable"), hint=t("page.unstable.hint")))
    except Exception as exc:  # a navigation error: the browser could not open the page
        crashed = _is_crash(exc)
        if crashed:
            _hung_loads[key] = "load.crashed"
        await _discard_current(limits)
        if crashed:
            fail(CheckResult(name, False, message=t("load.crashed"), hint=t("page.crashed.hint")))
        fail(CheckResult(name, False, message=t("load.failed", error=(str(exc).splitlines() or [type(exc).__name__])[0])))
    return learner_page


async def _load(tab: "_Tab", url: str, limits: Limits) -> None:
    """tab.page.goto(url), until the page's load event.

    A page that sends the tab elsewhere while it loads has that navigation refused, which
    stops Chromium's parser there: the document completes, but Playwright, which saw a
    navigation start, never reports its load. The grader then waits for the document itself.
    A navigation that the previous document started just before it was left (a page that
    reloads itself) may interrupt this one: it then loads the new files, and the load is
    started again.
    """
    deadline = time.monotonic() + limits.load_timeout + 0.5
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


# --- the tabs of a submission ------------------------------------------------------------
def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def _task(coro) -> asyncio.Future:
    task = asyncio.ensure_future(coro)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved: asyncio stays quiet
    return task


def _resolved(tab: "_Tab") -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_result(tab)
    return future


def _grader_error(what: str, exc: Exception) -> "GraderError":
    # The grader is broken, not the learner's page: never a silent zero.
    return GraderError(f"The grading browser could not {what} ({type(exc).__name__}: {exc}). "
                       "Run `webgrader doctor` to see why.")


async def start_browser():
    """This process's browser, started if need be; GraderError if it cannot start."""
    try:
        return await shared_browser.get()
    except Exception as exc:
        raise _grader_error("start", exc) from exc


async def _open_tab(viewport, limits: Limits) -> "_Tab":
    browser = await start_browser()
    try:
        return await _Tab.open(browser, Sandbox({}, None), viewport, limits)
    except Exception as exc:
        raise _grader_error("open a page", exc) from exc


async def _fresh_tab(files, asset_path, viewport, limits: Limits) -> "_Tab":
    """One of the submission's free tabs, ready for `files`; else a new one."""
    while _free:
        future = _free.pop(0)
        try:
            tab = await asyncio.wait_for(asyncio.shield(future), limits.load_timeout)
        except Exception:
            _close_when_done(future, limits)  # should it still come up
            continue  # it failed to start: try the next, or a new one, and report that failure
        if tab.usable:
            try:
                await tab.prepare(files, asset_path, viewport, limits)
                return tab
            except Exception:
                pass
        _close_later(tab, limits)
    tab = await _open_tab(viewport, limits)
    tab.sandbox.files, tab.sandbox.asset_dir = files, asset_path
    return tab


async def _ready_tab(source, files, asset_path, viewport, limits: Limits, entry: str, loading) -> "_Tab":
    """A tab (the free one `source`, or a new one) wiped, with `entry` loaded and untouched.
    Whatever goes wrong here is met again, and reported, when the page is loaded in the open."""
    tab = await source if source is not None else await _open_tab(viewport, limits)
    try:
        await tab.prepare(files, asset_path, viewport, limits)
        tab.fingerprint = loading[0]
        await asyncio.wait_for(_load(tab, f"{FAKE_ORIGIN}/{entry}", limits), limits.load_timeout)
        tab.loaded, tab.loaded_at, tab.dirty = loading, time.monotonic(), False
        tab.ready_args = (files, asset_path, viewport, limits, entry, loading)
        return tab
    except BaseException:
        _close_later(tab, limits)
        raise


def _ready_more(files, asset_path, viewport, limits: Limits, entry: str, loading) -> None:
    """Start readying tabs with this very page (the current one was touched), if more loads are to come."""
    for stale in [item for item in _ready if item[0] != loading]:  # readied for other files: free again
        _ready.remove(stale)
        _free.append(stale[1])
    if not more_loads_expected.get():
        return
    while len(_ready) < limits.tabs_ahead:
        source = _free.pop(0) if _free else None
        _ready.append((loading, _task(_ready_tab(source, files, asset_path, viewport, limits, entry, loading))))


async def _take_ready(loading, limits: Limits) -> "_Tab | None":
    """A tab readied with `loading` that made it; those that did not are closed."""
    for item in [item for item in _ready if item[0] == loading]:
        _ready.remove(item)
        try:
            tab = await asyncio.wait_for(asyncio.shield(item[1]), limits.load_timeout * 2 + limits.close_timeout)
        except Exception:
            _close_when_done(item[1], limits)
            continue
        if tab.usable and not tab.dirty and tab.loaded == loading:
            return tab
        _close_later(tab, limits)
    return None


def _retire(tab: "_Tab | None", limits: Limits) -> None:
    """A tab the checks are done with: kept for readying again, or closed if it hung."""
    if tab is None:
        return
    if tab.usable:
        _free.append(_resolved(tab))
    else:
        _close_later(tab, limits)


def _close_later(tab: "_Tab", limits: Limits) -> None:
    task = asyncio.ensure_future(tab.close(limits))
    _closing.add(task)
    task.add_done_callback(_closing.discard)


def _close_when_done(future, limits: Limits) -> None:
    def close(done):
        if not done.cancelled() and done.exception() is None:
            _close_later(done.result(), limits)
    future.add_done_callback(close)


async def _discard_current(limits: Limits) -> None:
    """Close the current tab (it hung, crashed or would not let go); the others stay."""
    global _tab
    if _tab is not None:
        tab, _tab = _tab, None
        await tab.close(limits)


async def end_submission(limits: Limits | None = None, *, prepare_next: bool = False) -> None:
    """Close all of the current submission's tabs (page, then context). The browser stays up.

    With prepare_next (a bulk grader, between submissions), the closing goes on in the
    background and fresh tabs for the next submission start at once: a new context and
    page (a new renderer process) take about 0.25 s.
    """
    global _tab
    limits = limits or current_limits()
    current, _tab = _tab, None
    others = [future for _, future in _ready] + _free
    _ready.clear()
    _free.clear()
    for future in others:
        _close_when_done(future, limits)
    if prepare_next:
        if current is not None:
            _close_later(current, limits)
        viewport = current.viewport if current is not None else tuple(limits.viewport)
        _free.extend(_task(_open_tab(viewport, limits)) for _ in range(1 + limits.tabs_ahead))
        return
    if current is not None:
        await current.close(limits)
    if others:
        await asyncio.wait(others, timeout=limits.load_timeout * 2 + limits.close_timeout)
    if _closing:
        await asyncio.wait(set(_closing), timeout=limits.close_timeout * 2)


async def close_all() -> None:
    """Close every tab, then the browser and driver."""
    limits = current_limits()
    await end_submission(limits)
    if _closing:
        await asyncio.wait(set(_closing), timeout=limits.close_timeout * 2)
    await shared_browser.close()
