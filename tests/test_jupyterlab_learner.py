"""webgrader in a real JupyterLab, driven as a learner would drive it (headless Chromium)."""
from __future__ import annotations

import os
import struct
import time
import zlib
from pathlib import Path

import pytest

from jupyterlab_ui import (JupyterLab, cell, exercise, launch_chromium, replace_source, run_cell, save,
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
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


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
    cell(page, APP).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "loop-390.png"))
    page.close()
