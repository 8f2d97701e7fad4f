"""One submission being graded: its browser tabs, and what hung in it.

The lifecycle, as in pytest-playwright's fixture chain: one browser per process
(`browser.shared_browser`); one `Grading` per submission, which owns that submission's tabs
(each a browser context with one page, `harness._Tab`: the current one where checks run,
tabs readied in the background, free ones) and its memory of what hung, and closes them all,
page before context, when it ends; one `LearnerPage` per `open_page()`.

    async with Grading(files=..., asset_dir=...) as grading:
        page = await open_page("index.html")        # finds `grading` through a context variable

Test cells keep writing `await open_page(...)`: `current()` finds the grading of the code
that runs them. In a kernel nobody opens one: the first open_page() makes one, kept for the
kernel's life. Gradings do not share state, so one process may grade several submissions at
once on one event loop.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import time
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeout

from . import pages, steady
from .browser import SharedBrowser, shared_browser
from .messages import t
from .results import CheckFailed, CheckResult
from .settings import Limits, current_limits

# Loads of the same files that may run out of even the stretched limit (a machine too busy)
# before they fail at once in the rest of the submission: each try may cost busy_factor times the limit.
MACHINE_TRIES = 2

_current: contextvars.ContextVar = contextvars.ContextVar("webgrader_grading", default=None)
# The grading of a kernel (or of code that never opened one), per event loop: made by the first
# open_page(), ended by end_submission().
_implicit: dict = {}


def current(create: bool = True) -> "Grading | None":
    """The grading that the running code belongs to: the innermost `async with Grading()`,
    else this event loop's implicit one (made on first use, unless create=False)."""
    grading = _current.get()
    if grading is not None and not grading.closed:
        return grading
    loop = asyncio.get_running_loop()
    implicit = _implicit.get(loop)
    if (implicit is None or implicit.closed) and create:
        _implicit.clear()  # gradings of loops that are gone: their tabs went with their browser
        implicit = _implicit[loop] = Grading()
    return implicit


def _fingerprint(files: dict[str, str], entry: str, viewport, real_time: bool = False) -> str:
    digest = hashlib.sha256(repr((sorted(files.items()), entry, viewport, real_time)).encode())
    return digest.hexdigest()


def _task(coro) -> asyncio.Future:
    task = asyncio.ensure_future(coro)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved: asyncio stays quiet
    return task


def _resolved(tab) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_result(tab)
    return future


class Grading:
    """The tabs of one submission and what hung in it; `async with` ends it (closes every tab)."""

    def __init__(self, *, files: dict[str, str] | None = None, asset_dir: str | Path | None = None,
                 limits: Limits | None = None, browser: SharedBrowser = shared_browser):
        # The submission's page files; None: those the `%%page` cells run in this process stored.
        self.files = files
        self.asset_dir = Path(asset_dir) if asset_dir is not None else None  # what "." means for its pages
        self.limits = limits
        self.browser = browser
        self.tab = None  # the tab that checks run in
        # Tabs readied in the background (storage wiped, the same page loaded again, untouched) while
        # checks run in the current one, so that the next open_page() after a click finds its page
        # loaded: at most `Limits.tabs_ahead` (0 by default) of them.
        self._ready: list = []  # (what is loaded, future of the tab)
        self._free: list = []  # futures of other tabs: fresh ones, or used ones not yet wiped
        # Pages that hung while loading, by content, and the steps (files, then each click or
        # typing) after which a page stopped responding: the same files hang again, so later
        # checks of this submission fail at once. Never shared with another submission.
        # (what hung -> the (message, hint) it gets, made anew each time: in the language of the check that asks)
        self.hung_loads: dict = {}
        self.hung_actions: set[tuple] = set()
        self._machine_timeouts: dict[str, int] = {}  # loads that ran out of even the stretched limit, by content
        # Whether more open_page() calls are to come: the kernel-free grader knows (it sees the
        # remaining cells); elsewhere assume so.
        self.more_loads_expected = True
        self.stretched: list = []  # (what, pagetime.Looked): limits stretched because the machine was busy
        self.refused: list[str] = []  # why page cells of this submission were not stored
        self.closed = False
        self._tokens: list = []

    # --- lifecycle ------------------------------------------------------------------
    async def __aenter__(self) -> "Grading":
        self._tokens.append(_current.set(self))
        return self

    async def __aexit__(self, *exc) -> None:
        try:
            await self.close()
        finally:
            _current.reset(self._tokens.pop())

    def _limits(self, limits: Limits | None = None) -> Limits:
        return limits or self.limits or current_limits()

    async def close(self, limits: Limits | None = None) -> None:
        """Close every tab of this submission (page, then context), newest first. The browser stays up."""
        if self.closed:  # closed already, or handed over (its tabs close in the background)
            return
        limits = self._limits(limits)
        self.closed = True
        current, self.tab = self.tab, None
        others = [future for _, future in reversed(self._ready)] + list(reversed(self._free))
        self._ready.clear()
        self._free.clear()
        if current is not None:
            await current.close(limits)
        for future in others:
            self._close_when_done(future, limits)
        if others:
            await asyncio.wait(others, timeout=limits.load_timeout * 2 + limits.close_timeout)
        await self.browser.closings_done(limits.close_timeout * 2)

    def hand_over(self, limits: Limits | None = None) -> "Grading":
        """End this submission in the background, and return the next submission's Grading with
        its tabs already starting (a new context and page, a new renderer process, take about
        0.25 s): what a bulk grader does between two submissions."""
        limits = self._limits(limits)
        self.closed = True
        current, self.tab = self.tab, None
        others = [future for _, future in self._ready] + self._free
        self._ready.clear()
        self._free.clear()
        for future in others:
            self._close_when_done(future, limits)
        if current is not None:
            self._close_later(current, limits)
        after = Grading(limits=self.limits, browser=self.browser)
        viewport = current.viewport if current is not None else tuple(limits.viewport)
        after._free.extend(_task(after._open_tab(viewport, limits)) for _ in range(1 + limits.tabs_ahead))
        return after

    def store_page(self, name: str, text: str) -> str:
        """Keep one page file of this submission (what running its `%%page` cell would store)."""
        if self.files is None:
            self.files = {}
        try:
            name = pages.page_name(name)
        except pages.PageNameError as refused:  # remembered, so that a check that misses the file can say why
            if str(refused) not in self.refused:
                self.refused.append(str(refused))
            raise
        self.files[name] = text
        return name

    # --- loading a page ---------------------------------------------------------------
    async def open_page(self, entry: str = "index.html", *, files: dict[str, str] | None = None,
                        viewport: tuple[int, int] | None = None, asset_dir: str | Path | None = ".",
                        limits: Limits | None = None, real_time: bool = False):
        """Load the learner's `entry` page afresh in one of this submission's tabs (see harness.open_page)."""
        from .harness import (FAKE_ORIGIN, MAX_PAGE_FILE_BYTES, LearnerPage, _is_crash, _load, _PageHung,
                              _PageUnstable, _show, _utf8, load_failure)

        limits = self._limits(limits)
        refused = []  # page cells whose names were refused
        if files is None:
            refused = pages.refusals() if self.files is None else self.refused
            files = pages.current() if self.files is None else self.files
        files = dict(files)
        viewport = tuple(viewport or limits.viewport)
        entry = pages.normalise_name(entry)
        name = t("load.name", entry=entry)
        if asset_dir == "." and self.asset_dir is not None:
            asset_dir = self.asset_dir

        def fail(result: CheckResult):
            _show(result)
            raise CheckFailed(result)

        if entry not in files:
            from .magics import missing_page

            if refused:
                message, hint = t("load.missing.refused", entry=entry, refused=" ".join(refused)), t("load.missing.hint", entry=entry)
            else:
                message, hint = missing_page(entry)  # in a restarted kernel: what to run
            fail(CheckResult(name, False, message=message, hint=hint))
        for file_name, text in sorted(files.items()):
            size = len(_utf8(text))
            if size > MAX_PAGE_FILE_BYTES:
                fail(CheckResult(name, False, message=t("load.too_big", file=file_name, size=size / 2**20,
                                                        limit=MAX_PAGE_FILE_BYTES / 2**20), hint=t("load.too_big.hint")))
        key = _fingerprint(files, entry, viewport, real_time)
        if key in self.hung_loads:  # these very files hung while loading in this submission before
            message, hint = self.hung_loads[key]()
            fail(CheckResult(name, False, message=message, hint=hint))

        asset_path = Path(asset_dir) if asset_dir is not None else None
        loading = (key, str(asset_path))
        tab = self.tab
        if tab is not None and tab.usable and not tab.dirty and tab.loaded == loading:
            # Nothing touched the page since it loaded these very files: loading them again would
            # give the same document (about 0.15 s a load, in every test cell of an assignment).
            learner_page = LearnerPage(tab, entry, limits)
            learner_page.last_change = tab.loaded_at
            return learner_page
        readied = await self._take_ready(loading, limits)
        if readied is not None:  # a tab that loaded these very files in the background, untouched since
            self._retire(self.tab, limits)
            self.tab = readied
            learner_page = LearnerPage(readied, entry, limits)
            learner_page.last_change = readied.loaded_at
            return learner_page
        if self.tab is not None and self.tab.usable:
            try:
                await self.tab.prepare(files, asset_path, viewport, limits)
            except Exception:  # the old page would not let go: start over with a new context
                await self._discard_current(limits)
        elif self.tab is not None:
            await self._discard_current(limits)
        if self.tab is None:
            self.tab = await self._fresh_tab(files, asset_path, viewport, limits)
        tab = self.tab
        tab.fingerprint = key
        learner_page = LearnerPage(tab, entry, limits)
        try:
            await learner_page._limited(steady.use_real_time(tab, real_time), limits.load_timeout)
            await learner_page._limited(_load(tab, f"{FAKE_ORIGIN}/{entry}", limits), limits.load_timeout, what="load")
            learner_page.last_change = tab.loaded_at = time.monotonic()
            tab.loaded, tab.dirty = loading, False
            # Tabs readied ahead load with the fixed clock: a real-time page is never readied.
            tab.ready_args = None if real_time else (files, asset_path, viewport, limits, entry, loading)
        except (_PageHung, PlaywrightTimeout) as exc:
            crashed = tab.crashed or _is_crash(exc)
            message, hint = learner_page.load_failure(crashed)
            machine = not crashed and learner_page.looked is not None and learner_page.looked.why == "machine"
            if machine:  # maybe only the machine's fault: tried once more, remembered after the second time
                self._machine_timeouts[key] = self._machine_timeouts.get(key, 0) + 1
            if not machine or self._machine_timeouts[key] >= MACHINE_TRIES:
                # the same files fail at once from now on, for the reason seen now
                self.hung_loads[key] = functools.partial(load_failure, crashed, learner_page.looked, limits)
            problems = learner_page.problems()
            await self._discard_current(limits)
            fail(CheckResult(name, False, message=message, hint=hint, js_errors=problems))
        except _PageUnstable:  # it reloaded itself so fast that no document of it could be seen complete
            await self._discard_current(limits)
            fail(CheckResult(name, False, message=t("page.unstable"), hint=t("page.unstable.hint")))
        except Exception as exc:  # a navigation error: the browser could not open the page
            crashed = _is_crash(exc)
            if crashed:
                self.hung_loads[key] = lambda: (t("load.crashed"), t("page.crashed.hint"))
            await self._discard_current(limits)
            if crashed:
                fail(CheckResult(name, False, message=t("load.crashed"), hint=t("page.crashed.hint")))
            fail(CheckResult(name, False, message=t("load.failed", error=(str(exc).splitlines() or [type(exc).__name__])[0])))
        return learner_page

    # --- the tabs -----------------------------------------------------------------------
    async def _open_tab(self, viewport, limits: Limits):
        from .harness import Sandbox, _grader_error, _Tab, start_browser

        browser = await start_browser(self.browser)
        try:
            tab = await _Tab.open(browser, Sandbox({}, None), viewport, limits)
        except Exception as exc:
            raise _grader_error("open a page", exc) from exc
        tab.grading = self
        return tab

    async def _fresh_tab(self, files, asset_path, viewport, limits: Limits):
        """One of the submission's free tabs, ready for `files`; else a new one."""
        while self._free:
            future = self._free.pop(0)
            try:
                tab = await asyncio.wait_for(asyncio.shield(future), limits.load_timeout)
            except Exception:
                self._close_when_done(future, limits)  # should it still come up
                continue  # it failed to start: try the next, or a new one, and report that failure
            if tab.usable:
                try:
                    await tab.prepare(files, asset_path, viewport, limits)
                    return tab
                except Exception:
                    pass
            self._close_later(tab, limits)
        tab = await self._open_tab(viewport, limits)
        tab.sandbox.files, tab.sandbox.asset_dir = files, asset_path
        return tab

    async def _ready_tab(self, source, files, asset_path, viewport, limits: Limits, entry: str, loading):
        """A tab (the free one `source`, or a new one) wiped, with `entry` loaded and untouched.
        Whatever goes wrong here is met again, and reported, when the page is loaded in the open."""
        from .harness import FAKE_ORIGIN, _load

        tab = await source if source is not None else await self._open_tab(viewport, limits)
        try:
            await steady.use_real_time(tab, False)
            await tab.prepare(files, asset_path, viewport, limits)
            tab.fingerprint = loading[0]
            await asyncio.wait_for(_load(tab, f"{FAKE_ORIGIN}/{entry}", limits), limits.load_timeout)
            tab.loaded, tab.loaded_at, tab.dirty = loading, time.monotonic(), False
            tab.ready_args = (files, asset_path, viewport, limits, entry, loading)
            return tab
        except BaseException:
            self._close_later(tab, limits)
            raise

    def ready_more(self, tab) -> None:
        """The current tab `tab` was touched: start readying tabs with its page, if more loads are to come."""
        if tab is not self.tab or tab.ready_args is None or self.closed:
            return
        files, asset_path, viewport, limits, entry, loading = tab.ready_args
        for stale in [item for item in self._ready if item[0] != loading]:  # readied for other files: free again
            self._ready.remove(stale)
            self._free.append(stale[1])
        if not self.more_loads_expected:
            return
        while len(self._ready) < limits.tabs_ahead:
            source = self._free.pop(0) if self._free else None
            self._ready.append((loading, _task(self._ready_tab(source, files, asset_path, viewport, limits, entry, loading))))

    async def _take_ready(self, loading, limits: Limits):
        """A tab readied with `loading` that made it; those that did not are closed."""
        for item in [item for item in self._ready if item[0] == loading]:
            self._ready.remove(item)
            try:
                tab = await asyncio.wait_for(asyncio.shield(item[1]), limits.load_timeout * 2 + limits.close_timeout)
            except Exception:
                self._close_when_done(item[1], limits)
                continue
            if tab.usable and not tab.dirty and tab.loaded == loading:
                return tab
            self._close_later(tab, limits)
        return None

    def _retire(self, tab, limits: Limits) -> None:
        """A tab the checks are done with: kept for readying again, or closed if it hung."""
        if tab is None:
            return
        if tab.usable:
            self._free.append(_resolved(tab))
        else:
            self._close_later(tab, limits)

    def stop(self, tab) -> None:
        """A tab that hung or crashed: its renderer is stopped now (page and context closed in the
        background), so that a page stuck in a loop costs no CPU after its check."""
        self._close_later(tab, self._limits())

    def _close_later(self, tab, limits: Limits) -> None:
        self.browser.close_later(tab.close(limits))

    def _close_when_done(self, future, limits: Limits) -> None:
        def close(done):
            if not done.cancelled() and done.exception() is None:
                self._close_later(done.result(), limits)
        future.add_done_callback(close)

    async def _discard_current(self, limits: Limits) -> None:
        """Close the current tab (it hung, crashed or would not let go); the others stay."""
        if self.tab is not None:
            tab, self.tab = self.tab, None
            await tab.close(limits)

    # --- a busy machine -------------------------------------------------------------------
    def note_stretched(self, what: str, looked) -> None:
        """A time limit was stretched because the machine, not the page, used the time."""
        self.stretched.append((what, looked))

    def load_note(self) -> str | None:
        """For the instructor: whether this submission was graded under load, and how much it mattered."""
        if not self.stretched:
            return None
        longest = max(self.stretched, key=lambda item: item[1].waited / item[1].limit)
        note = (f"graded while the machine was busy: {len(self.stretched)} time limit(s) stretched because other "
                f"work, not the page, used the time (longest: {longest[0]} {longest[1].waited:.1f} s for a "
                f"{longest[1].limit:g} s limit); the verdicts count the page's own time")
        ran_out = sum(looked.why == "machine" for _, looked in self.stretched)
        if ran_out:
            note += (f"; {ran_out} ran out even so and failed with \"the grading machine was too busy\": "
                     "grade this submission again when the machine is quieter (--force)")
        return note
