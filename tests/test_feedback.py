"""The learner's feedback page (webgrader's FeedbackExporter in `nbgrader generate_feedback`):
hidden tests stay hidden, small, nothing from outside, readable on a phone, a summary naming
every check, page files highlighted in their own language."""
import asyncio
import html
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from webgrader.feedback import render_feedback, without_hidden_tests

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""", re.I)


def _text(page_html: str) -> str:
    """What a reader sees: tags gone, entities decoded, white space folded."""
    no_tags = re.sub(r"<[^>]+>", "", re.sub(r"<(style|script)\b.*?</\1>", "", page_html, flags=re.S))
    return re.sub(r"\s+", " ", html.unescape(no_tags))


def _without_screenshots(page_html: str) -> str:
    return re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", page_html)


def _hidden_cells(graded_class, assignment):
    """{grade_id: the hidden lines of its source} for the assignment's check cells in source/."""
    notebook = next((graded_class.course.root / "source" / assignment).glob("*.ipynb"))
    cells = nbformat.read(notebook, as_version=4).cells
    visible = {line.strip() for cell in cells for line in without_hidden_tests(cell.source)[0].splitlines()}
    hidden = {}
    for cell in cells:
        if without_hidden_tests(cell.source)[1]:
            # the lines only hidden code has (`page = await open_page(...)` is in visible checks too)
            hidden[cell.metadata["nbgrader"]["grade_id"]] = [
                line.strip() for line in cell.source.splitlines()
                if line.strip() and line.strip() not in visible and "HIDDEN TESTS" not in line]
    return hidden


def _feedback(graded_class, student, assignment):
    folder = graded_class.course.root / "feedback" / student / assignment
    return next(folder.glob("*.html")).read_text(encoding="utf-8")


def _autograded_cell(graded_class, student, assignment, grade_id):
    folder = graded_class.course.root / "autograded" / student / assignment
    nb = nbformat.read(next(folder.glob("*.ipynb")), as_version=4)
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_feedback_of_a_learner_who_failed_a_hidden_check_shows_its_result_but_none_of_its_code(graded_class):
    seen = 0
    for sub in graded_class.submissions:
        hidden = _hidden_cells(graded_class, sub.assignment)
        failed_hidden = [cell for cell in sub.failed_checks if cell in hidden]
        if not failed_hidden:
            continue
        text = _text(_feedback(graded_class, sub.student, sub.assignment))
        for grade_id, lines in hidden.items():
            leaked = [line for line in lines if line in text]
            assert not leaked, f"{sub.student}/{sub.assignment}: hidden code of {grade_id} in the feedback: {leaked}"
        for grade_id in failed_hidden:
            shown = "".join(o.get("data", {}).get("text/plain", "")
                            for o in _autograded_cell(graded_class, sub.student, sub.assignment, grade_id).outputs
                            if o.output_type == "display_data")
            name = shown.splitlines()[0].removeprefix("✗ ")
            assert name and name in text, f"{sub.student}/{sub.assignment}: the name of failed check {grade_id}"
            for line in shown.splitlines()[1:]:
                if line.startswith(("Expected:", "Found:", "Hint:")):
                    assert re.sub(r"\s+", " ", line) in text, f"{sub.student}/{sub.assignment} {grade_id}: {line}"
        seen += 1
    assert seen >= 3, "the sample class should have learners who fail hidden checks"
    # Visible checks keep their code: the test above would pass on a page that shows no code at all.
    olena = _text(_feedback(graded_class, "olena", "click-counter"))
    assert 'await page.fill("#name", "Olena")' in olena


def test_every_feedback_page_is_small_self_contained_and_made_for_phones(graded_class):
    for page in graded_class.feedback:
        markup = page.read_text(encoding="utf-8")
        assert len(_without_screenshots(markup).encode()) < 60_000, f"{page}: too big without screenshots"
        assert not EXTERNAL.findall(markup), f"{page}: loads {EXTERNAL.findall(markup)}"
        assert "mathjax" not in markup.lower()
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in markup


def test_the_summary_names_every_check_with_its_points_and_result(graded_class):
    sub = next(s for s in graded_class.submissions if s.assignment == "click-counter" and s.student == "anna")
    markup = _feedback(graded_class, sub.student, sub.assignment)
    summary = _text(re.search(r'<section class="summary">.*?</section>', markup, re.S).group(0))
    assert "Test cell" not in markup
    scores = graded_class.check_scores[(sub.student, sub.assignment)]
    for grade_id, (got, most) in scores.items():
        shown = "".join(o.get("data", {}).get("text/plain", "")
                        for o in _autograded_cell(graded_class, sub.student, sub.assignment, grade_id).outputs
                        if o.output_type == "display_data")
        for line in shown.splitlines():
            if line.startswith(("✓ ", "✗ ")):
                assert line in summary, f"{grade_id}: {line!r} not in the summary"
        assert f"{got:g} of {most:g} points" in summary


def test_page_cells_are_highlighted_in_their_own_language(graded_class):
    markup = _feedback(graded_class, "olena", "click-counter")
    html_cell = re.search(r'<h3>Your file index.html</h3>(.*?)</section>', markup, re.S).group(1)
    js_cell = re.search(r'<h3>Your file app.js</h3>(.*?)</section>', markup, re.S).group(1)
    assert '<span class="p">&lt;</span><span class="nt">button</span>' in html_cell  # a tag, coloured as one
    assert 'class="err"' not in html_cell  # no red box on <!DOCTYPE html>
    assert '<span class="kd">const</span>' in js_cell or '<span class="kd">let</span>' in js_cell


def test_a_feedback_page_reads_on_a_390px_phone_and_loads_nothing_from_outside(graded_class, run):
    sub = next(s for s in graded_class.submissions if s.failed_checks)
    page_file = next((graded_class.course.root / "feedback" / sub.student / sub.assignment).glob("*.html"))

    async def look():
        from playwright.async_api import async_playwright

        from webgrader.browser import launch

        async with async_playwright() as p:
            browser = await launch(p)
            try:
                widths = {}
                for width in (390, 1280):
                    tab = await browser.new_page(viewport={"width": width, "height": 800})
                    requests = []
                    tab.on("request", lambda r: requests.append(r.url))
                    await tab.goto(page_file.as_uri())
                    widths[width] = await tab.evaluate("document.documentElement.scrollWidth")
                    font_px = await tab.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
                    assert font_px >= 16
                    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
                    assert not outside, outside
                return widths
            finally:
                await browser.close()

    widths = run(look())
    assert widths == {390: 390, 1280: 1280}, f"the page is wider than the screen: {widths}"


def _notebook_with_a_hidden_failure():
    hidden_code = 'page = await open_page("index.html")\nawait page.expect_text("#secret", equals="42", name="The answer shows")'
    check = new_code_cell(f"# hidden\n### BEGIN HIDDEN TESTS\n{hidden_code}\n### END HIDDEN TESTS\n",
                          metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "check_secret",
                                                 "points": 2, "score": 0}})
    check.outputs = [
        new_output("display_data", data={
            "text/plain": '✗ The answer shows\nExpected: the text "42"\nFound: "41"',
            "text/html": "<div class='webgrader-check'><b>✗ The answer shows</b></div>"}),
        # a traceback quotes the code: it must not be shown
        new_output("error", ename="NameError", evalue="name 'x' is not defined",
                   traceback=[f"----> 2 {hidden_code.splitlines()[1]}", "NameError: name 'x' is not defined"]),
    ]
    page = new_code_cell("%%page index.html\n<!DOCTYPE html>\n<p id=\"secret\">41</p>\n",
                         metadata={"nbgrader": {"grade": False, "solution": True, "grade_id": "page_html"}})
    return new_notebook(cells=[new_markdown_cell("# Task"), page, check]), hidden_code


def test_hidden_code_is_left_out_even_from_error_tracebacks():
    nb, hidden_code = _notebook_with_a_hidden_failure()
    markup = render_feedback(nb, {"notebook": "task", "score": 0, "max_score": 2, "late_penalty": 0})
    text = _text(markup)
    for line in hidden_code.splitlines():
        assert line not in text
    assert "#secret" not in text and "equals=" not in text
    assert "The answer shows" in text and "name 'x' is not defined" in text
    assert "0 of 2 points" in text


def test_an_unclosed_hidden_region_hides_the_rest_of_the_cell():
    kept, hid = without_hidden_tests("a = 1\n### BEGIN HIDDEN TESTS\nsecret()\n")
    assert (kept, hid) == ("a = 1", True)
    assert without_hidden_tests("a = 1\nb = 2") == ("a = 1\nb = 2", False)


def test_webgrader_report_writes_a_progress_page_per_learner_with_scores_and_what_to_fix(graded_class, tmp_path):
    from webgrader.report import write_reports

    written = {p.stem: p for p in write_reports(graded_class.course.root, tmp_path)}
    assert set(written) == {s.student for s in graded_class.submissions}
    sub = next(s for s in graded_class.submissions if s.failed_checks and s.assignment == "click-counter")
    markup = written[sub.student].read_text(encoding="utf-8")
    text = _text(markup)
    for (student, assignment), (score, top) in graded_class.scores.items():
        if student == sub.student:
            assert f"{assignment} · {score:g} of {top:g} points" in text
    for grade_id in sub.failed_checks:
        shown = "".join(o.get("data", {}).get("text/plain", "")
                        for o in _autograded_cell(graded_class, sub.student, sub.assignment, grade_id).outputs
                        if o.output_type == "display_data")
        failed = [line[2:] for line in shown.splitlines() if line.startswith("✗ ")]
        assert failed and all(name in text for name in failed), (grade_id, failed)
        hints = [line for line in shown.splitlines() if line.startswith("Hint: ")]
        assert all(hint.removeprefix("Hint: ") in text for hint in hints)
    assert len(markup.encode()) < 60_000 and not EXTERNAL.findall(markup)
    assert '<meta name="viewport"' in markup


def _files(folder):
    """{path under folder: (bytes, permission bits)} of every file below it."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mode & 0o777)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded_copy(graded_class, tmp_path_factory):
    """A copy of the graded class, its learners reading their feedback in the class's languages
    (examples/class/languages.csv), with the feedback `nbgrader generate_feedback` writes."""
    import csv
    import shutil

    from webgrader.course import Course

    root = tmp_path_factory.mktemp("direct") / "course"
    shutil.copytree(graded_class.course.root, root)
    shutil.rmtree(root / "feedback")
    with open(Path(__file__).resolve().parents[1] / "examples" / "class" / "languages.csv", newline="",
              encoding="utf-8") as f:
        roster = {row["student"]: row["language"] for row in csv.DictReader(f)}
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as cfg:
        cfg.write(f"\nc.WebGrader.student_languages = {roster!r}\n")
    course = Course(root)
    for assignment in course.assignments():
        course.nbgrader("generate_feedback", assignment, "--force")
    return course, roster


def _config(root, assignment, student):
    from webgrader.service.worker import _course_config

    config = _course_config(root, assignment, student)
    config.GenerateFeedback.force = True
    return config


def test_the_services_feedback_is_byte_for_byte_what_nbgrader_generate_feedback_writes(graded_copy):
    """The service writes each learner's feedback itself (feedback.write_feedback) where nbgrader
    writes it: the same files, the same bytes, the same permissions, in her language."""
    import shutil

    from webgrader.feedback import write_feedback

    course, roster = graded_copy
    by_nbgrader = _files(course.root / "feedback")
    pages = [name for name in by_nbgrader if name.endswith(".html")]
    assert len(pages) == len({(s, a) for s, a in course.scores()}) >= 26
    assert any(name.endswith("photo.png") for name in by_nbgrader)  # the autograded folder's other files too
    assert any('<html lang="uk">' in by_nbgrader[name][0].decode() for name in pages)
    shutil.rmtree(course.root / "feedback")
    made = []
    for student, assignment in sorted(course.scores()):
        (course.root / "feedback" / student / assignment).mkdir(parents=True)
        (course.root / "feedback" / student / assignment / "stale.html").write_text("an older page")  # goes
        made += write_feedback(_config(course.root, assignment, student))
    assert len(made) == len(pages)
    assert _files(course.root / "feedback") == by_nbgrader


def test_with_another_exporter_the_service_leaves_feedback_to_nbgrader(graded_copy, tmp_path):
    from webgrader.feedback import write_feedback
    from webgrader.service.worker import generate_feedback

    course, _ = graded_copy
    student, assignment = sorted(course.scores())[0]
    config = _config(course.root, assignment, student)
    assert write_feedback(config) is not None
    config.GenerateFeedback.exporter_class = "nbconvert.exporters.HTMLExporter"
    assert write_feedback(config) is None
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as cfg:
        cfg.write('\nc.GenerateFeedback.exporter_class = "nbconvert.exporters.HTMLExporter"\n')
    notebook = next((course.root / "autograded" / student / assignment).glob("*.ipynb"))
    try:
        assert generate_feedback(course.root, assignment, student, tmp_path) == [f"{notebook.stem}.html"]
    finally:
        text = (course.root / "nbgrader_config.py").read_text(encoding="utf-8")
        (course.root / "nbgrader_config.py").write_text(text.rsplit("\nc.GenerateFeedback.exporter_class", 1)[0])
    page = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert '<section class="summary">' not in page and len(page) > 100_000  # nbgrader's own page, not ours
    assert (course.root / "feedback" / student / assignment / f"{notebook.stem}.html").read_text(encoding="utf-8") == page
