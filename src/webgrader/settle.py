"""Whether a page may still change by itself, so that a failing check can stop waiting.

A failing check keeps looking for `settle_time` after the last load or action, for pages
that update a moment later (a timer, a fetch, an animation frame). Most beginners' pages
update at once, in the click handler: for them that wait is lost time, on every failing
check. `QUIET_TRACKER` runs before the page's own scripts and keeps count of the work the
page has scheduled; a page with nothing scheduled before the wait would end is *quiet*,
and its failing check fails at once.

The count lives in the page's own JavaScript world, where the page could meddle with it.
That can only make its own failing checks wait (the full `settle_time`, as without the
tracker) or stop waiting early: it can never make a check pass.
"""
from __future__ import annotations

QUIET_KEY = "webgrader.quiet"

# Timers due, animation frames asked for, fetches and XMLHttpRequests under way, and when
# the last of them ended: the code that runs after a fetch reads its body a task or two
# later, so a page stays busy for GRACE_MS after anything it scheduled has finished.
QUIET_TRACKER = """
(() => {
  const KEY = Symbol.for('%s'), GRACE_MS = 40;
  if (window[KEY]) return;
  const now = () => performance.now();
  const due = new Map(), frames = new Set();
  let busy = 0, lastEnd = -Infinity;
  const ended = () => { lastEnd = now(); };
  const [setT, clearT, setI, clearI] = [window.setTimeout, window.clearTimeout, window.setInterval, window.clearInterval];
  const [raf, caf, realFetch, send] = [window.requestAnimationFrame, window.cancelAnimationFrame, window.fetch, XMLHttpRequest.prototype.send];
  const callable = (handler) => typeof handler === 'function' ? handler : () => (0, eval)(String(handler));
  const ms = (delay) => Math.max(0, Number(delay) || 0);
  window.setTimeout = function setTimeout(handler, delay, ...args) {
    const run = callable(handler);
    const id = setT.call(window, () => { due.delete(id); ended(); return run.apply(window, args); }, delay);
    due.set(id, now() + ms(delay));
    return id;
  };
  window.setInterval = function setInterval(handler, delay, ...args) {
    const run = callable(handler);
    const id = setI.call(window, () => { due.set(id, now() + ms(delay)); ended(); return run.apply(window, args); }, delay);
    due.set(id, now() + ms(delay));
    return id;
  };
  window.clearTimeout = function clearTimeout(id) { due.delete(id); return clearT.call(window, id); };
  window.clearInterval = function clearInterval(id) { due.delete(id); return clearI.call(window, id); };
  window.requestAnimationFrame = function requestAnimationFrame(callback) {
    const id = raf.call(window, (time) => { frames.delete(id); ended(); return callback(time); });
    frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = function cancelAnimationFrame(id) { frames.delete(id); return caf.call(window, id); };
  if (realFetch) window.fetch = function fetch(...args) {
    busy++;
    const answer = realFetch.apply(window, args);
    const done = () => { busy--; ended(); };
    answer.then(done, done);
    return answer;
  };
  XMLHttpRequest.prototype.send = function (...args) {
    busy++;
    let counted = true;
    const done = () => { if (counted) { counted = false; busy--; ended(); } };
    this.addEventListener('loadend', done, {once: true});
    try { return send.apply(this, args); } catch (error) { done(); throw error; }
  };
  Object.defineProperty(window, KEY, {value: (withinMs) => {
    const t = now();
    if (document.readyState !== 'complete' || busy > 0 || frames.size > 0 || t - lastEnd < GRACE_MS) return false;
    for (const when of due.values()) if (when <= t + withinMs) return false;
    return !document.getAnimations().some((a) => a.playState === 'running');
  }});
})();""" % QUIET_KEY

# Asked in the page's world (the tracker lives there); anything unexpected means "not quiet".
_ASK = """(withinMs) => { try { const quiet = window[Symbol.for('%s')];
  return typeof quiet === 'function' && quiet(withinMs) === true; } catch (e) { return false; } }""" % QUIET_KEY


async def page_is_quiet(page, within_s: float) -> bool:
    """Whether the page has nothing scheduled that could change it within `within_s` seconds."""
    return bool(await page.evaluate(_ASK, max(0.0, within_s) * 1000))
