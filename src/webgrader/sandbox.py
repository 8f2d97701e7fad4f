"""The fake origin a learner's page is served from, and the log of everything it tried to reach.

Page files come from the notebook's page cells; images and data files from the learner's
folder; every other request is refused and logged. A context made by `new_context` routes all
its requests here.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import pages
from .settle import LEFTOVERS_TRACKER, QUIET_TRACKER
from .steady import STEADY_PAGE

FAKE_ORIGIN = "http://learner.webgrader.test"
MAX_ASSET_BYTES = 20 * 1024 * 1024
# Every window.open() would start a renderer process: a loop of them floods two cores.
NO_POPUPS = "Object.defineProperty(window, 'open', {value: () => null, writable: false, configurable: false});"
# A page file is typed in a notebook cell: anything bigger is a picture pasted in as a
# data: URL. Serving a body costs about 0.2 s a megabyte (Playwright's route.fulfill),
# so a 50 MB page would hold the browser far beyond the load limit.
MAX_PAGE_FILE_BYTES = 2 * 1024 * 1024
# Runs before any script of the page, in every frame (also in iframes the page creates).
# Dialogs answer at once as if dismissed (alert: nothing, confirm: false, prompt: null), so
# a storm of them costs no round trip to the grader. Console output is never graded, so it
# is dropped in the page: a loop of console.log cannot flood the grader with hundreds of
# megabytes. Plain assignments, so that a page which sets these itself still works.
# A SharedWorker's requests are not routed (nor logged): pages get none. Nor do they get WebRTC:
# a bare RTCPeerConnection made Chromium probe 8.8.8.8 and [2001:4860:4860::8888] over UDP and
# join the mDNS multicast group, past routing (the browser's network namespace stops the rest).
PAGE_GUARD = NO_POPUPS + """
(() => {
  delete window.SharedWorker;
  for (const key of Object.getOwnPropertyNames(window)) { if (/^(webkit)?RTC/.test(key)) delete window[key]; }
  window.alert = function alert() {}; window.print = function print() {};
  window.confirm = function confirm() { return false; }; window.prompt = function prompt() { return null; };
  for (const key of Object.keys(console)) { if (typeof console[key] === 'function') console[key] = function () {}; }
})();"""
# Requests of other schemes never reach routing: the browser refuses them itself
# (file:, chrome:, devtools:, ...). They are logged as blocked all the same.
_ROUTED_OR_LOCAL = ("http:", "https:", "data:", "blob:", "about:")
# Some refusals are never reported as requests, only as the browser's own console errors
# (a fetch of file: in Chromium's headless shell, a new window the page's sandbox refused):
# their URL is read from the message.
_REFUSED_IN_CONSOLE = re.compile(r"^(?:Not allowed to load local resource: (\S+)$|Fetch API cannot load (\S+?)\. URL scheme"
                                 r"|Blocked opening '([^']+)' in a new window)")
# Every page is served as a sandboxed document that may run scripts, keep its origin (storage)
# and send forms, and nothing more: no new windows (Chromium's headless shell has no pop-up
# blocker; a page clicking 50 links with target=_blank opened 50 tabs), no dialogs, no downloads.
# Frames inside the page inherit it.
PAGE_CSP = "sandbox allow-scripts allow-same-origin allow-forms"


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
    main_frame: object = None  # the tab's main frame, once the tab has its page
    refused_navigation: asyncio.Event | None = None  # set when the main frame is kept from leaving
    in_flight: int = 0  # requests being answered now: the page is not quiet while one is

    def _asset(self, name: str) -> Path | None:
        """The file on disk that serves `name`, if the rules allow it: not page code (pages come
        from cells), inside the learner's folder, no link out of it, at most MAX_ASSET_BYTES."""
        if self.asset_dir is None or Path(name).suffix.lower() in pages.CODE_SUFFIXES:
            return None
        root = self.asset_dir.resolve()
        path = (root / name).resolve()
        if root not in path.parents or not path.is_file() or path.stat().st_size > MAX_ASSET_BYTES:
            return None
        if _submitted_as_link(root, name):
            return None
        return path

    def lookup(self, url: str) -> bytes | None:
        parts = urlsplit(url)
        try:
            name = pages.normalise_name(unquote(parts.path))
        except ValueError:
            return None
        if name in self.files:
            return _utf8(self.files[name])
        asset = self._asset(name)
        return asset.read_bytes() if asset is not None else None

    def _locate(self, url: str) -> bytes | Path | None:
        """What serves `url`: a page file's bytes, an asset's checked path on disk, or None."""
        try:
            name = pages.normalise_name(unquote(urlsplit(url).path))
        except ValueError:
            return None
        if name in self.files:
            return _utf8(self.files[name])
        return self._asset(name)

    async def handle(self, route, request) -> None:
        self.in_flight += 1
        try:
            await self._answer(route, request)
        finally:
            self.in_flight -= 1

    async def _answer(self, route, request) -> None:
        url = request.url
        try:
            if url.startswith(FAKE_ORIGIN + "/"):
                body = self._locate(url)
                if body is None:
                    self.requests.append(RequestRecord(url, "missing"))
                    await route.fulfill(status=404, body="Not found", content_type="text/plain")
                else:
                    self.requests.append(RequestRecord(url, "served"))
                    content_type = pages.content_type(urlsplit(url).path)
                    headers = {"content-type": content_type, "cache-control": "no-store"}
                    if content_type.startswith("text/html"):
                        headers["content-security-policy"] = PAGE_CSP
                    if isinstance(body, Path):  # an image or data file: read in a thread, not on the event loop
                        await route.fulfill(status=200, path=body, headers=headers)
                    else:
                        await route.fulfill(status=200, body=body, headers=headers)
            else:
                self.requests.append(RequestRecord(url, "blocked"))
                # A navigation refused as "aborted" leaves the learner's page in place; any
                # other error would replace it with an error page, and checks would then
                # pass or fail depending on when the page tried to leave.
                if request.is_navigation_request():
                    if request.frame == self.main_frame and self.refused_navigation is not None:
                        self.refused_navigation.set()
                    await route.abort("aborted")
                else:
                    await route.abort("blockedbyclient")
        except Exception:  # the page went away while we answered, or the body could not be sent
            try:
                await route.abort("failed")
            except Exception:
                pass

    def handle_websocket(self, ws) -> None:
        """Routing does not see WebSockets: they come here, are logged and closed, never connected."""
        self.requests.append(RequestRecord(ws.url, "blocked"))
        asyncio.ensure_future(_quietly(ws.close(code=1008, reason="no network while grading")))

    def note_request(self, request) -> None:
        """Sees every request the browser attempts; logs those it refused before routing (file:, chrome:)."""
        if not request.url.lower().startswith(_ROUTED_OR_LOCAL):
            self.requests.append(RequestRecord(request.url, "blocked"))

    def note_console(self, message) -> None:
        """Logs the requests that the browser refused with only a console error to say so."""
        if message.type != "error":
            return
        refused = _REFUSED_IN_CONSOLE.match(message.text)
        url = refused and next(filter(None, refused.groups()), None)
        if url and not any(r.url == url for r in self.requests):
            self.requests.append(RequestRecord(url, "blocked"))

    def note_websocket(self, ws) -> None:
        """A WebSocket that the WebSocket route did not catch (its connection dies at the dead proxy)."""
        if not any(r.url == ws.url for r in self.requests):
            self.requests.append(RequestRecord(ws.url, "blocked"))

    @property
    def blocked(self) -> list[str]:
        return [r.url for r in self.requests if r.verdict == "blocked"]


def _submitted_as_link(root: Path, name: str) -> bool:
    """Whether the learner submitted `name` as a symbolic link. nbgrader's autograde copies a
    submission into autograded/STUDENT/ASSIGNMENT following links, so a link to, say,
    /etc/passwd arrives there as a plain copy of it: look at what was submitted."""
    parts = root.parts
    if len(parts) < 4 or parts[-3] != "autograded":
        return False
    submitted = Path(*parts[:-3], "submitted", parts[-2], parts[-1])
    path = submitted / name
    return any(p.is_symlink() for p in [path, *path.parents] if submitted in [p, *p.parents])


def _utf8(text: str) -> bytes:
    """The bytes of a page file. Invalid bytes read from a file (or lone surrogates from a
    notebook's JSON) are passed on as they are; the browser shows them as U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


async def _quietly(awaitable) -> None:
    try:
        await awaitable
    except Exception:
        pass


async def new_context(browser, sandbox: Sandbox, viewport):
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
    await context.route_web_socket(re.compile(".*"), sandbox.handle_websocket)
    context.on("request", sandbox.note_request)
    await context.add_init_script(PAGE_GUARD + QUIET_TRACKER + LEFTOVERS_TRACKER)
    await context.add_init_script(STEADY_PAGE)  # animations ended, clock and Math.random fixed (steady.py)
    return context
