"""One rule for page names (pages.page_name), applied alike by the `%%page` magic in a kernel and by
the kernel-free grader: a name outside it is refused with a plain message, nothing is written, and
the submission is still graded kernel-free (the graded runs are in test_tampered.py)."""
import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell

from webgrader import pages
from webgrader.fastpath import plan_notebook

ODD = ["", "../../x.html", "..\\..\\x.html", "/etc/cron.d/x.html", "./index.html", "a b.html", "index",
       ".hidden.css", "css/../../x.css", "x" * 101 + ".html", "index.html extra"]
GOOD = ["index.html", "style.css", "js/app.js", "data.json", "img/logo.svg", "Page-2_b.HTML"]


@pytest.mark.parametrize("name", GOOD)
def test_a_relative_name_of_plain_segments_with_a_page_type_is_a_page_name(name):
    assert pages.page_name(f"  {name} ") == name


@pytest.mark.parametrize("name", ODD)
def test_every_other_name_is_refused_with_a_plain_message(name):
    with pytest.raises(pages.PageNameError) as refused:
        pages.page_name(name)
    assert isinstance(refused.value, ValueError)
    text = str(refused.value)
    assert "was not saved" in text and "index.html" in text and "Traceback" not in text
    if name and len(name) <= pages.MAX_PAGE_NAME:
        assert f"%%page {name}" in text


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A real IPython shell with the extension loaded, working two folders below tmp_path."""
    work = tmp_path / "course" / "learner"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    shell = InteractiveShell.instance()
    assert shell.run_cell("%load_ext webgrader").success
    pages.clear()
    yield shell
    pages.clear()


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", ["", "../../x.html", "..\\..\\x.html", "/etc/cron.d/x.html"])
def test_the_page_magic_refuses_an_odd_name_stores_and_writes_nothing_and_says_why(shell, tmp_path, capsys, name):
    result = shell.run_cell(f"%%page {name}\n<h1>x</h1>".replace("%%page \n", "%%page\n"))
    assert result.success, "a plain message, not an error"
    err = capsys.readouterr().err
    assert err == str(pages.PageNameError(name)) + "\n"
    assert pages.current() == {} and pages.refusals() == [err.strip()]
    assert files_under(tmp_path) == [], "nothing written, nowhere"
    assert shell.run_cell("%%page index.html\n<h1>x</h1>").success and list(pages.current()) == ["index.html"]


def _notebook(first_line: str):
    setup = nbformat.v4.new_code_cell("%load_ext webgrader\nfrom webgrader import open_page", metadata={
        "nbgrader": {"locked": True, "grade_id": "setup", "solution": False, "grade": False}})
    page = nbformat.v4.new_code_cell(f"{first_line}\n<h1>x</h1>")
    return nbformat.v4.new_notebook(cells=[setup, page])


@pytest.mark.parametrize("name", ["", "../../x.html", "..\\..\\x.html", "/etc/cron.d/x.html", "index.html extra"])
def test_the_kernel_free_plan_keeps_a_page_cell_with_an_odd_name_as_a_page_cell(name):
    plan = plan_notebook(_notebook(f"%%page {name}".rstrip()))
    assert plan.reason is None, plan.reason
    assert plan.pages == [(1, name, "<h1>x</h1>")]
    with pytest.raises(pages.PageNameError):
        pages.store(plan.pages[0][1], plan.pages[0][2])  # what grading does with it, as the magic does
