"""webgrader in a real JupyterLab, driven as a learner would drive it (headless Chromium)."""
from __future__ import annotations

import os
import struct
import time
import zlib
from pathlib import Path

import pytest

from jupyterlab_ui import (JupyterLab, cell, exercise, replace_source, run_cell, save,
                        wait_idle, wait_ran)

SHOTS = Path(os.environ.get("WEBGRADER_SHOTS", "/tmp/webgrader-lab-shots"))
INDEX_WITH_SCRIPT = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Click counter</title>
</head>
<body>
  <h1>Click counter</h1>
  <p>You clicked <span id="count">0</span> times.</p>
  <button id="add">Add one</button>
  <h2>Greeting</h2>
  <label for="name">Your name</label>
  <input id="name" type="text">
  <button id="greet">Say hello</button>
  <p id="greeting"></p>
  <script src="app.js"></script>
</body>
</html>"""
SOLUTION_JS = """let count = 0;
document.getElementById("add").addEventListener("click", () => {
  count = count + 1;
  document.getElementById("count").textContent = count;
});"""
# Cell indexes in release/click-counter/counter.ipynb
SETUP, INDEX, APP, FIRST_CHECK = 1, 3, 5, 7


def png(width: int, height: int, seed: int = 1) -> bytes:
    """A real PNG of noise (incompressible, so about width*height*3 bytes)."""
    rows = b"".join(b"\0" + os.urandom(width * 3) for _ in range(height))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with JupyterLab(tmp_path_factory.mktemp("lab")) as server:
        yield server


def preview_problems(page, index: int) -> str:
    return cell(page, index).locator(".jp-webgrader-preview-problems").inner_text()


def test_endless_loop_in_app_js_is_stopped_and_jupyterlab_keeps_answering(lab, chromium):
    path = exercise(lab.root, "loop", pages={"index.html": INDEX_WITH_SCRIPT,
                                             "app.js": "let i = 0; while (i < 10) { }"})
    page = lab.open(chromium, path)
    for index in (SETUP, INDEX):
        run_cell(page, index)
        wait_ran(page, index)
    run_cell(page, APP)
    wait_ran(page, APP)
    # JupyterLab's own page answers at once, and its menus open.
    started = time.monotonic()
    assert page.evaluate("() => 1 + 1") == 2
    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click(timeout=2000)
    page.wait_for_selector(".lm-Menu", state="visible", timeout=2000)
    assert time.monotonic() - started < 2.0
    page.keyboard.press("Escape")
    stopped = cell(page, APP).locator(".jp-webgrader-preview-problems li").first
    stopped.wait_for(timeout=10_000)
    assert ("The preview stopped your script: the loop in app.js on line 1 ran for more than a second."
            in preview_problems(page, APP))
    SHOTS.mkdir(parents=True, exist_ok=True)
    cell(page, APP).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "loop-1280.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    # On a phone-sized window the file browser would fill the screen: fold it, as a learner would.
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    cell(page, APP).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "loop-390.png"))
    page.close()


def output_text(page, index: int) -> str:
    return cell(page, index).locator(".jp-OutputArea").inner_text()


def has_error_output(page, index: int) -> bool:
    """An error (a traceback) in the cell's output, or a failed check (✗: in a learner's own kernel a
    failing check shows its result and lets Run All go on, without an error)."""
    errors = cell(page, index).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count()
    return errors > 0 or "✗" in output_text(page, index)


def test_page_cells_are_highlighted_in_their_own_language(lab, chromium):
    path = exercise(lab.root, "colours")
    page = lab.open(chromium, path)
    index_editor = cell(page, INDEX).locator(".cm-content")
    index_editor.locator(".tok-typeName").first.wait_for(timeout=10_000)
    tags = index_editor.locator(".tok-typeName").all_inner_texts()  # HTML tag names (lezer: tagName, a typeName)
    assert {"html", "head", "body", "button"} <= set(tags)
    assert index_editor.locator(".tok-keyword").count() == 0  # no Python keywords in HTML
    app_editor = cell(page, APP).locator(".cm-content")
    assert app_editor.locator(".tok-comment").count() >= 3  # JavaScript's // comments
    # The check cells stay Python.
    assert "await" in cell(page, FIRST_CHECK).locator(".cm-content .tok-keyword").all_inner_texts()
    # Changing the first line changes the language.
    replace_source(page, APP, "%%page style.css\nbody { color: red; }")
    cell(page, APP).locator(".cm-content .tok-propertyName").first.wait_for(timeout=5000)
    replace_source(page, APP, "x = 1\nfor i in range(3): pass")
    cell(page, APP).locator(".cm-content .tok-keyword").first.wait_for(timeout=5000)
    page.close()


def test_a_check_sees_the_page_cells_as_they_are_on_screen_also_after_a_kernel_restart_and_a_deleted_page_line(lab, chromium):
    path = exercise(lab.root, "fresh", pages={"index.html": INDEX_WITH_SCRIPT})
    opened = time.monotonic()
    page = lab.open(chromium, path)
    # The learner runs the first check straight away: setup and page cells run first.
    run_cell(page, FIRST_CHECK)
    wait_ran(page, FIRST_CHECK)
    first_check = time.monotonic() - opened
    print(f"time to first check after opening the notebook: {first_check:.1f} s")
    assert has_error_output(page, FIRST_CHECK)  # app.js is still the starter: the check fails
    page.get_by_text("Before this check, webgrader ran the cells you changed or had not run yet: "
                     "the first cell (%load_ext webgrader), index.html, app.js.").first.wait_for(timeout=5000)
    assert not has_error_output(page, SETUP)
    # Edited, not run: the check runs the edit first, and passes.
    replace_source(page, APP, "%%page app.js\n" + SOLUTION_JS)
    run_cell(page, FIRST_CHECK)
    wait_ran(page, FIRST_CHECK)
    assert not has_error_output(page, FIRST_CHECK), output_text(page, FIRST_CHECK)
    assert "One click on “Add one” shows 1" in output_text(page, FIRST_CHECK)
    # A restarted kernel (as a hub's culler does) knows nothing: the check still works.
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.restartKernel()")
    wait_idle(page)
    run_cell(page, FIRST_CHECK)
    wait_ran(page, FIRST_CHECK)
    assert not has_error_output(page, FIRST_CHECK), output_text(page, FIRST_CHECK)
    assert "NameError" not in output_text(page, FIRST_CHECK)
    # Its %%page line deleted, the cell is no page any more: the check no longer gets the old app.js.
    replace_source(page, APP, SOLUTION_JS)
    run_cell(page, FIRST_CHECK)
    wait_ran(page, FIRST_CHECK)
    assert has_error_output(page, FIRST_CHECK), output_text(page, FIRST_CHECK)
    page.close()


def test_the_preview_follows_the_graders_rules_and_says_what_it_refused(lab, chromium):
    index = INDEX_WITH_SCRIPT.replace(
        "<h1>Click counter</h1>",
        '<h1>Click counter</h1>\n  <img id="me" src="photo.png" alt="me"> <img src="Logo.png" alt="logo">'
        '\n  <img src="https://example.com/cat.png" alt="cat"> <img src="../secret.png" alt="x">'
        '\n  <script>\n    const greeting = "hej";\n    greting.length;\n  </script>'
        '\n  <form id="f"><button id="send">Send</button></form>'
        )
    path = exercise(lab.root, "rules", pages={"index.html": index, "app.js": "// my script\nnoSuchFunction();"},
                    files={"photo.png": png(8, 8), "logo.png": png(4, 4)})
    page = lab.open(chromium, path)
    for index_ in (SETUP, INDEX, APP):
        run_cell(page, index_)
        wait_ran(page, index_)
    problems = cell(page, APP).locator(".jp-webgrader-preview-problems")
    problems.locator("li", has_text="JavaScript error in app.js").wait_for(timeout=10_000)
    text = problems.inner_text()
    assert "There is no Logo.png; did you mean logo.png?" in text
    assert "https://example.com/cat.png" in text
    assert "../secret.png is outside your exercise folder" in text
    assert "JavaScript error in app.js on line 2: Uncaught ReferenceError: noSuchFunction is not defined" in text
    # An inline script's error names the line of index.html (line 1 is the line after %%page).
    line = index.split("\n").index("    greting.length;") + 1
    assert f"JavaScript error in index.html on line {line}: Uncaught ReferenceError: greting is not defined" in text
    frame = cell(page, APP).frame_locator("iframe.jp-webgrader-preview-frame")
    assert frame.locator("#me").evaluate("img => img.complete && img.naturalWidth") == 8
    assert frame.locator("#me").evaluate("img => img.src").startswith("blob:")
    # A form without an action loads its page again, as in a browser, and the preview says why.
    frame.locator("#send").click()
    problems.locator("li", has_text="Your page loaded again: a form was sent").wait_for(timeout=10_000)
    frame.locator("#me").wait_for(timeout=10_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    cell(page, APP).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "rules-1280.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    # On a phone-sized window the file browser would fill the screen: fold it, as a learner would.
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    cell(page, APP).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "rules-390.png"))
    page.close()


def test_the_notebook_does_not_grow_when_a_page_with_a_3_mb_photo_is_previewed_ten_times(lab, chromium):
    photo = png(1000, 1000)
    assert len(photo) > 3_000_000
    index = INDEX_WITH_SCRIPT.replace("<h1>Click counter</h1>", '<h1>Click counter</h1>\n  <img id="me" src="photo.png" alt="me">')
    path = exercise(lab.root, "photo", pages={"index.html": index}, files={"photo.png": photo})
    page = lab.open(chromium, path)
    run_cell(page, SETUP)
    wait_ran(page, SETUP)
    sizes = []
    for _ in range(10):
        run_cell(page, INDEX)
        wait_ran(page, INDEX)
        save(page)
        sizes.append((lab.root / path).stat().st_size)
    frame = cell(page, INDEX).frame_locator("iframe.jp-webgrader-preview-frame")
    assert frame.locator("#me").evaluate("img => img.complete && img.naturalWidth") == 1000
    # Only the execution count changes (9 -> 10 is one byte more); no picture is stored.
    assert max(sizes) - min(sizes) < 16, sizes
    assert sizes[-1] < 100_000, sizes
    page.close()


def test_a_learners_jupyterlab_shows_no_instructor_tools(tmp_path, chromium):
    exercise(tmp_path, "cc")
    for learner in (True, False):
        with JupyterLab(tmp_path, learner=learner) as lab:
            page = chromium.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{lab.url}/lab?token={lab.token}")
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click(timeout=60_000)
            items = page.locator(".lm-Menu .lm-Menu-itemLabel").all_inner_texts()
            sidebar = page.locator(".jp-SideBar .lm-TabBar-tabLabel").all_inner_texts()
            if learner:
                assert "Assignment List" in items and "Formgrader" not in items, items
                assert "Create Assignment" not in sidebar
                assert lab.get("/formgrader") == 404
            else:  # the same test, for an instructor: the tools are there
                assert "Formgrader" in items, items
                assert "Create Assignment" in sidebar
            page.close()


def test_validate_on_a_finished_notebook_says_that_hidden_checks_run_when_the_work_is_graded(lab, chromium):
    import nbformat

    from test_self_check import solved_release

    folder = lab.root / "finished"
    folder.mkdir()
    nbformat.write(solved_release(), folder / "counter.ipynb")
    page = lab.open(chromium, "finished/counter.ipynb")
    page.click(".jp-Toolbar-item:has-text('Validate')")
    page.wait_for_selector("#validation-message", timeout=120_000)
    said = page.locator("#validation-message")
    said.locator(".webgrader-validate-note").wait_for(timeout=10_000)
    assert "3 more checks run when your work is graded." in said.inner_text()  # the release's hidden checks
    page.click(".jp-Dialog-button.jp-mod-accept")
    page.close()
