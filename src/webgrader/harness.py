"""The page harness: a learner's page in a fresh, sandboxed browser context.

Lifecycle, visible on purpose: one browser per process (`browser.shared_browser`),
one context per `open_page()`, its page inside it; opening the next page closes the
previous page and then its context. Every browser call runs under a time limit.
"""
from __future__ import annotations

import asyncio
import base64
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
_current: "LearnerPage | None" = None


def _fingerprint(files: dict[str, str], entry: str, viewport) -> str:
    digest = hashlib.sha256(repr((sorted(files.items()), entry, viewport)).encode())
    return digest.hexdigest()


class LearnerPage(PageChecks):
    """A loaded learner page with checks and time-limited actions."""

    def __init__(self, context, page, sandbox: Sandbox, entry: str, limits: Limits):
        self.context = context
        self.page = page  # the raw Playwright page, for instructors' own assertions
        self.sandbox = sandbox
        self.entry = entry
        self.limits = limits
        self.js_errors: list[str] = []
        self.results: list[CheckResult] = []
        self.hung = False
        page.on("pageerror", lambda err: self.js_errors.append(f"{err.name}: {err.message}" if getattr(err, "name", "") else str(err)))

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

    async def close(self) -> None:
        """Page first, then its context (reverse order of creation); never raises."""
        for closing in (lambda: self.page.close(run_before_unload=False), self.context.close):
            try:
                await asyncio.wait_for(closing(), self.limits.close_timeout)
            except Exception:
                pass


class _PageHung(Exception):
    """Internal: a browser call ran out of time."""


def _show(result: CheckResult) -> None:
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
    """Load the learner's `entry` page in a fresh browser context, from the fake origin.

    `files` defaults to the page files stored by the `%%page` cells run so far.
    Raises CheckFailed (with a plain-language message) when the page is missing
    or does not finish loading in time.
    """
    global _current
    install_in_running_shell()
    limits = limits or current_limits()
    files = pages.current() if files is None else dict(files)
    viewport = tuple(viewport or limits.viewport)
    entry = pages.normalise_name(entry)
    name = t("load.name", entry=entry)

    if _current is not None:
        await _current.close()
        _current = None

    if entry not in files:
        result = CheckResult(name, False, message=t("load.missing", entry=entry), hint=t("load.missing.hint", entry=entry))
        _show(result)
        raise CheckFailed(result)
    key = _fingerprint(files, entry, viewport)
    if key in _hung_loads:
        result = CheckResult(name, False, message=_hung_loads[key], hint=t("load.timeout.hint"))
        _show(result)
        raise CheckFailed(result)

    browser = await shared_browser.get()
    sandbox = Sandbox(files, Path(asset_dir) if asset_dir is not None else None)
    context = await asyncio.wait_for(_new_context(browser, sandbox, viewport), limits.load_timeout)
    page = await asyncio.wait_for(context.new_page(), limits.load_timeout)
    # Windows the page opens are closed at once: a learner page cannot flood the browser.
    page.on("popup", lambda popup: asyncio.ensure_future(popup.close()))
    learner_page = _current = LearnerPage(context, page, sandbox, entry, limits)
    page.set_default_timeout(limits.action_timeout * 1000)
    try:
        await learner_page._limited(
            page.goto(f"{FAKE_ORIGIN}/{entry}", wait_until="load", timeout=limits.load_timeout * 1000 + 500),
            limits.load_timeout)
    except (_PageHung, PlaywrightTimeout):
        message = t("load.timeout", seconds=limits.load_timeout)
        _hung_loads[key] = message
        result = CheckResult(name, False, message=message, hint=t("load.timeout.hint"), js_errors=learner_page.problems())
        await learner_page.close()
        _current = None
        _show(result)
        raise CheckFailed(result) from None
    except Exception as exc:  # a navigation error: the browser could not open the page
        result = CheckResult(name, False, message=t("load.failed", error=str(exc).splitlines()[0]))
        await learner_page.close()
        _current = None
        _show(result)
        raise CheckFailed(result) from None
    return learner_page


async def close_all() -> None:
    """Close the open page and context, then the browser and driver."""
    global _current
    if _current is not None:
        await _current.close()
        _current = None
    await shared_browser.close()
