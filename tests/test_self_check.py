"""The learner's own kernel: Run All runs every check and ends with a summary, grading stays strict,
Validate speaks plainly and names the hidden checks, and a restarted kernel says what to run.

Every test runs a real kernel (nbclient, or the `nbgrader validate` command) on real Chromium.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from webgrader.pages import files_from_cell_source

REPO = Path(__file__).resolve().parents[1]
RELEASE = REPO / "release" / "click-counter" / "counter.ipynb"
SOURCE = REPO / "source" / "click-counter" / "counter.ipynb"
VISIBLE_CHECKS = ["One click on “Add one” shows 1", "Typing Olena and clicking “Say hello” shows Hello, Olena!"]


def kernel_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBGRADER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def run(nb, folder: Path, allow_errors=False, **env):
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(folder)}}).execute(env=kernel_env(**env))
    return nb


def texts(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
        elif "text/plain" in out.get("data", {}):
            parts.append(out.data["text/plain"])
    return "\n".join(parts)


def solved_release():
    """The released notebook with the instructor's solution in its page cells, as a learner who finished."""
    nb = nbformat.read(RELEASE, as_version=4)
    solutions = {}
    for cell in nbformat.read(SOURCE, as_version=4).cells:
        page = files_from_cell_source(cell.source) if cell.cell_type == "code" else None
        if page:
            solutions[page[0]] = cell.source.replace("<!-- BEGIN SOLUTION -->\n", "").replace("<!-- END SOLUTION -->\n", "") \
                .replace("// BEGIN SOLUTION\n", "").replace("// END SOLUTION\n", "")
    for cell in nb.cells:
        page = files_from_cell_source(cell.source) if cell.cell_type == "code" else None
        if page:
            cell.source = solutions[page[0]]
    return nb


def test_release_records_the_hidden_checks_and_ends_with_the_self_check_cell():
    nb = nbformat.read(RELEASE, as_version=4)
    assert nb.metadata["webgrader"] == {"checks": 3, "hidden_checks": 3}
    last = nb.cells[-1]
    assert last.metadata["nbgrader"]["locked"] and "self_check(checks=3, hidden=3)" in last.source


def test_run_all_on_the_untouched_release_runs_every_check_and_ends_with_the_summary(tmp_path):
    nb = run(nbformat.read(RELEASE, as_version=4), tmp_path)  # raises if any cell ended in an error
    check_cells = [c for c in nb.cells if c.cell_type == "code" and "open_page(" in c.source]
    assert len(check_cells) == 3
    for cell in check_cells:  # each failing check ran and shows its full result, with no error output
        assert "✗" in texts(cell) and not any(o.output_type == "error" for o in cell.outputs)
    summary = texts(nb.cells[-1])
    assert "0 of 3 checks pass · 3 more checks run when your work is graded" in summary
    for name in VISIBLE_CHECKS:
        assert name in summary
    assert "Listen for clicks on #add" in summary  # each failure with its hint


def test_run_all_on_a_finished_notebook_says_every_visible_check_passes_and_more_run_when_graded(tmp_path):
    nb = run(solved_release(), tmp_path)
    summary = texts(nb.cells[-1])
    assert "3 of 3 checks pass · 3 more checks run when your work is graded" in summary
    assert "Every check you can see passes." in summary and "✗" not in summary


def test_under_nbgrader_a_failing_check_still_fails_its_cell(tmp_path):
    with pytest.raises(CellExecutionError) as failure:
        run(nbformat.read(RELEASE, as_version=4), tmp_path, NBGRADER_EXECUTION="autograde")
    assert "CheckFailed" in str(failure.value)


def nbgrader_validate(notebook: Path):
    shutil.copy(REPO / "nbgrader_config.py", notebook.parent / "nbgrader_config.py")
    env = kernel_env()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "validate", notebook.name],
                          cwd=notebook.parent, env=env, capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


def test_validate_shows_expected_found_and_hint_and_says_hidden_checks_run_when_graded(tmp_path):
    folder = tmp_path / "click-counter"
    folder.mkdir()
    shutil.copy(RELEASE, folder / "counter.ipynb")
    out = nbgrader_validate(folder / "counter.ipynb")
    assert "3 checks do not pass yet" in out
    assert "✗ One click on “Add one” shows 1" in out and "Expected: the text \"1\"" in out
    assert "Hint: Listen for clicks on #add" in out
    assert "3 more checks run when your work is graded." in out
    assert "Success" not in out


def test_validate_on_a_finished_notebook_does_not_claim_that_nothing_more_is_checked(tmp_path):
    folder = tmp_path / "click-counter"
    folder.mkdir()
    nbformat.write(solved_release(), folder / "counter.ipynb")
    out = nbgrader_validate(folder / "counter.ipynb")
    assert "Success! Every check you can see passes. 3 more checks run when your work is graded." in out
    assert "passes all the tests" not in out


def test_validate_answers_jupyterlabs_button_with_the_hidden_checks(tmp_path):
    """What nbgrader's server extension returns to the Validate button: the same Validator, configured
    by the course's nbgrader_config.py."""
    folder = tmp_path / "click-counter"
    folder.mkdir()
    shutil.copy(RELEASE, folder / "counter.ipynb")
    shutil.copy(REPO / "nbgrader_config.py", folder / "nbgrader_config.py")
    script = ("import json, os\nfrom nbgrader.apps import NbGrader\nfrom nbgrader.validator import Validator\n"
              "app = NbGrader(); app.config_file_paths.append(os.getcwd()); app.load_config_file()\n"
              "print(json.dumps(Validator(config=app.config).validate('counter.ipynb')))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=folder, env=kernel_env(), capture_output=True,
                          text=True, timeout=300)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["webgrader"]["hidden_checks"] == 3
    assert len(result["failed"]) == 3 and "Hint:" in result["failed"][0]["error"]
    assert result["failed"][-1]["error"].endswith("3 more checks run when your work is graded.")


def autoload_ipythondir(tmp_path) -> Path:
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text('c.InteractiveShellApp.extensions = ["webgrader.autoload"]\n')
    return tmp_path / "ipython"


def test_after_a_restart_a_check_cell_run_first_says_what_to_run(tmp_path):
    released = nbformat.read(RELEASE, as_version=4)
    check = next(c for c in released.cells if "open_page(" in c.source)
    (tmp_path / "index.html").write_text("<p>on disk from before the restart</p>")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(check.source)])
    run(nb, tmp_path, IPYTHONDIR=str(autoload_ipythondir(tmp_path)))
    out = texts(nb.cells[0])
    assert "NameError" not in out and "There is no file" not in out
    assert "Run the cells that start with %%page first: this kernel has not run index.html's cell since it started." in out


def test_after_a_restart_the_set_up_cell_then_a_check_say_what_to_run_while_the_file_is_on_disk(tmp_path):
    released = nbformat.read(RELEASE, as_version=4)
    setup = next(c for c in released.cells if "%load_ext webgrader" in c.source)
    check = next(c for c in released.cells if "open_page(" in c.source)
    (tmp_path / "index.html").write_text("<p>on disk from before the restart</p>")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source), nbformat.v4.new_code_cell(check.source)])
    run(nb, tmp_path)
    out = texts(nb.cells[1])
    assert "There is no file called index.html" not in out
    assert "this kernel has not run index.html's cell since it started" in out


def test_a_page_cell_saved_after_it_ran_with_other_text_is_named_as_changed_and_not_run(tmp_path):
    nb = solved_release()
    saved = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in saved.cells:  # what the learner typed afterwards, saved but not run
        if cell.source.startswith("%%page app.js"):
            cell.source += "\n// changed"
    # Saved after the page cells ran (as JupyterLab's autosave would), before the first check.
    after_pages = max(i for i, c in enumerate(nb.cells) if c.source.startswith("%%page")) + 1
    nb.cells.insert(after_pages, nbformat.v4.new_code_cell(
        f"open('counter.ipynb', 'w', encoding='utf-8').write({json.dumps(saved)!r})"))
    run(nb, tmp_path, JPY_SESSION_NAME=str(tmp_path / "counter.ipynb"))
    check = next(c for c in nb.cells if c.source.startswith("page = await open_page("))
    assert "These page cells were changed and not run, so this check uses their old version: app.js." in texts(check)


def test_the_summary_counts_in_plain_words():
    from webgrader.results import CheckResult
    from webgrader.selfcheck import SelfCheck

    check = SelfCheck()
    check.cells = {"a": None, "b": CheckResult("The title shows", False, hint="Write an <h1>.")}
    text = repr(check.summary(checks=3, hidden=1))
    assert text.startswith("Your self-check: 1 of 3 checks pass · 1 more check runs when your work is graded")
    assert "1 check has not run yet: run all cells (Run > Run All Cells)." in text
    assert "✗ The title shows: Write an <h1>." in text
    assert "&lt;h1&gt;" in check.summary(checks=3, hidden=1)._repr_html_()
    check.cells = {"a": None, "b": None}
    assert repr(check.summary(checks=2, hidden=0)) == "Your self-check: 2 of 2 checks pass\nEvery check you can see passes."
    assert "No check has run yet" in repr(SelfCheck().summary())

