"""The picture of a failed check: the element the check looked at is framed in red, the
picture has the check's viewport, and a missing element is said in the caption."""
import base64
import struct

import pytest

from webgrader import CheckFailed, open_page

PAGE = {"index.html": """<!DOCTYPE html><html><body style="margin:0;background:#fff">
<p style="height:60px;margin:0">top</p>
<div id="box" style="position:absolute;left:200px;top:150px;width:100px;height:40px;background:#fff">x</div>
<div id="far" style="position:absolute;left:20px;top:3000px;width:80px;height:30px">far below</div>
<script>window.seen = 0; new MutationObserver((changes) => { window.seen += changes.length; }).observe(document.documentElement,
  {subtree: true, childList: true, attributes: true});</script>
</body></html>"""}


def _failed(run, coro) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        run(coro)
    return info.value


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise AssertionError("not a JPEG")


def _pixels(run, shot: str, points):
    """RGB of the decoded picture at (x, y) points, decoded by Chromium."""
    from webgrader.browser import shared_browser

    async def read():
        browser = await shared_browser.get()
        context = await browser.new_context()
        try:
            tab = await context.new_page()
            return await tab.evaluate("""async ([src, points]) => {
              const img = new Image(); img.src = src; await img.decode();
              const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
              const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
              return points.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3))); }""",
                                      [f"data:image/jpeg;base64,{shot}", points])
        finally:
            await context.close()

    return run(read())


def _reddish(rgb) -> bool:
    r, g, b = rgb
    return r > 140 and g < 90 and b < 90  # JPEG blurs a thin line a little


def test_the_element_a_failing_check_looked_at_is_framed_in_red(run):
    page = run(open_page(files=PAGE))
    before = run(page.page.evaluate("window.seen"))
    result = _failed(run, page.expect_text("#box", equals="y")).result
    assert _jpeg_size(base64.b64decode(result.screenshot)) == (1024, 640)
    # the frame runs 4 px outside the element's box (200,150)-(300,190), 3 px wide
    left, top, inside, elsewhere = [196, 170], [250, 146], [250, 170], [600, 400]
    got = _pixels(run, result.screenshot, [left, top, inside, elsewhere])
    assert _reddish(got[0]) and _reddish(got[1]), got
    assert not _reddish(got[2]) and not _reddish(got[3]), got
    assert "#box" in result.screenshot_caption and "1024 × 640" in result.screenshot_caption
    # drawn on the picture, not in the page: the page's MutationObserver saw nothing
    assert run(page.page.evaluate("window.seen")) == before


def test_an_element_below_the_fold_is_scrolled_into_the_picture_and_framed(run):
    page = run(open_page(files=PAGE))
    result = _failed(run, page.expect_text("#far", equals="near")).result
    top = run(page.page.evaluate("document.querySelector('#far').getBoundingClientRect().top"))
    assert 0 < top < 640  # scrolled into the viewport (as far as the page scrolls)
    got = _pixels(run, result.screenshot, [[16, int(top) + 15], [512, 100]])
    assert _reddish(got[0]) and not _reddish(got[1]), got


def test_the_picture_has_the_viewport_the_check_used_and_says_when_the_element_is_missing(run):
    page = run(open_page(files=PAGE, viewport=(375, 667)))
    result = _failed(run, page.expect_element("#nothing")).result
    assert _jpeg_size(base64.b64decode(result.screenshot)) == (375, 667)
    assert "Nothing on the page matches #nothing" in result.screenshot_caption
    assert "375 × 667" in result.screenshot_caption
    assert "Nothing on the page matches #nothing" in result.as_html()


def test_a_failed_javascript_check_after_a_click_frames_nothing(run):
    page = run(open_page(files=PAGE))
    run(page.click("#box"))
    result = _failed(run, page.expect_js("false", name="The answer is true")).result
    assert result.screenshot and "#box" not in result.screenshot_caption
