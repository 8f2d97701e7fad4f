"""`webgrader doctor`: which Chromium is used, its version, and whether it really grades a page."""
from __future__ import annotations

import asyncio
import platform
import time
from dataclasses import dataclass

from .browser import ENV_VAR, find_browser, browser_version, install_hint, running_as_root


@dataclass
class DoctorReport:
    browser_path: str | None
    source: str
    version: str
    launches: bool
    sandbox: str
    detail: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.launches

    def as_text(self) -> str:
        lines = [
            f"python      {platform.python_version()}",
            f"browser     {self.browser_path or 'none found'} (found by: {self.source}; override with ${ENV_VAR})",
            f"version     {self.version}",
            f"sandbox     {self.sandbox}",
            f"launches    {'yes' if self.launches else 'NO'}: {self.detail}",
        ]
        if not self.browser_path:
            lines.append(f"fix         {install_hint()}")
        return "\n".join(lines)


async def _grade_a_page() -> str:
    from .harness import close_all, open_page

    try:
        page = await open_page(files={"index.html": "<title>t</title><h1>webgrader works</h1>"}, asset_dir=None)
        await page.expect_text("h1", equals="webgrader works")
        return "loaded a page from the fake origin and checked it"
    finally:
        await close_all()


def doctor() -> DoctorReport:
    choice = find_browser()
    sandbox = ("off: running as root, Chromium's own sandbox cannot start; run the grader as a normal user to turn it on"
               if running_as_root() else "on: Chromium's own sandbox is used")
    if not choice.found:
        return DoctorReport(None, choice.source, "-", False, sandbox, "no browser", 0.0)
    start = time.perf_counter()
    try:
        detail = asyncio.run(_grade_a_page())
        launches = True
    except Exception as exc:  # report, do not crash: this is the diagnosis tool
        detail, launches = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", False
    return DoctorReport(choice.path, choice.source, browser_version(choice.path), launches, sandbox, detail,
                        time.perf_counter() - start)
