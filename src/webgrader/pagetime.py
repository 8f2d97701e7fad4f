"""Time limits that count the page's own work, not a busy machine's.

A limit (load 3 s, a check 4 s, a click 2 s) is first wall time, as before. When a browser
call is still running at its limit, the grader looks at what the time went to: the CPU time
each page renderer used (Chromium's own count, `SystemInfo.getProcessInfo`, answered by the
browser process even when a page is stuck) and how idle the machine's cores were (/proc/stat).

- the page's renderer used the whole limit itself: the page is busy (a loop): it fails now;
- the machine had idle cores and the page computed nothing: it waits for something that does
  not come: it fails now, as on a quiet machine;
- the cores were busy with other work and the page had not used its limit: the limit
  stretches (at most `busy_factor` times), until the page has used its limit's worth of CPU,
  or is done. A correct page gets the same verdict on a quiet and on a busy machine, and the
  stretch is noted for the instructor.

Calls that end within SNAP_AFTER (nearly all) cost nothing: the first look is taken only then.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

# Seconds a call runs before the grader takes its first look (one DevTools round trip, 1-2 ms).
# The page is assumed to have computed all along until then: at most this much is misjudged.
SNAP_AFTER = 0.1
# Cores idle, as a share of all, below which the machine counts as busy.
BUSY_IDLE_SHARE = 0.25
# Seconds between looks while a limit is stretched.
LOOK_EVERY = 0.1


@dataclass
class Looked:
    """What the grader saw of a call that reached its limit."""
    limit: float
    waited: float  # wall seconds
    page_cpu: float | None  # CPU seconds the busiest renderer used meanwhile (None: not known)
    browser_cpu: float | None  # CPU seconds of the browser process itself meanwhile
    busy_machine: bool  # the cores had little idle time
    why: str  # "page" (the page kept the renderer busy), "browser" (it kept the browser process busy),
    # "waiting" (it computed nothing on an idle machine), "machine" (the limit stretched as far as allowed),
    # or "stretched" (the call finished within the stretched limit)
    doing: str = "script"  # for why "page": what the renderer was busy with (harness.LearnerPage._busy_with)


class PageTimeout(asyncio.TimeoutError):
    """A call that ran out of its limit, with what the grader saw (`looked`)."""

    def __init__(self, looked: Looked):
        super().__init__(looked.why)
        self.looked = looked


def _machine() -> tuple[float, float] | None:
    """(idle, total) jiffies of all cores since boot, or None where /proc/stat is not there."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + fields[4], sum(fields[:8])


def _idle_share(before, after) -> float | None:
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


# Seconds the browser process has to say what its processes used; one that does not is flooded.
ASK_WITHIN = 2.0
UNANSWERED = "unanswered"


async def _processes(browser) -> dict[tuple[str, int], float] | str | None:
    """CPU seconds by (process type, pid) of the browser's processes; None when not known;
    UNANSWERED when the browser process itself did not answer in time (a page that floods it)."""
    try:
        info = await asyncio.wait_for(browser.process_info(), ASK_WITHIN)
    except asyncio.TimeoutError:
        return UNANSWERED
    except Exception:
        return None
    if info is None:
        return None
    return {(p.get("type", ""), int(p.get("id", 0))): float(p.get("cpuTime", 0.0)) for p in info}


def _used(before, after, kind: str) -> float | None:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    deltas = [cpu - before.get(key, 0.0) for key, cpu in after.items() if key[0] == kind]
    return max(deltas, default=0.0)


async def within(awaitable, seconds: float, *, browser, busy_factor: float, on_stretch=None, serving=None):
    """Await `awaitable` under a limit of `seconds` of the page's own time (see the module's
    docstring); raises PageTimeout with what the grader saw. `on_stretch(looked)` is called
    when a call finished only because its limit stretched for a busy machine. `serving()` says
    whether the grader itself is still sending the page files (big pictures): that time is the
    grader's, not the page's, and the browser's answers queue behind those files."""
    task = asyncio.ensure_future(awaitable)
    start = time.monotonic()
    try:
        if busy_factor <= 1:  # stretching off: a plain wall-clock limit
            await asyncio.wait({task}, timeout=seconds)
            if task.done():
                return task.result()
            raise PageTimeout(Looked(seconds, time.monotonic() - start, None, None, False, "page"))
        await asyncio.wait({task}, timeout=min(SNAP_AFTER, seconds))
        if task.done():
            return task.result()
        snapped = time.monotonic()
        before, machine_before = await _processes(browser), _machine()
        # Unanswered while the grader sent big files: its answer queued behind them, not the page's doing.
        rebase = before == UNANSWERED and serving is not None and serving()
        await asyncio.wait({task}, timeout=max(0.0, start + seconds - time.monotonic()))
        if task.done():
            return task.result()
        while True:
            after, machine_after = await _processes(browser), _machine()
            now = time.monotonic()
            if rebase and isinstance(after, dict):
                before, snapped, rebase = after, start, False  # the page's time counts from this answer on
            page = _used(before, after, "renderer")
            own = None if page is None else page + (snapped - start)  # before the first look: counted as the page's
            idle = _idle_share(machine_before, machine_after)
            busy = idle is not None and idle < BUSY_IDLE_SHARE
            looked = Looked(seconds, now - start, page, _used(before, after, "browser"), busy, "")
            grader_serving = serving is not None and serving()
            if grader_serving and now - start < seconds * busy_factor:
                pass  # the grader's own serving holds the page up: no verdict on the page yet
            elif UNANSWERED in (before, after) and not rebase:  # the page keeps the browser process itself too busy to answer
                looked.why = "browser"
                raise PageTimeout(looked)
            elif own is None or own >= seconds:
                looked.why = "page"
                if looked.browser_cpu is not None and page is not None and looked.browser_cpu > page:
                    looked.why = "browser"
                raise PageTimeout(looked)
            elif not busy:
                looked.why = "waiting"
                raise PageTimeout(looked)
            elif now - start >= seconds * busy_factor:
                looked.why = "machine"
                raise PageTimeout(looked)
            await asyncio.wait({task}, timeout=min(LOOK_EVERY, start + seconds * busy_factor - now))
            if task.done():
                if on_stretch is not None:
                    looked.waited, looked.why = time.monotonic() - start, "stretched"
                    on_stretch(looked)
                return task.result()
    finally:
        if not task.done():
            task.cancel()
