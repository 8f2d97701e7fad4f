"""In a real JupyterLab (127.0.0.1, headless Chromium), as a learner: Run All on the untouched release
runs every check and ends with the summary, and a check cell after a kernel restart says what to run
(without webgrader's extension, which would run the page cells first: test_jupyterlab_learner.py)."""
import shutil

from playwright.sync_api import sync_playwright

from jupyterlab_ui import JupyterLab, launch_chromium, menu, wait_idle

from test_self_check import RELEASE


def test_run_all_in_jupyterlab_runs_every_check_and_a_restart_gives_a_plain_sentence(tmp_path):
    folder = tmp_path / "click-counter"
    folder.mkdir()
    shutil.copy(RELEASE, folder / "counter.ipynb")
    with JupyterLab(folder, learner=True, extension=False) as lab, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = lab.open(browser, "counter.ipynb")
        menu(page, "Run", "Run All Cells")
        page.wait_for_selector(".webgrader-self-check", timeout=180_000)
        summary = page.inner_text(".webgrader-self-check")
        assert "0 of 3 checks pass · 3 more checks run when your work is graded" in summary
        assert "The counter works" in summary  # the last check ran too: Run All did not stop
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0

        menu(page, "Kernel", "Restart Kernel…")
        page.click(".jp-Dialog-button.jp-mod-accept")
        page.wait_for_timeout(2000)
        wait_idle(page, timeout=90_000)
        check = page.locator(".jp-CodeCell", has_text="page = await open_page").first
        check.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output')].some("
                               "e => /Run the cells that start with|NameError|There is no file/.test(e.innerText))",
                               timeout=60_000)
        said = check.locator(".jp-OutputArea").inner_text()
        assert "Run the cells that start with %%page first: this kernel has not run index.html's cell since it started." in said
        assert "NameError" not in said
        browser.close()
