"""What a failing check tells a beginner, in real Chromium: the likely cause first (a script
that never loaded, an error at load), what the page really has, files and lines of JavaScript
errors, outside addresses noted once per page load, and failing steps named after their check."""
import ast
import asyncio

import pytest

from webgrader import CheckFailed, open_page
from webgrader.fastpath import _run_python
from webgrader.harness import display_hook
from webgrader.problems import PageNote

COUNTER_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Click counter</title></head>
<body>
  <p>You clicked <span id="count">0</span> times.</p>
  <button id="add">Add one</button>
  <label for="email">E-mail</label> <input id="email" type="text">
</body>
</html>"""
COUNTER_JS = """let count = 0;
document.getElementById("add").addEventListener("click", function () {
  count = count + 1;
  document.getElementById("count").textContent = count;
});"""
WITH_SCRIPT = COUNTER_HTML.replace("</body>", '  <script src="app.js"></script>\n</body>')


def failure(run, coro) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        run(coro)
    return info.value


def shown(run, coro):
    """The results and notes a check shows, as the cell would."""
    seen = []
    token = display_hook.set(seen.append)
    try:
        run(coro)
    except CheckFailed:
        pass
    finally:
        display_hook.reset(token)
    return seen


def test_a_script_that_never_loaded_is_named_as_the_cause_before_the_hint(run):
    page = run(open_page(files={"index.html": COUNTER_HTML, "app.js": COUNTER_JS}, asset_dir=None))
    run(page.click("#add"))
    result = failure(run, page.expect_text("#count", equals="1", name="One click shows 1",
                                           hint="Listen for clicks on #add.")).result
    assert 'app.js never runs: index.html has no <script src="app.js"></script>' in result.cause
    text = result.as_text()
    assert text.index("Likely cause") < text.index("Hint: Listen for clicks on #add.")
    # Without an instructor's hint, the generic "check the spelling" hint gives way to the cause.
    result = failure(run, page.expect_text("#count", equals="1")).result
    assert "spelling" not in result.hint and "likely cause" in result.hint.lower()


def test_an_error_at_load_has_file_and_line_and_is_the_likely_cause(run):
    broken = COUNTER_JS.replace('document.getElementById("add")', 'countt.x;\ndocument.getElementById("add")')
    page = run(open_page(files={"index.html": WITH_SCRIPT, "app.js": broken}, asset_dir=None))
    assert page.js_errors == ["app.js, line 2: ReferenceError: countt is not defined"]
    result = failure(run, page.expect_text("#count", equals="0 or more")).result
    assert result.cause.startswith("app.js, line 2: ReferenceError: countt is not defined")
    assert "while the page loaded" in result.cause and "spelling" not in result.hint
    result = failure(run, page.expect_no_js_errors()).result
    assert result.found == "app.js, line 2: ReferenceError: countt is not defined"


def test_an_error_in_an_inline_script_names_the_html_file_and_its_line(run):
    page = run(open_page(files={"index.html": "<h1>x</h1>\n<script>\nnope();\n</script>"}, asset_dir=None))
    assert page.js_errors == ["index.html, line 3: ReferenceError: nope is not defined"]


def test_a_script_src_naming_a_missing_file_or_the_wrong_case_is_the_cause(run):
    html = WITH_SCRIPT.replace('src="app.js"', 'src="App.js"')
    page = run(open_page(files={"index.html": html, "app.js": COUNTER_JS}, asset_dir=None))
    run(page.click("#add"))
    result = failure(run, page.expect_text("#count", equals="1")).result
    assert "App.js does not exist, but app.js does: file names must match exactly, capital letters too" in result.cause
    assert "index.html, line 8" in result.cause


def test_a_failing_step_carries_the_name_of_the_check_that_follows_and_says_which_step(run):
    files = {"index.html": WITH_SCRIPT.replace('id="add"', 'id="plus"'), "app.js": "// nothing yet"}
    cell = '''page = await open_page(files=files, asset_dir=None)
await page.click("#add")
await page.expect_text("#count", equals="1", name="One click on Add one shows 1")
'''
    seen = []
    token = display_hook.set(seen.append)
    try:
        with pytest.raises(CheckFailed) as info:
            run(_run_python(cell, {"open_page": open_page, "files": files}, []))
    finally:
        display_hook.reset(token)
    result = info.value.result
    assert result.name == "One click on Add one shows 1"
    assert result.step == "click #add"
    assert "Step that failed: click #add" in result.as_text()
    assert "#add" in result.message


def test_counts_and_empty_texts_read_as_plain_english(run):
    page = run(open_page(files={"index.html": "<h1>Olena</h1><p id='greeting'></p>"}, asset_dir=None))
    result = failure(run, page.expect_count("h1", exactly=2)).result
    assert result.found == "1 element"
    result = failure(run, page.expect_count("h2", at_least=1)).result
    assert result.found == "no element" and result.expected == "at least 1 element matching h2"
    result = failure(run, page.expect_text("#greeting", equals="Hello, Olena!")).result
    assert result.found == "empty text"


def test_found_describes_the_closest_element_the_page_has(run):
    page = run(open_page(files={"index.html": COUNTER_HTML}, asset_dir=None))
    result = failure(run, page.expect_element('#email[type="email" i]')).result
    assert result.expected == 'at least one element with id="email" and type="email"'
    assert result.found == ('no element with id="email" and type="email"; the closest the page has is '
                            '<input id="email" type="text">')
    result = failure(run, page.expect_text("#greeting", equals="Hi")).result
    assert result.found == 'no element with id="greeting" on the page'


def test_expect_js_says_what_was_evaluated_and_that_it_was_false(run):
    page = run(open_page(files={"index.html": "<title>Mine</title><h1>x</h1>"}, asset_dir=None))
    result = failure(run, page.expect_js("document.title === 'Other'", name="The title is Other")).result
    assert result.found == "document.title === 'Other' is false in your page, which counts as false"
    assert result.expected == "document.title === 'Other' to be true in your page"
    result = failure(run, page.expect_js("document.querySelector('h2')", name="There is an h2")).result
    assert "null (or undefined)" in result.found


def test_style_hints_name_the_learners_own_css_files(run):
    h1 = "<h1>x</h1>"
    none = run(open_page(files={"index.html": h1}, asset_dir=None))
    result = failure(run, none.expect_style("h1", "color", not_equals="rgb(0, 0, 0)")).result
    assert "no CSS file yet" in result.hint
    unlinked = run(open_page(files={"index.html": h1, "styles.css": "h1 { color: red }"}, asset_dir=None))
    result = failure(run, unlinked.expect_style("h1", "color", not_equals="rgb(0, 0, 0)")).result
    assert "style.css" not in result.hint.replace("styles.css", "") and "styles.css" in result.hint
    assert "styles.css are never used" in result.cause
    linked = run(open_page(files={"index.html": "<link rel=stylesheet href=styles.css>" + h1,
                                  "styles.css": "h2 { color: red }"}, asset_dir=None))
    result = failure(run, linked.expect_style("h1", "color", not_equals="rgb(0, 0, 0)")).result
    assert result.hint.startswith("Check the rule in styles.css") and not result.cause


def test_an_attribute_asked_only_to_be_present_may_be_empty_and_says_so(run):
    page = run(open_page(files={"index.html": '<img src="a.png" alt=""><img src="b.png" alt="b">'}, asset_dir=None))
    run(page.expect_attribute("img", "alt", every=True))  # present on both: passes
    result = failure(run, page.expect_attribute("img", "title")).result
    assert result.expected == "the attribute title (it may be empty)"
    result = failure(run, page.expect_attribute("img", "alt", not_empty=True, every=True)).result
    assert result.expected == "the attribute alt, not empty"
    assert result.found == 'alt="" (empty), on <img src="a.png" alt="">'


def test_blocked_outside_addresses_are_noted_once_per_page_load_not_in_every_failure(run):
    files = {"index.html": '<script src="https://code.jquery.com/jquery.js"></script><h1>x</h1>'
                           '<script>$("h1").text("y")</script>'}
    page = run(open_page(files=files, asset_dir=None))
    seen = shown(run, page.expect_text("h1", equals="y")) + shown(run, page.expect_no_js_errors())
    notes = [s for s in seen if isinstance(s, PageNote)]
    failures = [s for s in seen if not isinstance(s, PageNote)]
    assert len(notes) == 1 and notes[0].blocked == ["https://code.jquery.com/jquery.js"]
    assert len(failures) == 2
    assert all(not any("jquery" in p for p in f.js_errors) for f in failures)
    # the likely cause of the failures is the blocked script, in plain words
    assert all("code.jquery.com" in f.cause and "no internet" in f.cause for f in failures)
    # a new load notes it again, once
    again = run(open_page(files=files, asset_dir=None))
    assert len([s for s in shown(run, again.expect_text("h1", equals="y")) if isinstance(s, PageNote)]) == 1


def test_ready_checks_for_problems_a_beginner_cannot_see(run, tmp_path):
    (tmp_path / "Photo.png").write_bytes(bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf"
        "c0f01f0005000201f55d5fe10000000049454e44ae426082"))
    html = """<!DOCTYPE html>
<html><body>
<form>
  <button id="send">Send
  <input id="name">
</form>
<img src="photo.png" alt="me">
</body></html>"""
    page = run(open_page(files={"index.html": html, "app.js": "let x = 1;"}, asset_dir=tmp_path))
    result = failure(run, page.expect_valid_html(name="Tags closed", hint="Close your tags.")).result
    assert result.name == "Tags closed" and result.hint == "Close your tags."
    assert "index.html, line 4: <button> is never closed" in result.found and "</form> (line 6)" in result.found
    result = failure(run, page.expect_files_exist()).result
    assert result.found == ("index.html, line 7: the image photo.png does not exist, but Photo.png does: "
                            "file names must match exactly, capital letters too.")
    result = failure(run, page.expect_scripts_loaded()).result
    assert result.found.startswith("app.js never runs")
    # ... and all of them once, in the note of the page load, even when every check passes
    good = run(open_page(files={"index.html": html.replace("photo.png", "Photo.png")}, asset_dir=tmp_path))
    seen = shown(run, good.expect_element("#send"))
    assert [type(s).__name__ for s in seen] == ["PageNote", "CheckResult"]
    assert any("<button> is never closed" in p for p in seen[0].problems)
    run(good.expect_files_exist())


def test_a_failing_step_before_a_check_without_a_name_carries_that_checks_default_name(run):
    files = {"index.html": "<p id='count'>0</p>"}
    cell = 'page = await open_page(files=files, asset_dir=None)\nawait page.click("#add", times=2)\n' \
           'await page.expect_text("#count", equals="2")\n'
    seen = []
    token = display_hook.set(seen.append)
    try:
        with pytest.raises(CheckFailed) as info:
            run(_run_python(cell, {"open_page": open_page, "files": files}, []))
    finally:
        display_hook.reset(token)
    assert info.value.result.name == "“#count” shows the right text"
    assert info.value.result.step == "click #add (number 1 of 2)"
    assert "no element with id=\"add\" on the page" in info.value.result.message
