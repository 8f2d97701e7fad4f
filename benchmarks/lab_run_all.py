"""Run All in a real JupyterLab, as a learner: how long until the self-check summary shows, with screenshots.

    PYTHONPATH=src .venv/bin/python benchmarks/lab_run_all.py [--untouched] [--out /tmp/lab]

Copies release/click-counter to a temporary folder (with the instructor's solution in the page
cells unless --untouched), starts `jupyter lab` on 127.0.0.1 with a token, opens the notebook in
headless Chromium, waits for the kernel, clicks Run > Run All Cells, and times until the summary
cell shows. Then restarts the kernel and runs the first check cell alone, to see what it says.
Screenshots at 1280 and 390 px wide go to --out.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--untouched", action="store_true", help="the release as it is, not the finished notebook")
    parser.add_argument("--out", default="/tmp/webgrader-lab", help="folder for the screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from test_self_check import solved_release  # the finished notebook, as the tests build it

    from webgrader.browser import find_browser

    work = Path(tempfile.mkdtemp(prefix="webgrader-lab-"))
    folder = work / "click-counter"
    folder.mkdir()
    nb = nbformat.read(REPO / "release/click-counter/counter.ipynb", as_version=4) if args.untouched else solved_release()
    nbformat.write(nb, folder / "counter.ipynb")
    ipython = work / "ipython" / "profile_default"
    ipython.mkdir(parents=True)
    (ipython / "ipython_kernel_config.py").write_text('c.InteractiveShellApp.extensions = ["webgrader.autoload"]\n')
    # The learner environment's configuration: webgrader in every kernel, Validate in plain words.
    config = work / "jupyter-config"
    config.mkdir()
    (config / "nbgrader_config.py").write_text("from webgrader.validation import speak_plainly\nspeak_plainly()\n")
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, IPYTHONDIR=str(work / "ipython"), JUPYTER_RUNTIME_DIR=str(work / "runtime"),
               JUPYTER_CONFIG_DIR=str(config),
               PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    env.pop("NBGRADER_EXECUTION", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}", "--allow-root"],
        env=env, cwd=folder, stdout=open(work / "server.log", "w"), stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except Exception:
                time.sleep(0.5)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_browser().path, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            opened = time.monotonic()
            page.goto(f"{base}/lab/tree/counter.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
            print(f"notebook open, kernel idle: {time.monotonic() - opened:.1f} s")
            if page.locator(".jp-Notification-Toast-Close").count():  # the "official Jupyter news?" question
                page.locator(".jp-Notification-Toast-Close").first.click()
            page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
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
            page.click(".lm-MenuBar-itemLabel:text-is('Kernel')")
            page.click(".lm-Menu-itemLabel:text-is('Restart Kernel…')")
            page.click(".jp-Dialog-button.jp-mod-accept")
            time.sleep(2)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
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
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.copy(work / "server.log", out / "server.log")
        shutil.rmtree(work, ignore_errors=True)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
