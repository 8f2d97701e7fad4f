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

LEFTOVERS_KEY = "webgrader.leftovers"

# Whether leaving the page could leave anything behind for the next load in the same tab:
# storage or cookies it used, handlers that run when a page is left, a worker or a frame
# (whose own storage and handlers this script cannot see). Without any, the next load may simply replace the
# document, without first leaving it for about:blank and wiping the origin's storage
# (about 50 ms of machine time a load, 6 loads a submission).
LEFTOVERS_TRACKER = """
(() => {
  const KEY = Symbol.for('%s');
  if (window[KEY]) return;
  let used = false;
  const LEAVING = new Set(['unload', 'beforeunload', 'pagehide', 'visibilitychange', 'freeze']);
  for (const name of ['localStorage', 'sessionStorage', 'indexedDB']) {
    const own = Object.getOwnPropertyDescriptor(window, name);
    if (own && own.get && own.configurable) {
      Object.defineProperty(window, name, {configurable: true, enumerable: own.enumerable,
        get() { used = true; return own.get.call(window); }});
    } else { used = true; }  // cannot be watched: count it as used
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  if (cookie && cookie.set && cookie.configurable) {
    Object.defineProperty(Document.prototype, 'cookie', {configurable: true, enumerable: cookie.enumerable,
      get() { return cookie.get.call(this); }, set(value) { used = true; cookie.set.call(this, value); }});
  } else { used = true; }
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function addEventListener(type, ...rest) {
    if (LEAVING.has(String(type).toLowerCase())) used = true;
    return add.call(this, type, ...rest);
  };
  if (window.Worker) {
    const RealWorker = window.Worker;
    window.Worker = new Proxy(RealWorker, {construct(target, args, newTarget) {
      used = true; return Reflect.construct(target, args, newTarget); }});
  }
  const frames = Object.getOwnPropertyDescriptor(window, 'length').get;
  const cookies = cookie && cookie.get;
  Object.defineProperty(window, KEY, {value: () => !used && frames.call(window) === 0
    && (!cookies || cookies.call(document) === '')
    && !window.onunload && !window.onbeforeunload && !window.onpagehide
    && !document.onvisibilitychange && !document.onfreeze});
})();""" % LEFTOVERS_KEY

# Asked in the page's world (the tracker lives there); anything unexpected means "not quiet".
_ASK = """(withinMs) => { try { const quiet = window[Symbol.for('%s')];
  return typeof quiet === 'function' && quiet(withinMs) === true; } catch (e) { return false; } }""" % QUIET_KEY


async def page_is_quiet(page, within_s: float) -> bool:
    """Whether the page has nothing scheduled that could change it within `within_s` seconds."""
    return bool(await page.evaluate(_ASK, max(0.0, within_s) * 1000))


_ASK_LEFTOVERS = """(withinMs) => { try { const quiet = window[Symbol.for('%s')];
  const clean = window[Symbol.for('%s')];
  return typeof quiet === 'function' && typeof clean === 'function' && clean() === true
    && quiet(withinMs) === true; } catch (e) { return false; } }""" % (QUIET_KEY, LEFTOVERS_KEY)


async def page_leaves_nothing(page, within_s: float = 1.0) -> bool:
    """Whether the page can be replaced by the next load as it is: it used no storage, cookie,
    worker or frame, has no handler that runs on leaving, and nothing scheduled within `within_s`
    (which could still do any of that before the next load replaces it).

    Like the quiet count, this lives in the page's world: a page that fools it can only find
    its own storage again in its own next check cell, never another submission's (each has
    its own browser context).
    """
    return bool(await page.evaluate(_ASK_LEFTOVERS, max(0.0, within_s) * 1000))
