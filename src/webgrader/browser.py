"""Finding, launching and describing the Chromium that grades pages.

One browser per grading process: `shared_browser()` launches it lazily and keeps it
for the life of the process (a kernel, or a bulk-grading worker). A browser that stops
answering (frozen, or dead) is killed, with its driver if that is stuck too, and the
next `get()` launches a new one.
"""
from __future__ import annotations

import asyncio
import glob
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .steady import browser_environment

ENV_VAR = "WEBGRADER_CHROMIUM"
# The headless shell first: it is Chromium without the desktop browser around it (Playwright's
# own default for headless runs). Measured here, same version 156: a fresh page load 0.07 s
# instead of 0.17 s, and a whole submission 1.4 s instead of 2.2 s (benchmarks/profile_one.py).
SYSTEM_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

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
    # A page sees an ordinary Chromium: navigator.webdriver false (the user agent, without
    # "HeadlessChrome", is set by `launch`, from the browser's version).
    "--disable-blink-features=AutomationControlled",
]


def heap_flag(js_heap_mb: int) -> str:
    """A page that allocates without end dies (the tab crashes, reported as such) in about a
    second at 512 MB, instead of taking gigabytes for as long as its check may run."""
    return f"--js-flags=--max-old-space-size={int(js_heap_mb)}"


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
        return f"{prefix}apt-get install -y chromium-headless-shell    (or: python -m playwright install chromium)"
    return "python -m playwright install chromium"


def is_headless_shell(path: str) -> bool:
    """Chromium's headless shell (Debian's, or Playwright's own), as opposed to the desktop browser."""
    return "headless" in Path(path).name


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def browser_version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return (out.stdout.strip() or out.stderr.strip()).splitlines()[0] if (out.stdout or out.stderr) else "unknown"


@lru_cache(maxsize=8)
def user_agent(path: str) -> str:
    """The user agent of the desktop Chromium of the same version (as Chrome reports it: major
    version only), so that a page cannot tell the grader from a learner's own browser."""
    version = browser_version(path).split()
    major = next((word.split(".")[0] for word in version if word[:1].isdigit()), "")
    return ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{major or '130'}.0.0.0 Safari/537.36")


# The browser talks to Playwright over a pipe (--remote-debugging-pipe), and routing answers every
# request inside the browser: it needs no network at all. So it runs in a network namespace of its
# own, whose only interface is a loopback that is down: whatever a page or Chromium itself tries
# (WebRTC's probes, mDNS, a DNS query) has nowhere to go. As root a plain network namespace; as
# another user a user namespace too (the user stays itself in it), where the kernel allows it.
NETNS_COMMANDS = (["unshare", "--net"], ["unshare", "--user", "--map-current-user", "--net"])


@dataclass
class Isolation:
    """How the browser is cut off from the network: `command` is the prefix it is launched with
    (None: it shares the machine's network), `detail` says which holds, or why none could."""
    command: list[str] | None
    detail: str


@lru_cache(maxsize=1)
def network_isolation() -> Isolation:
    """The first namespace command that works on this machine, tried once per process."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return Isolation(None, "unshare (util-linux) is not installed")
    tried = []
    for command in NETNS_COMMANDS[0 if running_as_root() else 1:]:
        full = [unshare, *command[1:]]
        try:
            done = subprocess.run([*full, "true"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired) as exc:
            tried.append(f"{' '.join(command)}: {exc}")
            continue
        if done.returncode == 0:
            return Isolation(full, f"a network namespace of its own ({' '.join(command)}): no interface but a "
                                   "loopback that is down")
        tried.append(f"{' '.join(command)}: {(done.stderr.strip().splitlines() or ['failed'])[-1]}")
    return Isolation(None, "; ".join(tried))


def _wrapper(browser_path: str, prefix: list[str]) -> str:
    """An executable that starts the browser under `prefix` (Playwright takes one executable path).
    It execs, so the browser keeps the pid Playwright started."""
    folder = Path(tempfile.gettempdir()) / f"webgrader-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        private = folder.is_dir() and not folder.is_symlink() and info.st_uid == os.getuid() and not info.st_mode & 0o077
    except OSError:
        private = False
    if not private:  # someone else's, open to others, or not a folder: not used
        folder = Path(tempfile.mkdtemp(prefix="webgrader-"))
    script = "#!/bin/sh\nexec " + " ".join(_sh_quote(part) for part in [*prefix, "--", browser_path]) + ' "$@"\n'
    name = Path(browser_path).name  # kept in the name: is_headless_shell() reads it
    path = folder / f"netns-{hashlib.sha256(script.encode()).hexdigest()[:12]}-{name}"
    if not path.is_file() or path.read_text() != script:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # workers may write it at the same time
        tmp.write_text(script)
        tmp.chmod(0o700)
        os.replace(tmp, path)
    return str(path)


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


class BrowserNotFound(RuntimeError):
    def __init__(self, choice: BrowserChoice):
        if choice.source == "environment":
            msg = f"${ENV_VAR} names a browser that cannot be run. Fix the path or unset {ENV_VAR}."
        else:
            msg = f"No Chromium found. Install one with: {install_hint()}"
        super().__init__(msg)


async def launch(playwright, *, timeout_s: float = 20.0, js_heap_mb: int = 512):
    """Launch a headless Chromium with the grader's flags; the caller closes it."""
    choice = find_browser()
    if not choice.found:
        raise BrowserNotFound(choice)
    isolation = network_isolation()
    executable = choice.path if isolation.command is None else _wrapper(choice.path, isolation.command)
    return await playwright.chromium.launch(
        executable_path=executable,
        headless=True,
        # Chromium's own sandbox works for normal users; as root it cannot start.
        chromium_sandbox=not running_as_root(),
        args=[*HARDENING_ARGS, f"--user-agent={user_agent(choice.path)}", heap_flag(js_heap_mb)],
        # Playwright turns Chromium's pop-up blocker off; on, it refuses every new window a
        # page opens without a click (50 links with target=_blank clicked by a script were
        # 50 new tabs, more than two cores can open within the load limit).
        ignore_default_args=["--disable-popup-blocking"],
        timeout=timeout_s * 1000,
        env=browser_environment(),  # only the fonts the grader installs (steady.py)
    )


class SharedBrowser:
    """One Playwright driver and one browser for this process, started on first use."""

    def __init__(self):
        self._playwright_cm = None
        self.playwright = None
        self.browser = None
        self._loop = None
        self._lock = None
        self._cdp = None  # a DevTools session with the browser process itself, to see that it answers
        self.driver_pid: int | None = None
        self.browser_pid: int | None = None
        self.lost = 0  # browsers of this process that died or were killed for not answering
        self._closing: set = set()  # tabs being closed in the background, of whichever submission

    def close_later(self, closing) -> None:
        """Run `closing` (a tab's close) in the background; `close()` waits for it."""
        task = asyncio.ensure_future(closing)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @property
    def closing(self) -> bool:
        """Whether tabs are still being closed in the background."""
        return bool(self._closing)

    async def closings_done(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) for the tabs being closed in the background."""
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=timeout)

    async def get(self):
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (fresh asyncio.run): start afresh
            self._forget_driver()
            self._closing = set()
            self._loop, self._lock = loop, asyncio.Lock()
        async with self._lock:
            if self.browser is not None and not self.browser.is_connected():
                await self.kill()  # it died: what is left of it goes too
            if self.browser is None:
                try:
                    await self._start()
                except Exception:
                    # The driver itself may be gone: nbgrader stops a slow cell with SIGINT to the
                    # kernel's whole process group, driver included. Start everything anew, once.
                    self._kill_driver()
                    await self._start()
        return self.browser

    async def _start(self) -> None:
        if self.playwright is None:
            from playwright.async_api import async_playwright

            before = _children(os.getpid())
            self._playwright_cm = async_playwright()
            self.playwright = await self._playwright_cm.start()
            self.driver_pid = _newest({pid for pid in _children(os.getpid()) - before
                                       if "run-driver" in _cmdline(pid)})
        from .settings import current_limits

        before = _children(self.driver_pid)
        self.browser = await launch(self.playwright, js_heap_mb=current_limits().js_heap_mb)
        self.browser_pid = _newest(_children(self.driver_pid) - before)
        self._cdp = None

    async def process_info(self) -> list[dict] | None:
        """Chromium's own list of its processes with the CPU seconds each used (type, id, cpuTime),
        answered by the browser process even while a page is stuck; None when no browser runs here."""
        if self.browser is None or self._loop is not asyncio.get_running_loop() or not self.browser.is_connected():
            return None
        if self._cdp is None:
            self._cdp = await self.browser.new_browser_cdp_session()
        return (await self._cdp.send("SystemInfo.getProcessInfo"))["processInfo"]

    async def answers(self, timeout: float) -> bool:
        """Whether the browser process (not a page: a page stuck in a loop does not count) answers
        a DevTools call within `timeout` seconds. True when no browser is running."""
        if self.browser is None or self._loop is not asyncio.get_running_loop():
            return True  # none runs, or only for another event loop: not this loop's to judge
        if not self.browser.is_connected():
            return False

        async def version():
            if self._cdp is None:
                self._cdp = await self.browser.new_browser_cdp_session()
            await self._cdp.send("Browser.getVersion")

        try:
            await asyncio.wait_for(version(), timeout)
            return True
        except Exception:
            return False

    async def check(self, timeout: float) -> bool:
        """True if the browser answers; one that is frozen or dead is killed and forgotten
        (`lost` counts it), and the next `get()` launches a new one."""
        if await self.answers(timeout):
            return True
        await self.kill()
        return False

    async def kill(self, driver_grace: float = 2.0) -> None:
        """SIGKILL the browser and every process it started; if the driver does not notice
        within `driver_grace` seconds, it is stuck too: kill it as well. Never raises."""
        if self.browser is None:
            return
        browser, self.browser, self._cdp = self.browser, None, None
        self.lost += 1
        gone = asyncio.Event()
        browser.on("disconnected", lambda _: gone.set())
        _kill_tree(self.browser_pid, with_group=True)  # Playwright starts it as a group of its own
        if browser.is_connected():
            try:
                await asyncio.wait_for(gone.wait(), driver_grace)
            except asyncio.TimeoutError:
                self._kill_driver()
        self.browser_pid = None

    def _kill_driver(self) -> None:
        # The driver's reader then fails with "Connection closed": expected, so read here and
        # not logged by asyncio as never retrieved (Playwright keeps that future private).
        failed = getattr(getattr(getattr(self._playwright_cm, "_client", None), "_transport", None),
                         "on_error_future", None)
        if failed is not None:
            failed.add_done_callback(lambda f: f.cancelled() or f.exception())
        _kill_tree(self.driver_pid, with_group=False)
        self._forget_driver()

    def _forget_driver(self) -> None:
        self._playwright_cm = self.playwright = self.browser = self._cdp = None
        self.driver_pid = self.browser_pid = None

    async def close(self, timeout: float = 10.0):
        """Close the browser, then the driver (reverse order of start); kill what does not close in time."""
        if self._loop is not asyncio.get_running_loop():  # they belong to another event loop: only forget them
            self._forget_driver()
            return
        await self.closings_done(timeout)  # the tabs first, then the browser, then the driver
        if self.browser is not None:
            try:
                await asyncio.wait_for(self.browser.close(), timeout)
            except Exception:
                await self.kill()
        if self._playwright_cm is not None:
            try:
                await asyncio.wait_for(self._playwright_cm.__aexit__(None, None, None), timeout)
            except Exception:
                self._kill_driver()
        self._forget_driver()

    def sandboxed(self) -> bool | None:
        """Whether the page renderers of the running browser are really confined by Chromium's
        sandbox (a seccomp-bpf filter on each), as Linux reports it; None if that cannot be seen."""
        renderers = [pid for pid in _tree(self.browser_pid, False) if "--type=renderer" in _cmdline(pid)]
        modes = [_status(pid).get("Seccomp") for pid in renderers]
        if not modes or None in modes:
            return None
        return all(mode == "2" for mode in modes)


    def network_apart(self) -> bool | None:
        """Whether the running browser is in a network namespace other than this process's, as
        Linux reports it; None if that cannot be seen."""
        try:
            return os.readlink(f"/proc/{self.browser_pid}/ns/net") != os.readlink("/proc/self/ns/net")
        except (OSError, TypeError):
            return None


# Processes, as Linux shows them in /proc: enough to find and end the browser's own.
def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, process group, state) of every process."""
    table = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                table[int(entry.name)] = (int(fields[1]), int(fields[2]), fields[0])
    return table


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name: state, parent, group, ..."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return []
    return stat[stat.rindex(")") + 2:].split()


def _children(pid: int | None) -> set[int]:
    return {child for child, (parent, _, state) in _processes().items() if parent == pid and state != "Z"}


def _newest(pids: set[int]) -> int | None:
    """The one started last (a set of new children has one member, unless another thread started one too)."""
    return max(pids, default=None, key=lambda pid: int((_stat(pid) or [0] * 20)[19]))


def _tree(pid: int | None, with_group: bool) -> set[int]:
    """`pid` and every process below it; with_group, also the rest of its process group (what a
    dead browser left: its children are no longer below it, but still in its group)."""
    if pid is None:
        return set()
    table = _processes()
    found = {pid} if pid in table else set()
    if with_group:
        found |= {p for p, (_, group, _) in table.items() if group == pid}
    while True:
        more = {p for p, (parent, _, _) in table.items() if parent in found} - found
        if not more:
            return found
        found |= more


def _kill_tree(pid: int | None, with_group: bool) -> None:
    # Stopped first, then listed again: a process cannot start a new child while the rest is killed.
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for each in _tree(pid, with_group):
            try:
                os.kill(each, sig)
            except OSError:
                pass


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


shared_browser = SharedBrowser()
