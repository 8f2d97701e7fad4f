"""Time to the first check after a learner opens the notebook in JupyterLab.

    .venv/bin/python benchmarks/lab_first_check.py            # 3 runs
    .venv/bin/python benchmarks/lab_first_check.py --runs 5

A real `jupyter lab` (tests/jupyterlab_ui.py) serves a copy of release/click-counter with a
finished app.js; headless Chromium opens the notebook and, as soon as its kernel is idle,
runs the first check cell (Shift+Enter), which first runs the setup cell and the page cells.
Printed per run: opening (page load to kernel idle), the check (Shift+Enter to its result),
and the total. Each run opens the notebook in a fresh kernel.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

from jupyterlab_ui import JupyterLab, exercise, launch_chromium, run_cell, wait_ran  # noqa: E402
from test_jupyterlab_learner import FIRST_CHECK, INDEX_WITH_SCRIPT, SOLUTION_JS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    totals = []
    with tempfile.TemporaryDirectory() as root, JupyterLab(Path(root)) as lab, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for run in range(args.runs):
            path = exercise(lab.root, f"run{run}", pages={"index.html": INDEX_WITH_SCRIPT, "app.js": SOLUTION_JS})
            started = time.monotonic()
            page = lab.open(browser, path)
            opened = time.monotonic()
            run_cell(page, FIRST_CHECK)
            wait_ran(page, FIRST_CHECK)
            done = time.monotonic()
            totals.append(done - started)
            print(f"run {run + 1}: opening {opened - started:.1f} s, first check {done - opened:.1f} s, "
                  f"total {done - started:.1f} s")
            page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
            page.close()
        browser.close()
    print(f"median time to first check after opening: {statistics.median(totals):.1f} s over {len(totals)} runs")


if __name__ == "__main__":
    main()
