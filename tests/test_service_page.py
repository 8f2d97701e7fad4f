"""The upload page of `webgrader serve`, used as a learner uses it: real Chromium at a phone's
width (390 px), keyboard only where a keyboard can do it, a real service grading for real; and
each learner reading it in her own language (her choice on the page, the roster, her browser)."""
import shutil
from pathlib import Path

import pytest
from service_helpers import Service, issue_tokens, make_course, sample_notebooks

from webgrader.browser import find_browser
from webgrader.language import speaking
from webgrader.messages import t

SCREENSHOTS = Path("/tmp/webgrader-service-screens")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    work = tmp_path_factory.mktemp("page")
    # oksana is on the roster as Ukrainian; olena and daria are not (the course's default is English)
    course = make_course(work / "course", 'c.WebGrader.student_languages = {"oksana": "uk"}')
    notebooks = sample_notebooks(course, work / "notebooks")
    tokens = issue_tokens(course, ["olena", "oksana", "daria"])
    svc = Service(course, workers=1).start()
    svc.tokens = tokens
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
            # the code box has the focus (autofocus, applied once the page is first drawn)
            await page.wait_for_function("document.activeElement && document.activeElement.id === 'token'")
            await page.screenshot(path=SCREENSHOTS / "1-signin-390.png", full_page=True)
            await page.keyboard.type("not the right code")
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


# --- each learner reads the service in her own language ------------------------------------------

def _in(lang: str, key: str, **values) -> str:
    with speaking(lang):
        return t(key, **values)


async def _launch(p):
    return await p.chromium.launch(executable_path=find_browser().path, headless=True, chromium_sandbox=False)


async def _signed_in(browser, svc, name: str, locale: str = "en-US"):
    """A browser of its own (its own cookies) asking for `locale`, signed in as `name`."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
    page = await context.new_page()
    await page.goto(svc.url)
    await page.fill("#token", svc.tokens[name])
    await page.press("#token", "Enter")
    await page.wait_for_selector("form[enctype]")  # the upload form: signed in
    return context, page


async def _no_sideways_scroll_and_switch_readable(page):
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    box = await page.locator("nav.lang").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] < 100, f"the switch at the top: {box}"
    for link in await page.locator("nav.lang a, nav.lang strong").all():
        item = await link.bounding_box()
        assert item["x"] >= 0 and item["x"] + item["width"] <= 390 and item["height"] >= 24, f"readable, tappable: {item}"


def test_a_learner_on_the_roster_as_uk_reads_her_pages_in_ukrainian(setup, run):
    svc, _, _, notebooks = setup
    from playwright.async_api import async_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    wrong = SCREENSHOTS.parent / "webgrader-wrong-profile-uk.ipynb"
    wrong.write_bytes(notebooks[("olena", "profile-page")].data)

    async def scenario():
        async with async_playwright() as p:
            browser = await _launch(p)
            # her browser asks for English: the instructor's roster comes first
            _, page = await _signed_in(browser, svc, "oksana", locale="en-US")
            assert await page.get_attribute("html", "lang") == "uk"
            main = await page.inner_text("main")
            assert _in("uk", "service.signed_in_as", user="oksana") in main, main
            assert _in("uk", "service.upload.intro") in main and _in("uk", "service.list.empty") in main
            assert "Signed in as" not in main
            assert await page.inner_text("nav.lang [aria-current]") == "Українська"
            assert await page.get_attribute("nav.lang", "aria-label") == _in("uk", "service.language")
            await _no_sideways_scroll_and_switch_readable(page)
            await page.screenshot(path=SCREENSHOTS / "8-home-uk-390.png", full_page=True)
            # a refusal (the async upload handler, across its await) is hers too
            await page.select_option("#assignment", "click-counter")
            await page.set_input_files("#notebook", str(wrong))
            await page.click("form[enctype] button")
            await page.wait_for_selector(f"text={_in('uk', 'service.refused.title')}")
            assert await page.inner_text("[role=alert]") == _in(
                "uk", "service.refused.other_notebook", filename=wrong.name, assignment="click-counter")
            await _no_sideways_scroll_and_switch_readable(page)
            await page.screenshot(path=SCREENSHOTS / "9-refused-uk-390.png", full_page=True)
            await browser.close()

    run(scenario())
    wrong.unlink()


def test_a_browser_that_asks_for_swedish_reads_swedish(setup, run):
    svc = setup[0]
    from playwright.async_api import async_playwright

    SCREENSHOTS.mkdir(exist_ok=True)

    async def scenario():
        async with async_playwright() as p:
            browser = await _launch(p)
            context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
            page = await context.new_page()
            response = await page.goto(svc.url)
            assert (await response.request.all_headers())["accept-language"].startswith("sv")
            assert response.headers["content-language"] == "sv"
            assert await page.get_attribute("html", "lang") == "sv"
            assert _in("sv", "service.signin.intro") in await page.inner_text("main")
            await _no_sideways_scroll_and_switch_readable(page)
            await page.screenshot(path=SCREENSHOTS / "10-signin-sv-390.png", full_page=True)
            await page.fill("#token", "not the right code")
            await page.press("#token", "Enter")
            assert _in("sv", "service.signin.wrong") in await page.inner_text("[role=alert]")
            await page.fill("#token", svc.tokens["daria"])
            await page.press("#token", "Enter")
            await page.wait_for_selector(f"text={_in('sv', 'service.signed_in_as', user='daria')}")
            assert await page.get_attribute("html", "lang") == "sv"
            assert await page.inner_text("nav.lang [aria-current]") == "Svenska"
            await _no_sideways_scroll_and_switch_readable(page)
            await page.screenshot(path=SCREENSHOTS / "11-home-sv-390.png", full_page=True)
            await browser.close()

    run(scenario())


def test_the_switch_changes_the_language_by_keyboard_and_it_stays_on_every_page(setup, run):
    svc = setup[0]
    from playwright.async_api import async_playwright

    async def scenario():
        async with async_playwright() as p:
            browser = await _launch(p)
            _, page = await _signed_in(browser, svc, "daria", locale="en-US")
            assert await page.get_attribute("html", "lang") == "en"
            await page.keyboard.press("Tab")  # the switch comes first on the page, a keyboard reaches it at once
            assert await page.evaluate("document.activeElement.closest('nav.lang') !== null")
            assert await page.evaluate("document.activeElement.getAttribute('lang')") == "sv"
            await page.focus("nav.lang a[lang=uk]")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("html[lang=uk]")
            assert page.url == svc.url, "back on the page she was on"
            assert _in("uk", "service.signed_in_as", user="daria") in await page.inner_text("main")
            # another page: one that is not there
            missing = svc.url + "submissions/" + "0" * 32
            await page.goto(missing)
            assert await page.get_attribute("html", "lang") == "uk"
            assert _in("uk", "service.not_found") in await page.inner_text("main")
            await page.screenshot(path=SCREENSHOTS / "12-missing-uk-390.png", full_page=True)
            await page.focus("nav.lang a[lang=sv]")
            await page.keyboard.press("Enter")
            await page.wait_for_selector("html[lang=sv]")
            assert page.url == missing and _in("sv", "service.not_found") in await page.inner_text("main")
            await page.goto(svc.url)
            assert await page.get_attribute("html", "lang") == "sv"
            await page.click(f"text={_in('sv', 'service.signout')}")
            await page.wait_for_selector("#token")
            assert await page.get_attribute("html", "lang") == "sv", "her choice outlasts signing out"
            assert _in("sv", "service.signin.intro") in await page.inner_text("main")
            # her own choice comes before the roster
            _, oksana = await _signed_in(browser, svc, "oksana")
            assert await oksana.get_attribute("html", "lang") == "uk"
            await oksana.click("nav.lang a[lang=en]")
            await oksana.wait_for_selector("html[lang=en]")
            assert "Signed in as oksana." in await oksana.inner_text("main")
            await oksana.reload()
            assert await oksana.get_attribute("html", "lang") == "en"
            await browser.close()

    run(scenario())


def test_a_bad_language_or_a_way_out_of_the_service_is_ignored(setup):
    svc = setup[0]
    with svc.client() as browser:
        # only exactly "en", "sv" or "uk" counts: with anything else the next rule (here the browser's) decides
        for bad in ("SV", "sv-SE", "svenska", "se", "de", "sv<script>", "%73%76"):
            browser.cookies.clear()
            browser.cookies.set("webgrader-lang", bad)
            page = browser.get("", headers={"Accept-Language": "uk"})
            assert page.status_code == 200 and '<html lang="uk">' in page.text, bad
            assert "<script" not in page.text
        browser.cookies.clear()
        for bad in ("de", "../uk", "uk\r\nSet-Cookie: x=1", ""):
            response = browser.get("language", params={"lang": bad, "next": "/"})
            assert response.status_code == 302 and "webgrader-lang" not in response.headers.get("set-cookie", ""), bad
        for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "/..//evil.example",
                       "javascript:alert(1)", "/%2F%2Fevil.example", " /", "/ok\r\nLocation: https://evil.example",
                       "/submissions/../../etc", "http:evil.example"):
            response = browser.get("language", params={"lang": "uk", "next": target})
            assert response.status_code == 302 and response.headers["location"] == "/", (target, response.headers)
            assert "webgrader-lang=uk" in response.headers["set-cookie"]
        response = browser.get("language", params={"lang": "sv", "next": "/submissions/" + "0" * 32})
        assert response.headers["location"] == "/submissions/" + "0" * 32, "a path of the service: back to it"
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_two_learners_in_one_service_at_once_each_read_their_own_language(setup, run):
    """In two browsers at the same time, and in many API calls at once through the upload
    handler's await: no learner's language reaches another's page."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    svc = setup[0]
    from playwright.async_api import async_playwright

    async def scenario():
        async with async_playwright() as p:
            browser = await _launch(p)
            (_, oksana), (_, daria) = await asyncio.gather(_signed_in(browser, svc, "oksana"),
                                                            _signed_in(browser, svc, "daria", locale="sv-SE"))

            async def keeps(page, lang, name):
                for _ in range(8):
                    await page.reload()
                    assert await page.get_attribute("html", "lang") == lang
                    assert _in(lang, "service.signed_in_as", user=name) in await page.inner_text("main")

            await asyncio.gather(keeps(oksana, "uk", "oksana"), keeps(daria, "sv", "daria"))
            await browser.close()

    run(scenario())

    callers = {"oksana": ("uk", {}), "daria": ("sv", {"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}),
               "olena": ("en", {"Accept-Language": "de-DE, en;q=0.3"})}

    def refused(name):
        lang, headers = callers[name]
        with svc.client(svc.tokens[name]) as client:
            response = client.post("api/submissions", params={"assignment": "click-counter", "filename": "index.html"},
                                   content=b"<h1>hi</h1>", headers=headers)
        return name, lang, response.json()["message"]

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(refused, [name for _ in range(10) for name in callers]))
    for name, lang, message in answers:
        assert message == _in(lang, "service.refused.not_ipynb", filename="index.html"), (name, message)
    with svc.client() as nobody:
        assert nobody.get("api/submissions", headers={"Accept-Language": "uk"}).json()["message"] == \
            _in("uk", "service.signin.needed")
