"""Limits for a whole submission and for each cell's output, and a stuck browser replaced
without losing the rest of the batch: in real Chromium and real `webgrader autograde` runs."""
import asyncio
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.utils import determine_grade

from test_fastpath import learner, locked, notebook
from webgrader.browser import SharedBrowser, shared_browser
from webgrader.bulk import marker_path
from webgrader.course import Course
from webgrader.fastpath import FastExecute
from webgrader.harness import GraderError
from webgrader.results import CheckResult, OutputBudget
from webgrader.sample_class import load_class
from webgrader.settings import Limits, load_course_config

REPO = Path(__file__).resolve().parents[1]


def course_folder(root: Path, config: str) -> Path:
    """A folder inside a course with `config` in its nbgrader_config.py, as a submission's folder is."""
    (root / "source").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\n" + config + "\n")
    folder = root / "autograded" / "learner" / "a"
    folder.mkdir(parents=True)
    return folder


def grade(nb, folder: Path):
    FastExecute(timeout=30).preprocess(nb, {"metadata": {"path": str(folder)}})
    return nb


# --- configuration ----------------------------------------------------------------------

def test_the_new_limits_are_options_with_help_and_reach_the_limits(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "webgrader.cli", "config"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for option, default in (("submission_timeout", "60.0"), ("js_heap_mb", "512"), ("max_output_kb", "512")):
        section = proc.stdout.split(f"c.WebGrader.{option} =")[1].split("c.WebGrader.")[0]
        assert default in section and len(section.split("##")[1].strip()) > 40, section  # a default and a help text
    config = tmp_path / "nbgrader_config.py"
    config.write_text("c = get_config()\nc.WebGrader.submission_timeout = 9.5\nc.WebGrader.js_heap_mb = 300\n"
                      "c.WebGrader.max_output_kb = 64\nc.WebGrader.check_timeout = 1.5\n")
    limits = Limits.from_config(load_course_config(config))
    assert (limits.submission_timeout, limits.js_heap_mb, limits.max_output_kb, limits.check_timeout) == (9.5, 300, 64, 1.5)


# --- the output of one check cell -------------------------------------------------------------

def test_a_huge_found_text_and_thousands_of_problems_are_cut_with_a_note_within_the_budget():
    result = CheckResult("The heading shows the right text", False, message="m", expected='the text "Hi"',
                         found='"' + "word " * 400_000 + '"', hint="Check the spelling.",
                         js_errors=[f"Error: boom {i}" for i in range(5000)], screenshot="A" * 1000)
    budget = OutputBudget(64 * 1024)
    shown = budget.fit(result)
    size = len(shown.as_text()) * 2 + len(shown.as_html())
    assert size <= 64 * 1024 and budget.left == 64 * 1024 - size
    assert shown.found.startswith('"word word') and "more characters not shown]" in shown.found
    assert shown.name == result.name and shown.hint == result.hint and shown.expected == result.expected
    assert len(shown.js_errors) == 21 and shown.js_errors[-1] == "… and 4980 more"
    assert shown.screenshot == result.screenshot  # a small one still fits
    assert len(result.found) == 2_000_002 and len(result.js_errors) == 5000  # the record itself is whole


def test_screenshots_beyond_the_cells_budget_are_left_out_with_a_note():
    budget = OutputBudget(100 * 1024)
    first = budget.fit(CheckResult("First", False, message="no", screenshot="A" * 60_000))
    second = budget.fit(CheckResult("Second", False, message="no", screenshot="B" * 60_000))
    assert first.screenshot and not first.screenshot_note
    assert second.screenshot is None and "the feedback of this cell is already as long as allowed" in second.as_html()
    assert "Second" in second.as_html() and "no" in second.as_text()  # the texts are still shown
    assert budget.left > 0


def test_in_a_kernel_each_executed_cell_has_its_own_budget(monkeypatch):
    import IPython

    shell = type("Shell", (), {"execution_count": 7})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    shot = "C" * 400 * 1024  # a busy page's screenshot: each fits the default 512 KB alone, two do not
    first, second = CheckResult("one", False, screenshot=shot), CheckResult("two", False, screenshot=shot)
    assert "base64," in first._repr_html_() and "✗ one" in repr(first)
    assert "base64," not in second._repr_html_()  # same cell: the budget is spent
    shell.execution_count = 8
    third = CheckResult("three", False, screenshot=shot)
    assert "base64," in third._repr_html_()  # the next cell starts afresh
    assert len(first._repr_html_()) == len(first.shown().as_html())  # showing it again costs nothing more


def test_a_page_of_half_a_megabyte_of_text_leaves_a_small_cell_output(tmp_path):
    # The load limit is raised: this test is about the size of the output, not the time of the load.
    folder = course_folder(tmp_path / "course", "c.WebGrader.max_output_kb = 48\nc.WebGrader.load_timeout = 20")
    text = "Lorem ipsum dolor sit amet. " * 20_000  # about 560 KB
    nb = grade(notebook(
        learner(f"%%page index.html\n<h1>{text}</h1>"),
        locked('page = await open_page("index.html")\nawait page.expect_text("h1", equals="Olena", name="Name")',
               "name", points=1),
    ), folder)
    outputs = nb.cells[2].outputs
    size = len(json.dumps(outputs, ensure_ascii=False))
    assert size < 48 * 1024 + 2048, size  # the budget, and the error's fixed part
    shown, error = outputs
    assert "more characters not shown]" in shown.data["text/plain"] and "more characters not shown]" in error.evalue
    assert "Lorem ipsum dolor sit amet." in shown.data["text/html"]
    # A screenshot of a page full of text is about 260 KB: this cell has no room for it.
    assert "base64," not in shown.data["text/html"] and "as long as allowed" in shown.data["text/html"]
    assert determine_grade(nb.cells[2]) == (0, 1)


# --- a whole submission -------------------------------------------------------------------

SLOW = """%%page index.html
<h1>Hi</h1>
<script>
  // Reading window.slow keeps the page busy for two seconds: every check of this page is slow.
  Object.defineProperty(window, 'slow', {get() { const end = Date.now() + 2000; while (Date.now() < end) {} return true; }});
</script>"""
QUICK = "%%page index.html\n<h1>Hi</h1><script>window.slow = true;</script>"


def checks(n):
    return [locked(f'page = await open_page("index.html")\nawait page.expect_js("window.slow", name="Check {i}")',
                   f"check_{i}", points=1) for i in range(n)]


def test_a_submission_over_its_time_has_its_remaining_checks_stopped_and_the_next_is_graded_normally(tmp_path):
    folder = course_folder(tmp_path / "course", "c.WebGrader.submission_timeout = 8")
    start = time.monotonic()
    slow = grade(notebook(learner(SLOW), *checks(8)), folder)
    seconds = time.monotonic() - start
    cells = slow.cells[2:]
    stopped = [any(o.output_type == "error" and o.ename == "GradingStopped" for o in c.outputs) for c in cells]
    # The checks need 16 seconds or more; the time is up after 8: the last ones are stopped, and only those.
    assert stopped[-4:] == [True] * 4 and stopped == sorted(stopped), stopped
    for cell, was_stopped in zip(cells, stopped):
        if was_stopped:
            error = next(o for o in cell.outputs if o.output_type == "error")
            assert error.evalue.startswith("Grading stopped: your page used up the 8 seconds allowed for the whole")
            assert "Hint: Something in your page makes every check slow" in error.traceback[1]
            assert determine_grade(cell) == (0, 1)
        else:
            assert determine_grade(cell) == (1, 1) and "✓ Check" in cell.outputs[0].data["text/plain"]
    assert seconds < 8 + 10, seconds  # the limit, and the page's last busy seconds, with room for a slow machine
    quick = grade(notebook(learner(QUICK), *checks(3)), folder)  # a whole new time for the next one
    assert [determine_grade(c) for c in quick.cells[2:]] == [(1, 1)] * 3


# --- the JavaScript heap ------------------------------------------------------------------------

def processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent, state, command line), read from /proc independently of the grader's own code."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            table[int(entry)] = (int(fields[1]), fields[0], cmd)
    return table


def below(pid: int, table=None) -> set[int]:
    table = table or processes()
    found = {pid}
    while more := {p for p, (parent, _, _) in table.items() if parent in found} - found:
        found |= more
    return found - {pid}


def chromium(pids, table) -> set[int]:
    return {p for p in pids if p in table and "chrom" in Path(table[p][2].split(" ")[0]).name}


def alive(pids) -> set[int]:
    table = processes()
    return {p for p in pids if p in table and table[p][1] != "Z"}


def still_alive_after_a_moment(pids) -> set[int]:
    """A killed process takes a moment to go: those still there after up to 5 seconds."""
    for _ in range(100):
        if not alive(pids):
            break
        time.sleep(0.05)
    return alive(pids)


def test_the_browser_starts_with_the_courses_javascript_heap_limit(tmp_path, monkeypatch):
    monkeypatch.chdir(course_folder(tmp_path / "course", "c.WebGrader.js_heap_mb = 200"))
    browser = SharedBrowser()

    async def heap_flags():
        before = processes()
        try:
            await browser.get()
            table = processes()
            new = chromium(below(os.getpid(), table), table) - set(before)
            # The browser's main process is the one the driver started; a child caught between fork
            # and exec still shows its parent's command line, so only a non-Chromium parent counts.
            started_by_driver = {p for p in new if not chromium({table[p][0]}, table)}
            return [table[p][2] for p in started_by_driver if "--type=" not in table[p][2]]
        finally:
            await browser.close()

    main_processes = asyncio.run(heap_flags())
    assert len(main_processes) == 1 and "--js-flags=--max-old-space-size=200" in main_processes[0]


# --- a stuck browser ---------------------------------------------------------------------------

def freeze(pids) -> set[int]:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    return set(pids)


def thaw_and_end(pids, table_before) -> None:
    """Test clean-up: whatever of the frozen processes is still there (the same command) goes."""
    table = processes()
    for pid in pids:
        if pid in table and table[pid][2] == table_before[pid][2]:
            for sig in (signal.SIGKILL, signal.SIGCONT):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass


@pytest.mark.parametrize("frozen", ["browser", "browser and driver"])
def test_a_frozen_browser_is_killed_with_all_its_processes_and_a_new_one_grades(frozen):
    browser = SharedBrowser()

    async def scenario():
        others = set(processes())  # other tests' browsers in this process are not this one's
        await browser.get()
        context = await browser.browser.new_context()
        page = await context.new_page()
        await page.goto("data:text/html,<h1>before</h1>")
        table = processes()
        mine = below(os.getpid(), table) - others
        driver = next(p for p in mine if "run-driver" in table[p][2])
        stopped = freeze(chromium(mine, table) | ({driver} if frozen == "browser and driver" else set()))
        try:
            assert len(stopped) >= 3  # the browser, its zygotes, the page's renderer
            start = time.monotonic()
            assert not await browser.check(1.0)
            assert browser.lost == 1 and browser.browser is None
            left = still_alive_after_a_moment(stopped)
            assert not left, [table[p][2][:80] for p in left]
            assert time.monotonic() - start < 15
            fresh = await browser.get()
            page = await fresh.new_page()
            await page.goto("data:text/html,<h1>after</h1>")
            assert await page.inner_text("h1") == "after"
            assert await browser.check(1.0) and browser.lost == 1
        finally:
            thaw_and_end(stopped, table)
            await browser.close()

    asyncio.run(scenario())


FROZEN: set = set()
FROZEN_TABLE: dict = {}


def freeze_the_grading_browser() -> None:
    """Run by an instructor cell on the kernel-free path: SIGSTOP the browser grading this very page."""
    table = processes()
    FROZEN_TABLE.update(table)
    FROZEN.update(freeze({shared_browser.browser_pid} | below(shared_browser.browser_pid, table)))


def test_a_submission_whose_new_browser_freezes_too_is_reported_not_graded_and_the_next_is_graded(tmp_path):
    folder = course_folder(tmp_path / "course", "")
    page = learner("%%page index.html\n<h1>Hi</h1>")
    check = 'page = await open_page("index.html")\nawait page.expect_text("h1", equals="Hi")\n'
    lost = shared_browser.lost
    try:
        with pytest.raises(GraderError, match="stopped responding twice while grading this submission"):
            grade(notebook(page, locked(check + "import test_limits\ntest_limits.freeze_the_grading_browser()",
                                        "freezes", points=1)), folder)
        assert shared_browser.lost == lost + 2 and len(FROZEN) >= 6  # two browsers, each with its zygotes and page
        assert not still_alive_after_a_moment(FROZEN), "a frozen Chromium process was left behind"
    finally:
        thaw_and_end(FROZEN, FROZEN_TABLE)
    graded = grade(notebook(page, locked(check, "fine", points=1)), folder)
    assert determine_grade(graded.cells[2]) == (1, 1) and shared_browser.lost == lost + 2


@pytest.fixture(scope="module")
def profile_course(tmp_path_factory) -> Course:
    """A course with profile-page generated and six learners of the sample class submitted."""
    return class_course(tmp_path_factory.mktemp("limits") / "course",
                        ["olena", "oksana", "sofiia", "tetiana", "yuliia", "svitlana"])


def class_course(root: Path, students: list[str], assignment: str = "profile-page") -> Course:
    course = Course.copy_of(REPO, root)
    course.nbgrader("generate_assignment", assignment, "--force")
    release = next((root / "release" / assignment).glob("*.ipynb"))
    for sub in load_class(REPO / "examples" / "class"):
        if sub.assignment == assignment and sub.student in students:
            folder = root / "submitted" / sub.student / assignment
            folder.mkdir(parents=True)
            shutil.copy(release, folder / release.name)
            sub.apply_to(folder / release.name)
            (folder / "timestamp.txt").write_text("2026-11-30 10:00:00.000000 UTC")
    return course


def expected_scores(assignment: str, students) -> dict:
    with open(REPO / "examples" / "class" / "scores.csv", newline="") as f:
        return {(r["student"], assignment): (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(f)
                if r["assignment"] == assignment and r["student"] in students}


def test_a_browser_frozen_mid_batch_is_replaced_and_every_submission_gets_its_own_score(profile_course, tmp_path):
    course = profile_course
    students = sorted(p.name for p in (course.root / "submitted").iterdir())
    out, err = open(tmp_path / "out", "w+"), open(tmp_path / "err", "w+")
    # One worker: one browser to freeze (with more, each worker replaces its own).
    run = subprocess.Popen([sys.executable, "-m", "webgrader.cli", "autograde", "profile-page", "--quiet", "--force",
                            "--workers", "1", "--course", str(course.root)], stdout=out, stderr=err)
    seen, stopped, table_at_freeze = set(), set(), {}
    try:
        deadline = time.monotonic() + 400
        while run.poll() is None and time.monotonic() < deadline:
            table = processes()
            seen |= chromium(below(run.pid, table), table)
            if not stopped and any(marker_path(course.root, "profile-page", s).exists() for s in students):
                # One submission is graded: freeze the grading browser, whatever it is doing now.
                stopped, table_at_freeze = freeze(chromium(below(run.pid, table), table)), table
            time.sleep(0.05)
        assert run.wait(timeout=5) == 0, Path(tmp_path / "out").read_text() + Path(tmp_path / "err").read_text()
    finally:
        if run.poll() is None:
            run.kill()
        thaw_and_end(stopped, table_at_freeze)
    report, log = Path(tmp_path / "out").read_text(), Path(tmp_path / "err").read_text()
    assert stopped, "the test froze nothing: the batch ended before one submission was graded"
    assert log.count("the grading browser stopped responding; it was killed, and a new one grades this "
                     "submission again") == 1, log
    assert f"{len(students)} graded" in report and "0 failed" in report, report
    assert {k: v for k, v in course.scores().items() if k[1] == "profile-page"} == \
        expected_scores("profile-page", students)
    assert all(marker_path(course.root, "profile-page", s).exists() for s in students)
    assert seen > stopped and not still_alive_after_a_moment(seen), "Chromium processes were left behind"
