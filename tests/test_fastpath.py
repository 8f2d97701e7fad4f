"""The kernel-free path: which notebooks it takes, and that it produces a kernel's outputs."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from webgrader.fastpath import FastExecute, plan_notebook


def locked(source, grade_id, points=None):
    meta = {"locked": True, "grade_id": grade_id, "solution": False, "grade": points is not None, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return new_code_cell(source, metadata={"nbgrader": meta})


def learner(source):
    return new_code_cell(source, metadata={"nbgrader": {"solution": True, "grade": False, "locked": False,
                                                        "grade_id": "answer", "schema_version": 3}})


SETUP = locked("%load_ext webgrader\nfrom webgrader import open_page", "setup")


def notebook(*cells):
    return new_notebook(cells=[SETUP, *cells])


@pytest.mark.parametrize("cell, reason", [
    (learner("import os\nos.system('rm -rf ~')"), "cell 1 holds code that is not a page"),
    (learner("%%html\n<h1>x</h1>"), "cell 1 holds code that is not a page"),
    (learner(" %%page index.html\n<h1>x</h1>"), "cell 1 holds code that is not a page"),
    (locked("%time x = 1", "helper"), "cell 1 is an instructor cell that needs IPython"),
    (new_code_cell("print('a cell the learner added')"), "cell 1 holds code that is not a page"),
])
def test_notebooks_with_anything_but_web_content_go_to_the_kernel(cell, reason):
    assert plan_notebook(notebook(cell)).reason == reason


def test_page_cells_markdown_comments_and_locked_python_take_the_fast_path():
    plan = plan_notebook(notebook(
        new_markdown_cell("# Task"), learner("%%page index.html\n<h1>x</h1>"), learner("# just a note\n\n"),
        locked("%%page data.json\n{}", "given_data"), locked("page = await open_page()", "check", points=1)))
    assert plan.reason is None
    assert [(i, name) for i, name, _ in plan.pages] == [(2, "index.html"), (4, "data.json")]
    assert [i for i, _ in plan.trusted] == [0, 5]


def test_a_learner_who_marks_own_cell_as_locked_still_goes_to_the_kernel():
    sneaky = new_code_cell("import os", metadata={"nbgrader": {"locked": True}})  # no grade_id: not from source/
    assert plan_notebook(notebook(sneaky)).reason == "cell 1 holds code that is not a page"


def test_fast_path_outputs_are_those_of_a_kernel(tmp_path):
    nb = notebook(
        learner("%%page index.html\n<h1>Hej Olena</h1>"),
        locked('page = await open_page("index.html")\nawait page.expect_text("h1", contains="Olena")\nprint("done")',
               "passes", points=1),
        locked('page = await open_page("index.html")\nawait page.expect_count("li", at_least=3, name="Three skills")',
               "fails", points=2),
        locked("1 + 1", "value", points=1),
    )
    FastExecute(timeout=30).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    setup, page, passes, fails, value = nb.cells
    assert [c.execution_count for c in nb.cells] == [1, 2, 3, 4, 5]
    assert setup.outputs == [] and page.outputs == []
    assert passes.outputs[0] == {"output_type": "stream", "name": "stdout", "text": "done\n"}
    assert passes.outputs[1].output_type == "display_data" and "✓" in passes.outputs[1].data["text/plain"]
    shown, error = fails.outputs
    assert "Three skills" in shown.data["text/html"] and "data:image/jpeg;base64," in shown.data["text/html"]
    assert error.output_type == "error" and error.ename == "CheckFailed"
    assert error.traceback == ["\x1b[0;31mCheckFailed\x1b[0m: Three skills"]
    assert value.outputs == [{"output_type": "execute_result", "data": {"text/plain": "2"}, "metadata": {},
                              "execution_count": 5}]
    nbformat.validate(nb)


def test_a_cell_over_nbgraders_timeout_gets_nbgraders_timeout_error(tmp_path):
    nb = notebook(locked("import asyncio\nawait asyncio.sleep(30)", "slow", points=1))
    FastExecute(timeout=1).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    error = nb.cells[1].outputs[0]
    assert error.output_type == "error" and error.ename == "CellTimeoutError"
