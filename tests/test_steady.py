"""The same page gets the same verdict and the same picture on every run: fixed fonts,
animations ended at once, the clock and Math.random fixed per load (steady.py)."""
import re
import shutil
import time

import nbformat
import pytest

from webgrader import CheckFailed, open_page
from webgrader.harness import end_submission
from webgrader.steady import FIXED_TIME_MS, fontconfig_file, missing_fonts

LIVELY = {"index.html": """<!DOCTYPE html><html><head><style>
#spin { width: 40px; height: 40px; background: rgb(200, 0, 0); animation: grow 2s linear infinite; }
@keyframes grow { to { width: 400px; background: rgb(0, 0, 200); } }
#fade { opacity: 1; transition: opacity 3s; } #fade.gone { opacity: 0.2; }
</style></head><body><div id="spin"></div>
<p id="fade">Fading text</p><p id="clock"></p><p id="dice"></p>
<script>
document.getElementById('fade').classList.add('gone');
document.getElementById('clock').textContent = new Date().toLocaleString('en-GB', {timeZone: 'Europe/Stockholm'});
document.getElementById('dice').textContent = Array.from({length: 5}, () => 1 + Math.floor(Math.random() * 6)).join(' ');
</script></body></html>"""}


def _grade_lively(run):
    """Results and picture of two checks that fail on the lively page, in a fresh context."""
    run(end_submission())
    page = run(open_page(files=LIVELY, asset_dir=None))
    out = []
    for check in (lambda: page.expect_text("#dice", equals="6 6 6 6 6"),
                  lambda: page.expect_style("#fade", "opacity", equals="0.5")):
        with pytest.raises(CheckFailed) as info:
            run(check())
        result = info.value.result
        out.append((result.as_text(), result.screenshot))
    out.append(run(page.page.evaluate("[document.getElementById('clock').textContent, getComputedStyle(document.getElementById('spin')).width]")))
    return out


def test_a_page_with_an_animation_a_clock_and_random_numbers_is_graded_the_same_twice(run):
    first, second = _grade_lively(run), _grade_lively(run)
    assert first == second
    clock, width = first[-1]
    assert clock.startswith("15/01/2026, 10:00:0")  # FIXED_TIME_MS in Stockholm, the clock barely moved
    assert width == "40px"  # the infinite animation ended at once: back to the element's own width
    assert 'opacity: 0.2' in first[1][0]  # the transition ended at once too


def test_real_time_gives_a_check_the_browsers_own_clock_and_random_numbers(run):
    draws = []
    for real_time in (True, True, False, False):
        page = run(open_page(files={"index.html": "<p>x</p>"}, asset_dir=None, real_time=real_time))
        draws.append(run(page.page.evaluate("[Date.now(), Math.random()]")))
    (real_now, real_a), (_, real_b), (fixed_now, fixed_a), (_, fixed_b) = draws
    assert abs(real_now - time.time() * 1000) < 60_000  # this machine's clock, not the fixed one
    assert real_a != real_b  # the browser's own random numbers
    assert fixed_now < FIXED_TIME_MS + 60_000 and fixed_a == fixed_b  # and back to the fixed ones


def test_the_browser_draws_only_with_the_fonts_the_grader_installs(run):
    if missing_fonts():
        pytest.skip(f"fonts-dejavu-core is not installed: {missing_fonts()}")
    assert "<rejectfont><glob>*</glob></rejectfont>" in fontconfig_file().read_text()
    page = run(open_page(files={"index.html": "<p>x</p>"}, asset_dir=None))
    widths = run(page.page.evaluate("""() => {
      const ctx = document.createElement('canvas').getContext('2d');
      const width = (family) => { ctx.font = `20px "${family}"`; return ctx.measureText('Hamburgefonstiv 0123').width; };
      return {serif: width('DejaVu Serif'), sans: width('DejaVu Sans'), times: width('Times New Roman'),
              arial: width('Arial'), liberation: width('Liberation Serif'), condensed: width('DejaVu Sans Condensed'),
              fallback: width('No Such Font At All')}; }"""))
    assert widths["serif"] != widths["sans"]  # the fonts really are there
    assert widths["times"] == widths["serif"] and widths["arial"] == widths["sans"]
    # fonts of this machine outside fonts-dejavu-core are never used, whether installed or not
    assert widths["liberation"] == widths["fallback"] and widths["condensed"] == widths["fallback"]


def _build_class_course(repo, work):
    from webgrader.course import Course
    from webgrader.sample_class import load_class

    course = Course.copy_of(repo, work / "course")
    graded = []
    for assignment in course.assignments():
        course.nbgrader("generate_assignment", assignment, "--force")
        for sub in (s for s in load_class(repo / "examples" / "class") if s.assignment == assignment):
            dest = course.root / "submitted" / sub.student / assignment
            shutil.copytree(course.root / "release" / assignment, dest)
            for notebook in dest.glob("*.ipynb"):
                sub.apply_to(notebook)
            (dest / "timestamp.txt").write_text("2026-11-30 09:00:00.000000 UTC")
            graded.append((sub.student, assignment))
    return course, graded


def _what_learners_get(course, graded):
    """Per submission: every check cell's score and every output (texts, screenshots)."""
    scores = course.check_scores()
    got = {}
    for student, assignment in graded:
        folder = course.root / "autograded" / student / assignment
        outputs = []
        for nb_path in sorted(folder.glob("*.ipynb")):
            for cell in nbformat.read(nb_path, as_version=4).cells:
                if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                    outputs.append([(o.get("output_type"), o.get("data", {}).get("text/plain"),
                                     o.get("data", {}).get("text/html"), o.get("evalue")) for o in cell.outputs])
        got[(student, assignment)] = (scores[(student, assignment)], outputs)
    return got


def test_the_sample_class_graded_five_times_gets_identical_scores_messages_and_screenshots(repo_root, tmp_path):
    from webgrader.bulk import grade_one

    course, graded = _build_class_course(repo_root, tmp_path)
    runs = []
    for _ in range(5):
        for student, assignment in graded:
            result = grade_one(course.root, assignment, student, force=True)
            assert result.status == "graded", result
        runs.append(_what_learners_get(course, graded))
    shots = sum(len(re.findall(r"data:image/jpeg;base64,", str(v))) for v in runs[0].values())
    assert shots >= 20, "the sample class should fail enough checks to compare pictures"
    for i, other in enumerate(runs[1:], start=2):
        differ = [key for key in runs[0] if runs[0][key] != other[key]]
        assert not differ, f"run {i} differs from run 1 for {differ}"


def test_without_the_dejavu_fonts_the_browser_keeps_the_machines_fonts_and_doctor_says_how_to_fix_it(monkeypatch, tmp_path):
    from webgrader import steady

    assert "FONTCONFIG_FILE" in steady.browser_environment() or steady.missing_fonts()
    monkeypatch.setattr(steady, "FONTS_DIR", tmp_path)  # a machine without fonts-dejavu-core
    assert "FONTCONFIG_FILE" not in steady.browser_environment()  # a config naming no font would draw no text
    assert "apt-get install -y fonts-dejavu-core" in steady.fonts_line()
