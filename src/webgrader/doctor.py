"""`webgrader doctor`: which Chromium is used, its version, and whether it really grades a page."""
from __future__ import annotations

import asyncio
import platform
import time
from dataclasses import dataclass

from .browser import (ENV_VAR, browser_version, find_browser, install_hint, is_headless_shell, network_isolation,
                      running_as_root)
from .steady import fonts_line


@dataclass
class DoctorReport:
    browser_path: str | None
    source: str
    version: str
    launches: bool
    sandbox: str
    detail: str
    seconds: float
    network: str = ""

    @property
    def ok(self) -> bool:
        return self.launches

    def as_text(self) -> str:
        lines = [
            f"python      {platform.python_version()}",
            f"browser     {self.browser_path or 'none found'} (found by: {self.source}; override with ${ENV_VAR})",
            f"version     {self.version}",
            f"sandbox     {self.sandbox}",
            *([f"network     {self.network}"] if self.network else []),
            f"launches    {'yes' if self.launches else 'NO'}: {self.detail}",
            f"fonts       {fonts_line()}",
        ]
        if not self.browser_path:
            lines.append(f"fix         {install_hint()}")
        elif not is_headless_shell(self.browser_path):
            lines.append("faster      this is the desktop Chromium; its headless shell grades about 1.5 times as fast: "
                         "apt-get install -y chromium-headless-shell (found automatically)")
        return "\n".join(lines)


async def _grade_a_page() -> tuple[str, bool | None, bool | None]:
    """Grade a tiny page; also whether its renderer was really sandboxed and whether the browser
    was in a network namespace of its own (both seen while it runs)."""
    from .browser import shared_browser
    from .harness import close_all, open_page

    try:
        page = await open_page(files={"index.html": "<title>t</title><h1>webgrader works</h1>"}, asset_dir=None)
        await page.expect_text("h1", equals="webgrader works")
        return ("loaded a page from the fake origin and checked it", shared_browser.sandboxed(),
                shared_browser.network_apart())
    finally:
        await close_all()


ROOT_SANDBOX = ("off: running as root, Chromium's own sandbox cannot start; run the grader as a normal user "
                "to turn it on (README: Running as an unprivileged user)")


def _sandbox_line(confined: bool | None) -> str:
    if confined:
        return "on: Chromium's own sandbox confines the pages (seen: each renderer under a seccomp-bpf filter)"
    if running_as_root():
        return ROOT_SANDBOX
    if confined is False:
        return "OFF: Chromium's renderers run without a seccomp-bpf filter, although the grader is not root"
    return "on: Chromium's own sandbox is used (not seen: the renderers could not be inspected)"


def _network_line(apart: bool | None) -> str:
    isolation = network_isolation()
    if apart:
        return f"none: the browser runs in {isolation.detail}, so nothing a page tries can leave the machine"
    if isolation.command is None:
        return (f"SHARED with the machine ({isolation.detail}); routing, the dead proxy and no name resolution "
                "still hold pages back, but what Chromium itself tries (its address probes) is not stopped. Fix: "
                "install util-linux (unshare), or turn user namespaces on (sysctl -w user.max_user_namespaces=10000)")
    return f"not seen (the browser's namespace could not be inspected); it is started in {isolation.detail}"


def doctor() -> DoctorReport:
    choice = find_browser()
    if not choice.found:
        return DoctorReport(None, choice.source, "-", False, _sandbox_line(None), "no browser", 0.0)
    start = time.perf_counter()
    confined = apart = None
    try:
        detail, confined, apart = asyncio.run(_grade_a_page())
        launches = True
    except Exception as exc:  # report, do not crash: this is the diagnosis tool
        detail, launches = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", False
    return DoctorReport(choice.path, choice.source, browser_version(choice.path), launches, _sandbox_line(confined),
                        detail, time.perf_counter() - start, _network_line(apart))
