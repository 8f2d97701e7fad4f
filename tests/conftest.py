import asyncio
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def run():
    """Run a coroutine on one event loop kept for the whole session (one browser, as in a kernel)."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    from webgrader.harness import close_all

    loop.run_until_complete(close_all())
    loop.close()


def _solution_and_untouched(repo: Path, class_dir: Path) -> None:
    """Add two more learners to a copy of the sample class: the instructor's solution, and
    a learner who submits the released notebook untouched."""
    import json

    import nbformat

    from webgrader.pages import files_from_cell_source

    for notebook in sorted(repo.glob("source/*/*.ipynb")):
        solution = class_dir / notebook.parent.name / "zz-solution"
        solution.mkdir(parents=True)
        for cell in nbformat.read(notebook, as_version=4).cells:
            page = files_from_cell_source(cell.source) if cell.cell_type == "code" else None
            if page:
                (solution / page[0]).write_text(page[1], encoding="utf-8")
        untouched = class_dir / notebook.parent.name / "zz-untouched"
        untouched.mkdir(parents=True)
        (untouched / "submission.json").write_text(json.dumps({"deleted": []}))


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The whole nbgrader cycle (real nbgrader commands) on a temporary copy of the course,
    for the sample class plus the solution and an untouched notebook. Runs once."""
    import shutil

    from webgrader.demo import run_demo

    work = tmp_path_factory.mktemp("demo")
    class_dir = work / "class"
    shutil.copytree(REPO / "examples" / "class", class_dir)
    _solution_and_untouched(REPO, class_dir)
    return run_demo(REPO, work / "run", class_dir, say=lambda *a: None, grader="nbgrader")


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium for a module's UI tests (JupyterLab, the hub), driven as a person would."""
    from jupyterlab_ui import launch_chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
