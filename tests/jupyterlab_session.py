"""A real JupyterLab on 127.0.0.1 for one folder, driven by headless Chromium, configured as a learner's.

The learner environment's configuration is the one README.md gives: webgrader loaded in every
kernel (`webgrader.autoload`) and nbgrader's Validate in plain words (`speak_plainly()`).
"""
from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(folder: Path, work: Path, log: Path | None = None):
    """Yield (playwright page, base URL, token) of a JupyterLab serving `folder`; stopped afterwards."""
    from playwright.sync_api import sync_playwright

    from webgrader.browser import find_browser

    ipython = work / "ipython" / "profile_default"
    ipython.mkdir(parents=True, exist_ok=True)
    (ipython / "ipython_kernel_config.py").write_text('c.InteractiveShellApp.extensions = ["webgrader.autoload"]\n')
    config = work / "jupyter-config"
    config.mkdir(exist_ok=True)
    (config / "nbgrader_config.py").write_text("from webgrader.validation import speak_plainly\nspeak_plainly()\n")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, IPYTHONDIR=str(work / "ipython"), JUPYTER_RUNTIME_DIR=str(work / "runtime"),
               JUPYTER_CONFIG_DIR=str(config),
               PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    env.pop("NBGRADER_EXECUTION", None)
    log = log or work / "server.log"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--allow-root"], env=env, cwd=folder, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except Exception:
                if server.poll() is not None:
                    raise RuntimeError(f"jupyter lab stopped: see {log}")
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_browser().path, args=["--no-sandbox"])
            try:
                yield browser.new_page(viewport={"width": 1280, "height": 900}), base, token
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def open_notebook(page, base: str, token: str, name: str) -> None:
    page.goto(f"{base}/lab/tree/{name}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    if page.locator(".jp-Notification-Toast-Close").count():  # the "official Jupyter news?" question
        page.locator(".jp-Notification-Toast-Close").first.click()


def menu(page, top: str, item: str) -> None:
    page.click(f".lm-MenuBar-itemLabel:text-is('{top}')")
    page.click(f".lm-Menu-itemLabel:text-is('{item}')")
