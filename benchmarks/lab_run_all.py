"""Run All in a real JupyterLab, as a learner: how long until the self-check summary shows, with screenshots.

    PYTHONPATH=src .venv/bin/python benchmarks/lab_run_all.py [--untouched] [--out /tmp/lab]

Copies release/click-counter to a temporary folder (with the instructor's solution in the page
cells unless --untouched), starts a learner's `jupyter lab` on 127.0.0.1 (tests/jupyterlab_ui.py, without webgrader's extension), opens the notebook in
headless Chromium, waits for the kernel, clicks Run > Run All Cells, and times until the summary
cell shows. Then restarts the kernel and runs the first check cell alone, to see what it says.
Screenshots at 1280 and 390 px wide go to --out.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--untouched", action="store_true", help="the release as it is, not the finished notebook")
    parser.add_argument("--out", default="/tmp/webgrader-lab", help="folder for the screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from test_self_check import solved_release  # the finished notebook, as the tests build it

    from playwright.sync_api import sync_playwright

    from jupyterlab_ui import JupyterLab, launch_chromium, menu, wait_idle

    work = Path(tempfile.mkdtemp(prefix="webgrader-lab-"))
    folder = work / "click-counter"
    folder.mkdir()
    nb = nbformat.read(REPO / "release/click-counter/counter.ipynb", as_version=4) if args.untouched else solved_release()
    nbformat.write(nb, folder / "counter.ipynb")
    try:
        with JupyterLab(folder, learner=True, extension=False) as lab, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            opened = time.monotonic()
            page = lab.open(browser, "counter.ipynb")
            print(f"notebook open, kernel idle: {time.monotonic() - opened:.1f} s")
            menu(page, "Run", "Run All Cells")
            started = time.monotonic()
            page.wait_for_selector(".webgrader-self-check", timeout=180_000)
            ran = time.monotonic() - started
            summary = page.inner_text(".webgrader-self-check")
            print(f"Run All until the summary shows: {ran:.1f} s")
            print("summary:", summary.replace("\n", " | "))
            page.locator(".webgrader-self-check").scroll_into_view_if_needed()
            page.screenshot(path=str(out / "run-all-1280.png"))
            page.set_viewport_size({"width": 390, "height": 844})
            page.keyboard.press("Control+b")  # View > Show Left Sidebar: off, as a learner on a phone would
            time.sleep(1)
            page.locator(".webgrader-self-check").scroll_into_view_if_needed()
            page.screenshot(path=str(out / "run-all-390.png"))
            page.set_viewport_size({"width": 1280, "height": 900})
            page.keyboard.press("Control+b")

            # nbgrader's Validate button, on the same notebook.
            page.click(".jp-Toolbar-item:has-text('Validate')")
            started = time.monotonic()
            page.wait_for_selector("#validation-message", timeout=180_000)
            print(f"Validate: {time.monotonic() - started:.1f} s;", page.inner_text("#validation-message").replace("\n", " | ")[:600])
            page.screenshot(path=str(out / "validate-1280.png"))
            page.click(".jp-Dialog-button.jp-mod-accept")

            # Restart the kernel, then run the first check cell alone.
            menu(page, "Kernel", "Restart Kernel…")
            page.click(".jp-Dialog-button.jp-mod-accept")
            time.sleep(2)
            wait_idle(page, timeout=90_000)
            check = page.locator(".jp-CodeCell", has_text="page = await open_page").first
            check.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output')].some("
                                   "e => /Run the cells that start with|NameError|There is no file/.test(e.innerText))",
                                   timeout=60_000)
            said = check.locator(".jp-OutputArea").inner_text()
            print("after a restart, the check cell says:", said.replace("\n", " | ")[:400])
            check.scroll_into_view_if_needed()
            page.screenshot(path=str(out / "restart-1280.png"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
