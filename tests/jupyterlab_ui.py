"""A real JupyterLab for UI tests: `jupyter lab` on 127.0.0.1, a free port, a token, no
browser, JupyterLab's news off, in a folder of its own, with webgrader's extension from
this source tree; and helpers to drive it with headless Chromium (Playwright, sync API).

    with JupyterLab(root) as lab:
        page = lab.open(browser, "click-counter/counter.ipynb")
"""
from __future__ import annotations

import json
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
BUILT_EXTENSION = REPO / "src" / "webgrader" / "labextension"
EXTENSION_NAME = "webgrader-labextension"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """`jupyter lab` serving `root`; `learner=True` sets it up as a learner's, as README's *For
    learners* says: nbgrader's instructor tools hidden (webgrader lab-setup), webgrader loaded in
    every kernel (webgrader.autoload) and nbgrader's Validate in plain words (speak_plainly()).
    `extension=False`: without webgrader's JupyterLab extension (a learner on another front end)."""

    def __init__(self, root: Path, learner: bool = False, startup_timeout: float = 90.0, extension: bool = True):
        self.root = Path(root)
        self.learner = learner
        self.extension = extension
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = Path(tempfile.mkdtemp(prefix="webgrader-lab-"))
        self.process: subprocess.Popen | None = None

    def _environment(self) -> dict:
        config, data, settings = self.home / "config", self.home / "data", self.home / "settings"
        # The extension as built in this tree (an editable install links the same files).
        (data / "labextensions").mkdir(parents=True)
        if self.extension:
            (data / "labextensions" / EXTENSION_NAME).symlink_to(BUILT_EXTENSION, target_is_directory=True)
        news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        news.parent.mkdir(parents=True)
        news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        config.mkdir()
        if self.learner:
            from webgrader.labsetup import write_lab_setup

            write_lab_setup(config, "learner")
            kernels = self.home / "ipython" / "profile_default"
            kernels.mkdir(parents=True)
            (kernels / "ipython_kernel_config.py").write_text('c.InteractiveShellApp.extensions = ["webgrader.autoload"]\n')
            (config / "nbgrader_config.py").write_text("from webgrader.validation import speak_plainly\nspeak_plainly()\n")
        if not self.extension:  # also the one an editable install links into the environment
            page_config = config / "labconfig" / "page_config.json"
            page_config.parent.mkdir(parents=True, exist_ok=True)
            settings_now = json.loads(page_config.read_text()) if page_config.is_file() else {}
            settings_now.setdefault("disabledExtensions", {})[EXTENSION_NAME] = True
            page_config.write_text(json.dumps(settings_now))
        env = dict(os.environ)
        if self.learner:
            env["IPYTHONDIR"] = str(self.home / "ipython")
        env.update({
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_PATH": str(data),
            "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "workspaces"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")])),
        })
        env.pop("NBGRADER_EXECUTION", None)
        return env

    def start(self) -> "JupyterLab":
        jupyter = Path(sys.executable).with_name("jupyter")
        command = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   "--ServerApp.port_retries=0", "--LabApp.expose_app_in_browser=True"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log = open(self.home / "jupyter.log", "wb")
        self.process = subprocess.Popen(command, env=self._environment(), cwd=self.root,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {self.startup_timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        return (self.home / "jupyter.log").read_text(errors="replace")[-5000:]

    def get(self, path: str) -> int:
        """The HTTP status of GET `path` with the token."""
        try:
            with urllib.request.urlopen(f"{self.url}{path}?token={self.token}", timeout=10) as reply:
                return reply.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(5)
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> "JupyterLab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- driving it ---------------------------------------------------------------------
    def open(self, browser, path: str, width: int = 1280, height: int = 900):
        """A new tab with the notebook at `path` open, its kernel idle."""
        page = browser.new_page(viewport={"width": width, "height": height})
        # reset: only this notebook open, not the ones earlier tests left in the workspace
        page.goto(f"{self.url}/lab/tree/{path}?reset&token={self.token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        wait_idle(page)
        return page


def wait_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
        " return k && k.status === 'idle'; }", timeout=timeout)


def cell(page, index: int):
    """Cell `index` of the notebook on screen, scrolled into view (JupyterLab renders only
    the cells near the view)."""
    page.evaluate("async i => { const nb = window.jupyterapp.shell.currentWidget.content;"
                  " await nb.scrollToItem(i, 'center'); }", index)
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)


def run_cell(page, index: int) -> None:
    """Click into cell `index` and press Shift+Enter, as a learner does."""
    cell(page, index).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")


def wait_ran(page, index: int, timeout: float = 60_000) -> None:
    """Until cell `index` has finished running (an execution count, no '*')."""
    page.wait_for_function(
        "i => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];"
        " return c.model.executionCount !== null && c.model.executionState !== 'running'; }",
        arg=index, timeout=timeout)


def replace_source(page, index: int, text: str) -> None:
    """Replace the text of cell `index` as typed (insert_text: no auto-indent), without running it."""
    cell(page, index).locator(".jp-InputArea-editor .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    page.keyboard.press("Escape")


def save(page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")


def exercise(root: Path, folder: str, assignment: str = "click-counter", pages: dict | None = None,
             files: dict | None = None) -> str:
    """A copy of release/ASSIGNMENT in root/FOLDER, its page cells' bodies replaced by `pages`
    ({name: body}) and `files` ({name: bytes}) written next to it; returns the notebook's path."""
    target = root / folder
    shutil.copytree(REPO / "release" / assignment, target)
    notebook_path = next(target.glob("*.ipynb"))
    notebook = nbformat.read(notebook_path, as_version=4)
    for item in notebook.cells:
        first = item.source.split("\n", 1)[0]
        if item.cell_type == "code" and first.startswith("%%page "):
            name = first.split()[1]
            if pages and name in pages:
                item.source = f"{first}\n{pages[name]}"
    nbformat.write(notebook, notebook_path)
    for name, data in (files or {}).items():
        (target / name).write_bytes(data)
    return f"{folder}/{notebook_path.name}"


def menu(page, top: str, item: str) -> None:
    """Click `item` in JupyterLab's menu `top`, as a learner does."""
    page.click(f".lm-MenuBar-itemLabel:text-is('{top}')")
    page.click(f".lm-Menu-itemLabel:text-is('{item}')")


def launch_chromium(playwright):
    from webgrader.browser import find_browser

    found = find_browser()
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    return playwright.chromium.launch(executable_path=str(found.path) if found.path else None, args=args)
