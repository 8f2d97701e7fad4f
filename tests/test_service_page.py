"""The upload page of `webgrader serve`, used as a learner uses it: real Chromium at a phone's
width (390 px), keyboard only where a keyboard can do it, a real service grading for real."""
import shutil
from pathlib import Path

import pytest
from service_helpers import Service, issue_tokens, make_course, sample_notebooks

from webgrader.browser import find_browser

SCREENSHOTS = Path("/tmp/webgrader-service-screens")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    work = tmp_path_factory.mktemp("page")
    course = make_course(work / "course")
    notebooks = sample_notebooks(course, work / "notebooks")
    tokens = issue_tokens(course, ["olena"])
    svc = Service(course, workers=1).start()
    yield svc, tokens["olena"], work / "notebooks" / "olena-click-counter.ipynb", notebooks
    svc.stop()


def test_the_pages_are_small_and_need_no_javascript(setup):
    svc, token, _, _ = setup
    with svc.client() as anonymous:
        signin = anonymous.get("")
    with svc.client(token) as olena:
        home = olena.get("")
    for page in (signin, home):
        assert page.status_code == 200 and "<script" not in page.text
        assert len(page.content) < 5000, f"{len(page.content)} bytes"
    assert 'name="viewport"' in home.text and "<label for=notebook>" in home.text


def test_a_learner_signs_in_hands_in_and_reads_her_feedback_at_390_px(setup, run, tmp_path):
    svc, token, notebook, _ = setup
    from playwright.async_api import async_playwright

    SCREENSHOTS.mkdir(exist_ok=True)

    async def scenario():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=find_browser().path, headless=True, chromium_sandbox=False)
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            await page.goto(svc.url)
            await page.screenshot(path=SCREENSHOTS / "1-signin-390.png", full_page=True)
            await page.keyboard.type("not the right code")  # the code box has the focus
            await page.keyboard.press("Enter")
            assert "That sign-in code is not known here" in await page.inner_text("main")
            await page.focus("#token")
            await page.keyboard.type(token)
            await page.keyboard.press("Enter")
            await page.wait_for_selector("text=Signed in as olena.")
            assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
            await page.set_input_files("#notebook", str(notebook))  # the file chooser, as a learner picks a file
            await page.focus("#assignment")
            await page.keyboard.press("Home")  # click-counter, the first
            await page.screenshot(path=SCREENSHOTS / "2-upload-390.png", full_page=True)
            await page.focus("form[enctype] button")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("text=Received and stored safely")
            await page.screenshot(path=SCREENSHOTS / "3-pending-390.png", full_page=True)
            for _ in range(300):  # the page reloads itself (meta refresh) until grading is done
                try:
                    text = await page.inner_text("main")
                except Exception:  # in the middle of its reload
                    text = ""
                if "Graded:" in text or "Not graded" in text:
                    break
                await page.wait_for_timeout(1000)
            assert "Graded: 8 of 8 points." in text, text
            assert "Received and stored safely" not in text, "the notice is for while it waits"
            assert await page.evaluate("document.documentElement.scrollWidth") <= 390
            await page.screenshot(path=SCREENSHOTS / "4-graded-390.png", full_page=True)
            await page.focus("text=Read your feedback: counter.html")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("text=One click on")
            await page.screenshot(path=SCREENSHOTS / "5-feedback-390.png")
            await page.goto(svc.url)
            await page.wait_for_selector("text=What you handed in")
            assert "Graded: 8 of 8 points." in await page.inner_text("table")
            await page.set_viewport_size({"width": 1280, "height": 800})
            await page.screenshot(path=SCREENSHOTS / "6-home-1280.png", full_page=True)
            await browser.close()

    run(scenario())


def test_a_refused_upload_is_explained_on_the_page(setup, run):
    svc, token, _, notebooks = setup
    from playwright.async_api import async_playwright

    wrong = SCREENSHOTS.parent / "webgrader-wrong-profile.ipynb"
    wrong.write_bytes(notebooks[("olena", "profile-page")].data)

    async def scenario():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=find_browser().path, headless=True, chromium_sandbox=False)
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            await page.goto(svc.url)
            await page.fill("#token", token)
            await page.press("#token", "Enter")
            await page.wait_for_selector("text=Signed in as olena.")
            await page.select_option("#assignment", "click-counter")
            await page.set_input_files("#notebook", str(wrong))
            await page.click("form[enctype] button")
            await page.wait_for_selector("text=Not handed in")
            message = await page.inner_text("[role=alert]")
            assert "is not the notebook of click-counter" in message and "right file" in message
            await page.screenshot(path=SCREENSHOTS / "7-refused-390.png", full_page=True)
            await browser.close()

    run(scenario())
    wrong.unlink()
