"""The page harness: a learner's page in a fresh, sandboxed browser context.

Lifecycle, visible on purpose: one browser per process (`browser.shared_browser`); one
context per submission with its one page (`_Tab`), closed page first, then context, by
`end_submission()` (a kernel grades one submission, so there it ends with the kernel);
each `open_page()` loads the learner's page anew in that tab with the origin's storage
wiped. Every browser call runs under a time limit.
"""
from __future__ import annotations

import asyncio
import base64
import contextvars
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from playwright.async_api import TimeoutError as PlaywrightTimeout

from . import pages
from .browser import shared_browser
from .checks import PageChecks
from .magics import install_in_running_shell
from .messages import t
from .results import CheckFailed, CheckResult
from .settings import Limits, current_limits

FAKE_ORIGIN = "http://learner.webgrader.test"
MAX_ASSET_BYTES = 20 * 1024 * 1024
# Every window.open() would start a renderer process: a loop of them floods two cores.
NO_POPUPS = "Object.defineProperty(window, 'open', {value: () => null, writable: false, configurable: false});"


@dataclass
class RequestRecord:
    url: str
    verdict: str  # "served", "missing" or "blocked"


@dataclass
class Sandbox:
    """Serves the page files from the fake origin; blocks and logs everything else."""

    files: dict[str, str]
    asset_dir: Path | None
    requests: list[RequestRecord] = field(default_factory=list)

    def _asset(self, name: str) -> bytes | None:
        # Only non-code files (images, data) come from disk; pages come from cells.
        if self.asset_dir is None or Path(name).suffix.lower() in pages.CODE_SUFFIXES:
            return None
        root = self.asset_dir.resolve()
        path = (root / name).resolve()
        if root not in path.parents or not path.is_file() or path.stat().st_size > MAX_ASSET_BYTES:
            return None
        return path.read_bytes()

    def lookup(self, url: str) -> bytes | None:
        parts = urlsplit(url)
        try:
            name = pages.normalise_name(unquote(parts.path))
        except ValueError:
            return None
        if name in self.files:
            return self.files[name].encode("utf-8")
        return self._asset(name)

    async def handle(self, route, request) -> None:
        url = request.url
        try:
            if url.startswith(FAKE_ORIGIN + "/"):
                body = self.lookup(url)
                if body is None:
                    self.requests.append(RequestRecord(url, "missing"))
                    await route.fulfill(status=404, body="Not found", content_type="text/plain")
                else:
                    self.requests.append(RequestRecord(url, "served"))
                    await route.fulfill(
                        status=200,
                        body=body,
                        headers={"content-type": pages.content_type(urlsplit(url).path), "cache-control": "no-store"},
                    )
            else:
                self.requests.append(RequestRecord(url, "blocked"))
                await route.abort("blockedbyclient")
        except Exception:
            pass  # the page went away while we answered: nothing to do

    @property
    def blocked(self) -> list[str]:
        return [r.url for r in self.requests if r.verdict == "blocked"]


# Pages that hung while loading, by content: the same files hang again, so later
# checks of the same submission fail at once instead of waiting out the limit again.
_hung_loads: dict[str, str] = {}
_tab: "_Tab | None" = None


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
        self.hung = False
        self.js_errors: list[str] = []
        page.on("pageerror", lambda err: self.js_errors.append(f"{err.name}: {err.message}" if getattr(err, "name", "") else str(err)))
        # Windows the page opens are closed at once: a learner page cannot flood the browser.
        page.on("popup", lambda popup: asyncio.ensure_future(popup.close()))

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
        """Forget the previous load: storage, cookies, errors, request log."""
        cdp = await self.context.new_cdp_session(self.page)
        try:
            await cdp.send("Storage.clearDataForOrigin", {"origin": FAKE_ORIGIN, "storageTypes": "all"})
        finally:
            await cdp.detach()
        await self.context.clear_cookies()
        await self.page.goto("about:blank")  # sessionStorage belongs to the tab: leave the origin first
        await self.page.evaluate("1")
        if viewport != self.viewport:
            await self.page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
            self.viewport = viewport
        self.sandbox.files, self.sandbox.asset_dir, self.sandbox.requests = files, asset_dir, []
        self.js_errors = []

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
        self.page = tab.page  # the raw Playwright page, for instructors' own assertions
        self.sandbox = tab.sandbox
        self.entry = entry
        self.limits = limits
        self.results: list[CheckResult] = []

    @property
    def js_errors(self) -> list[str]:
        return self.tab.js_errors

    @property
    def hung(self) -> bool:
        return self.tab.hung

    @hung.setter
    def hung(self, value: bool) -> None:
        self.tab.hung = value

    async def _limited(self, awaitable, seconds: float | None = None):
        """Run one browser call under the check time limit; a timeout marks the page hung."""
        if self.hung:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise _PageHung()
        try:
            return await asyncio.wait_for(awaitable, seconds or self.limits.check_timeout)
        except asyncio.TimeoutError:
            self.hung = True
            raise _PageHung() from None

    async def responsive(self) -> bool:
        """Whether the page's JavaScript still answers; marks the page hung if not."""
        if not self.hung:
            try:
                await asyncio.wait_for(self.page.evaluate("1"), 0.5)
            except Exception:
                self.hung = True
        return not self.hung

    async def screenshot(self) -> str | None:
        if self.hung:
            return None
        try:
            shot = await asyncio.wait_for(
                self.page.screenshot(type="jpeg", quality=60, timeout=self.limits.screenshot_timeout * 1000),
                self.limits.screenshot_timeout,
            )
        except Exception:
            return None
        return base64.b64encode(shot).decode("ascii")

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


class _PageHung(Exception):
    """Internal: a browser call ran out of time."""


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


async def _new_context(browser, sandbox: Sandbox, viewport):
    context = await browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]},
        service_workers="block",
        accept_downloads=False,
        java_script_enabled=True,
        locale="en-US",
        timezone_id="Europe/Stockholm",
        reduced_motion="reduce",
    )
    await context.route("**/*", sandbox.handle)
    await context.add_init_script(NO_POPUPS)
    return context


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
    key = _fingerprint(files, entry, viewport)
    if key in _hung_loads:
        fail(CheckResult(name, False, message=_hung_loads[key], hint=t("load.timeout.hint")))

    asset_path = Path(asset_dir) if asset_dir is not None else None
    if _tab is not None and not _tab.hung and not _tab.page.is_closed():
        try:
            await asyncio.wait_for(_tab.reset(files, asset_path, viewport, limits), limits.load_timeout)
        except Exception:  # the old page would not let go: start over with a new context
            await end_submission(limits)
    elif _tab is not None:
        await end_submission(limits)
    if _tab is None:
        browser = await shared_browser.get()
        _tab = await _Tab.open(browser, Sandbox(files, asset_path), viewport, limits)

    learner_page = LearnerPage(_tab, entry, limits)
    try:
        await learner_page._limited(
            _tab.page.goto(f"{FAKE_ORIGIN}/{entry}", wait_until="load", timeout=limits.load_timeout * 1000 + 500),
            limits.load_timeout)
    except (_PageHung, PlaywrightTimeout):
        message = t("load.timeout", seconds=limits.load_timeout)
        _hung_loads[key] = message
        problems = learner_page.problems()
        await end_submission(limits)
        fail(CheckResult(name, False, message=message, hint=t("load.timeout.hint"), js_errors=problems))
    except Exception as exc:  # a navigation error: the browser could not open the page
        await end_submission(limits)
        fail(CheckResult(name, False, message=t("load.failed", error=str(exc).splitlines()[0])))
    return learner_page


async def end_submission(limits: Limits | None = None) -> None:
    """Close the current submission's page and context. The browser stays up for the next one."""
    global _tab
    if _tab is not None:
        tab, _tab = _tab, None
        await tab.close(limits or current_limits())


async def close_all() -> None:
    """Close the open page and context, then the browser and driver."""
    await end_submission()
    await shared_browser.close()
