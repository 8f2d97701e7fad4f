"""What a learner's page can learn about the grader, and where the grading browser may send packets.

A page sees an ordinary desktop Chromium: `navigator.webdriver` false, no "Headless" in the
user agent (page, iframe, worker, and the requests they send). The browser itself runs in a
network namespace of its own (an empty one: a loopback that is down), and WebRTC is gone from
every frame. The socket calls of the whole corpus are checked in test_hostile_pages.py.
"""
from __future__ import annotations

import os
import subprocess
import sys

from webgrader import harness
from webgrader.browser import network_isolation, shared_browser

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DETECTOR = {
    "index.html": """<!DOCTYPE html><html><body><p id="out">waiting</p><script>
const report = (win) => ({webdriver: win.navigator.webdriver, ua: win.navigator.userAgent,
  brands: win.navigator.userAgentData ? win.navigator.userAgentData.brands.map((b) => b.brand) : null,
  webrtc: Object.getOwnPropertyNames(win).filter((k) => /^(webkit)?RTC/.test(k))});
const frame = document.createElement('iframe');
document.body.append(frame);
window.seen = {page: report(window), frame: report(frame.contentWindow)};
const worker = new Worker('worker.js');
worker.onmessage = (e) => { window.seen.worker = e.data; document.getElementById('out').textContent = 'done'; };
</script></body></html>""",
    "worker.js": """postMessage({webdriver: navigator.webdriver, ua: navigator.userAgent,
  brands: navigator.userAgentData ? navigator.userAgentData.brands.map((b) => b.brand) : null});
fetch('from-worker.txt');""",
    "from-worker.txt": "x",
}


def test_a_page_its_iframes_and_workers_see_an_ordinary_chromium_not_an_automated_headless_one(run):
    page = run(harness.open_page(files=DETECTOR, asset_dir=None))
    headers = []
    page.page.context.on("request", lambda request: headers.append(request.headers))
    run(page.expect_text("#out", equals="done"))
    seen = run(page.page.evaluate("window.seen"))
    for where in ("page", "frame", "worker"):
        assert seen[where]["webdriver"] in (False, None), (where, seen[where])  # a worker has no webdriver at all
        assert "Chrome/" in seen[where]["ua"] and "Headless" not in seen[where]["ua"], (where, seen[where])
        # userAgentData exists only in secure contexts (the fake origin is plain http, as a learner's
        # own file or local server would be often enough); where it does, it names no headless brand
        assert seen[where]["brands"] is None or not any("Headless" in b for b in seen[where]["brands"]), seen[where]
    assert seen["page"]["webdriver"] is False and seen["frame"]["webdriver"] is False
    assert seen["page"]["webrtc"] == [] and seen["frame"]["webrtc"] == [], "WebRTC is gone in every frame"
    run(page.expect_js("fetch('from-page.txt').then(() => true)", name="fetch"))
    assert headers, "the page's requests were seen"
    for sent in headers:
        assert "Headless" not in sent.get("user-agent", "") and "Headless" not in sent.get("sec-ch-ua", ""), sent


def test_the_grading_browser_runs_in_a_network_namespace_of_its_own(run):
    run(harness.open_page(files={"index.html": "<h1>x</h1>"}, asset_dir=None))
    assert network_isolation().command is not None, network_isolation().detail
    assert shared_browser.network_apart() is True
    with open(f"/proc/{shared_browser.browser_pid}/net/dev") as f:  # the browser's own view of the interfaces
        interfaces = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    assert interfaces == ["lo"], interfaces


def test_doctor_says_that_the_browser_has_no_network():
    env = {**os.environ, "PYTHONPATH": os.path.join(REPO, "src")}
    proc = subprocess.run([sys.executable, "-m", "webgrader.cli", "doctor"], capture_output=True, text=True,
                          timeout=180, env=env)
    line = next(l for l in proc.stdout.splitlines() if l.startswith("network"))
    assert "none: the browser runs in a network namespace of its own" in line, proc.stdout
