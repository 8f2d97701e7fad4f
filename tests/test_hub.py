"""The whole product on a real JupyterHub, driven in headless Chromium as its users meet it.

The hub is the one `make hub` starts (deploy/jupyterhub_config.py): its proxy from npm, every
user's JupyterLab a process on 127.0.0.1, the grading service a hub-managed service. A learner
fetches, edits, previews, submits and reads her score in JupyterLab; a second learner sees none
of it; a third uploads at phone width; the instructor finds both in Formgrader.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nbformat
import pytest
from jupyterlab_ui import cell, free_port, menu, replace_source, run_cell, save, wait_idle, wait_ran

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
ASSIGNMENT = "click-counter"


def solved_sources() -> dict[str, str]:
    """The instructor's solution of each page cell, as a learner who got it right types it."""
    source = nbformat.read(next((REPO / "source" / ASSIGNMENT).glob("*.ipynb")), as_version=4)
    out = {}
    for item in source.cells:
        first = item.source.split("\n", 1)[0]
        if first.startswith("%%page "):
            out[first.split()[1]] = "".join(line for line in item.source.splitlines(True) if "SOLUTION" not in line)
    return out


def _leftovers(marker: str) -> list[int]:
    """Processes that mention the hub's folder in their command line or environment."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            text = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in text:
            found.append(int(proc.name))
    return found


class Hub:
    def __init__(self, folder: Path):
        from webgrader.service.hub import prepare_tryout

        self.folder = folder
        self.accounts = prepare_tryout(folder, REPO)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, PYTHONPATH=str(REPO / "src"), PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
                        WEBGRADER_HUB_DIR=str(folder), WEBGRADER_HUB_PORT=str(self.port),
                        WEBGRADER_HUB_SERVICE_PORT=str(free_port()), WEBGRADER_HUB_PROXY_API_PORT=str(free_port()),
                        WEBGRADER_HUB_API_PORT=str(free_port()), WEBGRADER_HUB_TESTING="1")

    def password(self, name: str) -> str:
        return {**self.accounts["learners"], **self.accounts["instructors"]}[name]

    def start(self, timeout: float = 240) -> "Hub":
        self.log_path = self.folder / "hub.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(REPO / "deploy" / "jupyterhub_config.py")],
                                     cwd=self.folder, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the hub stopped:\n{self.log_text()}"
            try:  # the service answers (a redirect to the hub's sign-in) once its workers are warm
                if httpx.get(f"{self.url}/services/webgrader/", timeout=5).status_code in (200, 302):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise AssertionError(f"the hub did not come up in {timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-6000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the hub stops users' servers, its service and proxy
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in _leftovers(str(self.folder)):  # whatever did not stop with it
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    running = Hub(tmp_path_factory.mktemp("hub")).start()
    yield running
    running.stop()


def sign_in(browser, hub: Hub, name: str, width: int = 1280, height: int = 900, then: str = "lab"):
    """A learner's own browser (own cookies), signed in to the hub; JupyterLab open unless `then` is a path."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", hub.password(name))
    page.click("#login_submit")
    if then == "lab":
        page.wait_for_selector(".jp-LabShell", timeout=180_000)  # her server starts at her first sign-in
    else:
        page.wait_for_url("**/user/**", timeout=180_000)
        page.goto(hub.url + then)
    return page


def service_db(hub: Hub):
    from webgrader.service.db import Database

    return Database(f"sqlite:///{hub.folder / 'course' / 'service' / 'service.db'}")


def wait_graded(hub: Hub, student: str, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        subs = service_db(hub).submissions(student)
        if subs and subs[-1].status in ("graded", "failed"):
            return subs[-1]
        time.sleep(1)
    raise AssertionError(f"{student}'s submission was not graded in {timeout} s:\n{hub.log_text()}")


def test_a_learner_fetches_edits_previews_submits_and_reads_her_score_in_jupyterlab(hub, chromium):
    page = sign_in(chromium, hub, "olena")
    page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
    items = [text for text in page.locator(".lm-Menu-itemLabel").all_inner_texts() if text]
    assert items == ["Assignment List"], f"a learner sees only her tools, not {items}"
    page.click(".lm-Menu-itemLabel:text-is('Assignment List')")

    page.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT).get_by_role("button", name="Fetch").click()
    page.click(f"#fetched_assignments_list a.assignment-notebooks-link:has-text('{ASSIGNMENT}')")
    page.click("#fetched_assignments_list .nested_list_item a:has-text('counter')")
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    wait_idle(page)

    solution = solved_sources()
    replace_source(page, 3, solution["index.html"])
    replace_source(page, 5, solution["app.js"])
    for index in (1, 5, 3):  # the script first, then the page: its preview runs it
        run_cell(page, index)
        wait_ran(page, index)
    preview = cell(page, 3).locator(".jp-webgrader-preview-frame")
    preview.wait_for()
    frame = cell(page, 3).frame_locator(".jp-webgrader-preview-frame")
    frame.locator("#add").click()
    assert frame.locator("#count").inner_text() == "1", "the preview runs her script: one click counts one"
    page.screenshot(path=str(hub.folder / "olena-preview.png"))
    save(page)

    page.click(".lm-TabBar-tabLabel:text-is('Assignments')")
    submitted_at = time.monotonic()
    page.click(f"#fetched_assignments_list .list_item:has-text('{ASSIGNMENT}') button:has-text('Submit')")
    page.wait_for_selector(f"#submitted_assignments_list .list_item:has-text('{ASSIGNMENT}')")
    graded = wait_graded(hub, "olena")
    assert graded.status == "graded" and graded.score == graded.max_score > 0, graded
    fetch = page.locator(f"#submitted_assignments_list .list_item:has-text('{ASSIGNMENT}') button:has-text('Fetch Feedback')")
    fetch.click()
    page.wait_for_selector("#submitted_assignments_list a:has-text('view feedback')")
    seconds = time.monotonic() - submitted_at
    page.screenshot(path=str(hub.folder / "olena-feedback-arrived.png"))
    page.click("#submitted_assignments_list a:has-text('view feedback')")  # the file browser goes to it
    page.locator(".jp-DirListing-item:has-text('counter.html')").dblclick()
    feedback = page.frame_locator(".jp-HTMLViewer iframe")
    feedback.locator("body").wait_for()
    assert f"Your score: {graded.score:g} of {graded.max_score:g} points" in feedback.locator("body").inner_text()
    page.screenshot(path=str(hub.folder / "olena-feedback-open.png"))
    print(f"olena: submit to feedback in JupyterLab {seconds:.1f} s")


def test_a_second_learner_sees_nothing_of_the_first_ones_work(hub, chromium):
    olena = service_db(hub).submissions("olena")
    assert olena, "runs after the first learner submitted"
    page = sign_in(chromium, hub, "daria")
    menu(page, "Nbgrader", "Assignment List")
    page.wait_for_selector("#released_assignments_list .list_item")
    assert page.locator("#submitted_assignments_list_placeholder").is_visible(), "daria has submitted nothing"

    page.goto(f"{hub.url}/services/webgrader/")  # signs her in to the service through the hub
    body = page.locator("body").inner_text()
    assert "daria" in body and "olena" not in body
    api = f"{hub.url}/services/webgrader/api/submissions"
    assert page.request.get(api).json()["submissions"] == []
    assert page.request.get(f"{api}?student=olena").json()["submissions"] == [], "a learner cannot ask for another"
    for url in (f"{api}/{olena[-1].id}", f"{hub.url}/services/webgrader/submissions/{olena[-1].id}",
                f"{hub.url}/services/webgrader/submissions/{olena[-1].id}/feedback/counter.html"):
        assert page.request.get(url).status == 404, url


def test_a_learner_at_home_uploads_her_notebook_at_phone_width_and_sees_her_score(hub, chromium, tmp_path):
    notebook = nbformat.read(next((hub.folder / "course" / "release" / ASSIGNMENT).glob("*.ipynb")), as_version=4)
    solution = solved_sources()
    for item in notebook.cells:
        first = item.source.split("\n", 1)[0]
        if first.startswith("%%page ") and first.split()[1] in solution:
            item.source = solution[first.split()[1]]
    upload = tmp_path / "counter.ipynb"
    nbformat.write(notebook, upload)

    page = sign_in(chromium, hub, "iryna", width=390, height=844, then="/services/webgrader/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    page.screenshot(path=str(hub.folder / "iryna-home-390.png"), full_page=True)
    page.select_option("#assignment", ASSIGNMENT)
    page.set_input_files("#notebook", str(upload))
    page.get_by_role("button", name="Hand in").click()
    page.wait_for_selector("text=Graded:", timeout=180_000)  # the page reloads itself while grading
    graded = service_db(hub).submissions("iryna")[-1]
    assert f"Graded: {graded.score:g} of {graded.max_score:g} points." in page.locator("body").inner_text()
    assert graded.score == graded.max_score > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    page.screenshot(path=str(hub.folder / "iryna-upload-390.png"), full_page=True)
    page.click("text=Українська")  # behind the hub too, the service's pages speak her language
    assert page.get_attribute("html", "lang") == "uk" and "Оцінено" in page.locator("body").inner_text()
    page.screenshot(path=str(hub.folder / "iryna-graded-uk-390.png"), full_page=True)
    page.click("a[href*='/feedback/']")
    assert f"Your score: {graded.score:g} of {graded.max_score:g} points" in page.locator("body").inner_text()


def test_the_instructor_sees_both_learners_submissions_in_formgrader(hub, chromium):
    assert service_db(hub).submissions("iryna"), "runs after the upload"
    page = sign_in(chromium, hub, "anna")
    page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
    assert "Formgrader" in page.locator(".lm-Menu-itemLabel").all_inner_texts()
    page.click(".lm-Menu-itemLabel:text-is('Formgrader')")
    formgrader = page.frame_locator(".jp-MainAreaWidget iframe").first
    row = formgrader.locator("tr", has_text=ASSIGNMENT)
    row.wait_for()
    assert row.locator("td").nth(8).inner_text().strip() == "2", "two learners handed in"
    formgrader.locator("a:has-text('Manage Students')").first.click()
    formgrader.locator("td:text-is('iryna')").wait_for()
    students = formgrader.locator("table").inner_text()
    assert "olena" in students and "iryna" in students and "daria" not in students
    page.screenshot(path=str(hub.folder / "anna-formgrader.png"))
