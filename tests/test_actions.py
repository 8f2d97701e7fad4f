"""click, fill and press act as a person would (real mouse and keyboard events), and say
plainly why when they cannot."""
import pytest

from webgrader import CheckFailed, open_page

FORM = {"index.html": """<!DOCTYPE html><html><body>
<input id="name" value="old text"><textarea id="bio">old bio</textarea><div id="note" contenteditable>old note</div>
<input id="age" type="number"><input id="day" type="date"><input id="agree" type="checkbox">
<h2 id="heading">Form</h2><p id="log"></p><p id="events"></p>
<button id="low" style="margin-top: 2000px">far below</button>
<div id="cover-wrap" style="position: relative"><button id="covered">covered</button>
  <div style="position: absolute; inset: 0; background: white"></div></div>
<button id="trusted">trusted?</button>
<a id="next" href="second.html">next page</a>
<form action="second.html"><input id="q" name="q"><button id="send">send</button></form>
<script>
const log = document.getElementById('log'), events = document.getElementById('events');
for (const id of ['name', 'bio', 'note', 'age', 'day'])
  for (const type of ['input', 'change'])
    document.getElementById(id).addEventListener(type, () => { events.textContent += id + ':' + type + ' '; });
document.getElementById('low').addEventListener('click', () => { log.textContent = 'low clicked'; });
document.getElementById('trusted').addEventListener('mousedown', (e) => { log.textContent = 'down ' + e.isTrusted; });
document.getElementById('trusted').addEventListener('click', (e) => { log.textContent += ', click ' + e.isTrusted; });
</script></body></html>""",
        "second.html": "<h1>Second page</h1>"}


def failure(run, coro) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        run(coro)
    return info.value


def test_fill_replaces_the_old_text_and_fires_input_events_like_typing(run):
    page = run(open_page(files=FORM, asset_dir=None))
    run(page.fill("#name", "Olena"))
    run(page.expect_text("#events", equals="name:input", name="typing fires input, and change only on leaving"))
    run(page.fill("#bio", "Teacher"))
    run(page.fill("#note", "Hello"))
    run(page.fill("#age", "42"))
    run(page.expect_js("document.getElementById('name').value === 'Olena'", name="input replaced"))
    run(page.expect_js("document.getElementById('bio').value === 'Teacher'", name="textarea replaced"))
    run(page.expect_js("document.getElementById('note').textContent === 'Hello'", name="editable replaced"))
    run(page.expect_js("document.getElementById('age').value === '42'", name="number typed"))
    run(page.expect_text("#events", contains="name:input name:change bio:input", name="leaving a box fires change"))


def test_fill_with_nothing_empties_the_box(run):
    page = run(open_page(files=FORM, asset_dir=None))
    run(page.fill("#name", ""))
    run(page.expect_js("document.getElementById('name').value === ''", name="emptied"))
    run(page.expect_text("#events", contains="name:input"))


def test_fill_sets_date_inputs_with_input_and_change_events(run):
    page = run(open_page(files=FORM, asset_dir=None))
    run(page.fill("#day", "2026-11-30"))
    run(page.expect_js("document.getElementById('day').value === '2026-11-30'", name="date set"))
    run(page.expect_text("#events", contains="day:input day:change"))


@pytest.mark.parametrize("selector, text, why", [
    ("#agree", "yes", "not a text box"),
    ("#heading", "yes", "not a text box"),
    ("#age", "forty", "not a number"),
    ("#day", "yesterday", "does not accept that value"),
])
def test_fill_into_something_that_is_no_text_box_fails_and_says_why(run, selector, text, why):
    page = run(open_page(files=FORM, asset_dir=None))
    result = failure(run, page.fill(selector, text)).result
    assert result.message == f"The grader could not type into {selector}."
    assert why in result.found


def test_click_scrolls_to_the_element_and_sends_real_mouse_events(run):
    page = run(open_page(files=FORM, asset_dir=None))
    run(page.click("#low"))
    run(page.expect_text("#log", equals="low clicked"))
    run(page.click("#trusted"))
    run(page.expect_text("#log", equals="down true, click true", name="a person's click: trusted events"))


def test_click_on_a_covered_button_fails_and_names_the_cover(run):
    page = run(open_page(files=FORM, asset_dir=None))
    result = failure(run, page.click("#covered")).result
    assert result.found == "another element covers it"


@pytest.mark.parametrize("how", ["link", "form"])
def test_a_click_that_navigates_is_waited_for(run, how):
    page = run(open_page(files=FORM, asset_dir=None))
    if how == "form":
        run(page.fill("#q", "x"))
        run(page.click("#send"))
    else:
        run(page.click("#next"))
    run(page.expect_text("h1", equals="Second page"))
    assert page._page.url.split("?")[0].endswith("/second.html")


def test_press_enter_submits_the_form(run):
    page = run(open_page(files=FORM, asset_dir=None))
    run(page.fill("#q", "x"))
    run(page.press("#q", "Enter"))
    run(page.expect_text("h1", equals="Second page"))
