"""A failing check stops waiting when the page has nothing under way, and still waits for
pages that update a moment later (settle.py), in real Chromium."""
import time

import pytest

from webgrader import CheckFailed, open_page
from webgrader.settings import Limits

# A long settle time, so that "waited" and "did not wait" are seconds apart.
PATIENT = Limits(settle_time=2.0, check_timeout=6.0)
BUTTON = '<button id="b">go</button><p id="out">before</p>'


def page(script: str, head: str = "") -> dict[str, str]:
    return {"index.html": f"<!DOCTYPE html><html><head>{head}</head><body>{BUTTON}<script>{script}</script></body></html>",
            "data.json": '{"word": "after"}'}


def seconds_to_fail(run, files, check) -> float:
    loaded = run(open_page(files=files, asset_dir=None, limits=PATIENT))
    start = time.monotonic()
    with pytest.raises(CheckFailed):
        run(check(loaded))
    return time.monotonic() - start


async def click_then_expect_after(p):
    await p.click("#b")
    await p.expect_text("#out", equals="after")


def test_a_failing_check_on_a_page_with_nothing_under_way_fails_without_waiting_out_the_settle_time(run):
    files = page("document.getElementById('b').onclick = () => { document.getElementById('out').textContent = 'wrong'; };")

    assert seconds_to_fail(run, files, click_then_expect_after) < 1.0
    assert seconds_to_fail(run, files, lambda p: p.click("#missing")) < 1.0


@pytest.mark.parametrize("later", [
    "setTimeout(show, 300)",
    "setTimeout('show()', 300)",
    "const t = setInterval(() => { show(); clearInterval(t); }, 300)",
    "requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(show, 200)))",
    "fetch('data.json').then(r => r.json()).then(d => { out.textContent = d.word; })",
    "fetch('data.json').then(r => r.json()).then(d => setTimeout(() => { out.textContent = d.word; }, 100))",
    "const x = new XMLHttpRequest(); x.open('GET', 'data.json'); x.onload = () => setTimeout(show, 100); x.send()",
    "Promise.resolve().then(() => setTimeout(show, 300))",
], ids=["timeout", "timeout-string", "interval", "animation-frames", "fetch", "fetch-then-timer", "xhr", "promise-then-timer"])
def test_a_page_that_updates_a_moment_after_a_click_still_passes(run, later):
    files = page("const out = document.getElementById('out'); function show() { out.textContent = 'after'; }\n"
                 f"document.getElementById('b').onclick = () => {{ {later}; }};")
    loaded = run(open_page(files=files, asset_dir=None, limits=PATIENT))
    run(loaded.click("#b"))
    run(loaded.expect_text("#out", equals="after"))


def test_a_page_that_updates_a_moment_after_loading_still_passes(run):
    files = page("fetch('data.json').then(r => r.json()).then(d => { document.getElementById('out').textContent = d.word; })")
    run(run(open_page(files=files, asset_dir=None, limits=PATIENT)).expect_text("#out", equals="after"))


def test_a_style_that_changes_in_a_css_transition_is_checked_once_the_transition_ran(run):
    files = page("document.getElementById('b').onclick = () => document.getElementById('out').classList.add('on');",
                 head="<style>#out { color: rgb(0, 0, 0); transition: color 0.4s linear; } "
                      "#out.on { color: rgb(0, 128, 0); }</style>")
    loaded = run(open_page(files=files, asset_dir=None, limits=PATIENT))
    run(loaded.click("#b"))
    run(loaded.expect_style("#out", "color", equals="rgb(0, 128, 0)"))


def test_a_timer_due_after_the_settle_time_is_not_waited_for(run):
    files = page("document.getElementById('b').onclick = () => setTimeout(() => {}, 60000);")

    assert seconds_to_fail(run, files, click_then_expect_after) < 1.0


def test_a_page_that_breaks_the_quiet_probe_only_waits_the_whole_settle_time_as_before(run):
    files = page("Symbol.for = () => 'nothing here';\n"
                 "document.getElementById('b').onclick = () => setTimeout(() => { document.getElementById('out').textContent = 'after'; }, 300);")
    loaded = run(open_page(files=files, asset_dir=None, limits=PATIENT))
    run(loaded.click("#b"))
    run(loaded.expect_text("#out", equals="after"))
    waited = seconds_to_fail(run, files, lambda p: p.expect_text("#out", equals="never"))
    assert waited > 1.0


def test_the_pages_timers_keep_their_meaning_under_the_tracker(run):
    files = page("")
    loaded = run(open_page(files=files, asset_dir=None, limits=PATIENT))
    run(loaded.expect_js("""new Promise(done => {
        const seen = [];
        const cancelled = setTimeout(() => seen.push('cancelled'), 10); clearTimeout(cancelled);
        setTimeout(function (a, b) { seen.push(a + b, this === window); }, 10, 'x', 'y');
        let n = 0; const every = setInterval(() => { if (++n === 3) { clearInterval(every); seen.push('interval'); } }, 5);
        const frame = requestAnimationFrame(() => seen.push('cancelled frame')); cancelAnimationFrame(frame);
        requestAnimationFrame(t => seen.push(typeof t));
        setTimeout(() => done(seen.map(String).sort().join() === 'interval,number,true,xy'), 200);
    })""", name="timers behave as without the grader"))
