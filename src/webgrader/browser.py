"""Finding, launching and describing the Chromium that grades pages.

One browser per grading process: `shared_browser()` launches it lazily and keeps it
for the life of the process (a kernel, or a bulk-grading worker).
"""
from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "WEBGRADER_CHROMIUM"
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Without these, Chromium on a closed network keeps trying to reach Google's hosts:
# slow starts and noisy logs. The resolver rule and the dead proxy make sure that
# nothing the page asks for can leave the machine, even through channels that
# Playwright routing does not see (WebSocket, prefetch, DNS).
HARDENING_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    # WebRTC sends STUN over UDP straight to any address, past the proxy (measured: a page's
    # RTCPeerConnection reached a UDP port on 127.0.0.1). Only proxied traffic is allowed:
    # the flag's name in Chromium 156, then its older name.
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    # A page that allocates without end dies (the tab crashes, reported as such) in about a
    # second at 512 MB, instead of taking gigabytes for as long as its check may run.
    "--js-flags=--max-old-space-size=512",
]


@dataclass
class BrowserChoice:
    path: str | None
    source: str  # "environment", "playwright", "system" or "none"

    @property
    def found(self) -> bool:
        return self.path is not None


def _playwright_browser() -> str | None:
    """Playwright's own downloaded Chromium, if `playwright install chromium` ran."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    patterns = ["chromium_headless_shell-*/chrome-*/chrome-headless-shell", "chromium_headless_shell-*/chrome-*/headless_shell", "chromium-*/chrome-linux*/chrome"]
    for pattern in patterns:
        hits = sorted(glob.glob(str(root / pattern)), reverse=True)
        for hit in hits:
            if os.access(hit, os.X_OK):
                return hit
    return None


def find_browser() -> BrowserChoice:
    """The Chromium to use: $WEBGRADER_CHROMIUM, else Playwright's own, else the system's."""
    named = os.environ.get(ENV_VAR)
    if named:
        path = shutil.which(named) or (named if os.access(named, os.X_OK) else None)
        return BrowserChoice(path, "environment")
    own = _playwright_browser()
    if own:
        return BrowserChoice(own, "playwright")
    for name in SYSTEM_NAMES:
        path = shutil.which(name)
        if path:
            return BrowserChoice(path, "system")
    return BrowserChoice(None, "none")


def install_hint() -> str:
    """The command a user should run when no Chromium is found."""
    if Path("/etc/debian_version").exists():
        prefix = "" if os.geteuid() == 0 else "sudo "
        return f"{prefix}apt-get install -y chromium    (or: python -m playwright install chromium)"
    return "python -m playwright install chromium"


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def browser_version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return (out.stdout.strip() or out.stderr.strip()).splitlines()[0] if (out.stdout or out.stderr) else "unknown"


class BrowserNotFound(RuntimeError):
    def __init__(self, choice: BrowserChoice):
        if choice.source == "environment":
            msg = f"${ENV_VAR} names a browser that cannot be run. Fix the path or unset {ENV_VAR}."
        else:
            msg = f"No Chromium found. Install one with: {install_hint()}"
        super().__init__(msg)


async def launch(playwright, *, timeout_s: float = 30.0):
    """Launch a headless Chromium with the grader's flags; the caller closes it."""
    choice = find_browser()
    if not choice.found:
        raise BrowserNotFound(choice)
    return await playwright.chromium.launch(
        executable_path=choice.path,
        headless=True,
        # Chromium's own sandbox works for normal users; as root it cannot start.
        chromium_sandbox=not running_as_root(),
        args=HARDENING_ARGS,
        # Playwright turns Chromium's pop-up blocker off; on, it refuses every new window a
        # page opens without a click (50 links with target=_blank clicked by a script were
        # 50 new tabs, more than two cores can open within the load limit).
        ignore_default_args=["--disable-popup-blocking"],
        timeout=timeout_s * 1000,
    )


class SharedBrowser:
    """One Playwright driver and one browser for this process, started on first use."""

    def __init__(self):
        self._playwright_cm = None
        self.playwright = None
        self.browser = None
        self._loop = None
        self._lock = None

    async def get(self):
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (fresh asyncio.run): start afresh
            self._playwright_cm = self.playwright = self.browser = None
            self._loop, self._lock = loop, asyncio.Lock()
        async with self._lock:
            if self.browser is None or not self.browser.is_connected():
                if self.playwright is None:
                    from playwright.async_api import async_playwright

                    self._playwright_cm = async_playwright()
                    self.playwright = await self._playwright_cm.start()
                self.browser = await launch(self.playwright)
        return self.browser

    async def close(self):
        """Close the browser, then the driver (reverse order of start)."""
        if self.browser is not None:
            try:
                await self.browser.close()
            except Exception:
                pass
        if self._playwright_cm is not None:
            try:
                await self._playwright_cm.__aexit__(None, None, None)
            except Exception:
                pass
        self._playwright_cm = self.playwright = self.browser = None


shared_browser = SharedBrowser()
