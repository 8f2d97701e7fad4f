"""The lifecycle of grading: a Grading per submission, several at once on one event loop,
and a hung page that costs nothing after its check. In real Chromium."""
import asyncio
import os
import time

import pytest

from webgrader import CheckFailed, open_page
from webgrader.browser import _stat, _tree, shared_browser
from webgrader.grading import Grading, current
from webgrader.settings import Limits

QUIET = Limits(busy_factor=1.0)  # a hang is remembered at once, whatever else the machine does

HANGS_ON_CLICK = {"index.html": "<h1>A</h1><button id='go' onclick='while(true){}'>go</button>"}
COUNTER = {"index.html": "<h1>B</h1><button id='add'>+</button><span id='count'>0</span>"
                         "<script>let n = 0; document.getElementById('add').onclick = () => "
                         "{ document.getElementById('count').textContent = ++n; };</script>"}


async def failed(coro) -> "CheckFailed":
    try:
        await coro
    except CheckFailed as exc:
        return exc
    raise AssertionError("the check passed")


def test_two_submissions_interleaved_on_one_loop_see_only_their_own_pages_and_a_hang_stays_in_its_own(run):
    clicked = asyncio.Event()
    b_done_at = []

    async def hanging_learner():
        async with Grading(files=HANGS_ON_CLICK, asset_dir=None, limits=QUIET) as grading:
            page = await open_page()
            await page.expect_text("h1", equals="A")
            clicked.set()
            failure = await failed(page.click("#go"))
            failed_at = time.monotonic()
            again = await open_page()  # the same files at the same step: at once, from this submission's memory
            start = time.monotonic()
            await failed(again.click("#go"))
            return grading, failure.result, failed_at, time.monotonic() - start

    async def counting_learner():
        async with Grading(files=COUNTER, asset_dir=None) as grading:
            first = await open_page()
            await clicked.wait()  # while the other submission's page spins in its click handler
            await first.expect_text("h1", equals="B")
            await first.click("#add", times=3)
            await first.expect_text("#count", equals="3")
            second = await open_page()
            await second.expect_text("#count", equals="0")
            b_done_at.append(time.monotonic())
            assert current() is grading
            return grading, first.results + second.results

    async def both():
        return await asyncio.gather(hanging_learner(), counting_learner())

    (a, a_failure, a_failed_at, a_again_s), (b, b_results) = run(both())
    assert "stopped responding" in a_failure.message
    assert a_again_s < 0.5, "the hung step failed at once the second time, in its own submission"
    assert all(r.passed for r in b_results) and len(b_results) == 3
    assert b_done_at[0] < a_failed_at, "the other submission was graded while the first one's page hung"
    assert a.hung_actions and not b.hung_actions and not b.hung_loads
    assert a.closed and b.closed and a.tab is None and b.tab is None


def test_an_identical_submission_after_a_hang_is_tried_afresh(run):
    async def grade(files):
        async with Grading(files=files, asset_dir=None, limits=QUIET):
            page = await open_page()
            start = time.monotonic()
            result = (await failed(page.click("#go"))).result
            return result, time.monotonic() - start

    first, first_s = run(grade(HANGS_ON_CLICK))
    second, second_s = run(grade(HANGS_ON_CLICK))
    assert "stopped responding" in first.message and "stopped responding" in second.message
    assert second_s > 1.5, "the second submission's click was tried, not failed from the first one's memory"


def test_the_kernels_own_grading_is_made_by_the_first_open_page_and_kept_until_ended(run):
    from webgrader.harness import end_submission

    first = run(open_page(files={"index.html": "<h1>1</h1>"}, asset_dir=None))
    second = run(open_page(files={"index.html": "<h1>2</h1>"}, asset_dir=None))
    assert second.grading is first.grading and not first.grading.closed
    run(end_submission())
    assert first.grading.closed
    third = run(open_page(files={"index.html": "<h1>3</h1>"}, asset_dir=None))
    assert third.grading is not first.grading
    run(end_submission())


def _cpu_seconds(pids) -> float:
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def test_a_page_that_hung_in_a_click_handler_costs_no_cpu_after_its_check(run):
    page = run(open_page(files=HANGS_ON_CLICK, asset_dir=None))  # the kernel's own grading, left open
    with pytest.raises(CheckFailed):
        run(page.click("#go"))
    assert not page.grading.closed
    deadline = time.monotonic() + 5
    while True:
        run(asyncio.sleep(0.5))
        pids = _tree(shared_browser.browser_pid, False)
        before, start = _cpu_seconds(pids), time.monotonic()
        run(asyncio.sleep(1.0))
        share = (_cpu_seconds(pids) - before) / (time.monotonic() - start)
        if share < 0.15 or time.monotonic() > deadline:
            break
    assert share < 0.15, f"the browser still used {share:.0%} of a core after the hung check"
    assert page.tab.page.is_closed()
    from webgrader.harness import end_submission

    run(end_submission())
