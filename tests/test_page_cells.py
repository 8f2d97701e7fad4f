"""Page cells: solution stubs in the page's own language, storing files, the preview."""
import json
import os

import nbformat
import pytest

from webgrader import magics, pages
from webgrader.preprocessors import ClearPageSolutions
from webgrader.preview import MIME_TYPE, preview_bundle


def solution_cell(source):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "solution": True, "grade": False, "locked": False, "grade_id": "x", "schema_version": 3}})


@pytest.mark.parametrize("name, begin, end, stub", [
    ("index.html", "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->", "<!-- YOUR CODE HERE -->"),
    ("style.css", "/* BEGIN SOLUTION */", "/* END SOLUTION */", "/* YOUR CODE HERE */"),
    ("app.js", "// BEGIN SOLUTION", "// END SOLUTION", "// YOUR CODE HERE"),
])
def test_solution_in_a_page_cell_becomes_a_stub_in_the_files_language(name, begin, end, stub):
    cell = solution_cell(f"%%page {name}\nstarter before\n  {begin}\n  secret solution\n  {end}\nstarter after")
    ClearPageSolutions().preprocess_cell(cell, {"language": "python"}, 0)
    assert cell.source == f"%%page {name}\nstarter before\n  {stub}\nstarter after"
    assert "NotImplementedError" not in cell.source and "secret" not in cell.source


def test_python_cells_keep_nbgraders_python_stub():
    cell = solution_cell("x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION")
    ClearPageSolutions().preprocess_cell(cell, {"language": "python"}, 0)
    assert "raise NotImplementedError()" in cell.source and "x = 2" not in cell.source


def test_a_page_solution_cell_without_markers_keeps_its_page_line():
    cell = solution_cell("%%page index.html\n<h1>all solution</h1>")
    ClearPageSolutions().preprocess_cell(cell, {"language": "python"}, 0)
    assert cell.source == "%%page index.html\n<!-- YOUR CODE HERE -->"


def test_page_magic_stores_the_file_writes_it_and_shows_a_preview(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    pages.clear()
    magics.page_magic("style.css", "h1 { color: red }")
    magics.page_magic("index.html", '<link rel="stylesheet" href="style.css"><h1>Hej</h1>')
    assert pages.current() == {"style.css": "h1 { color: red }", "index.html": '<link rel="stylesheet" href="style.css"><h1>Hej</h1>'}
    assert (tmp_path / "index.html").read_text() == '<link rel="stylesheet" href="style.css"><h1>Hej</h1>'
    bundle, options = shown[-1]
    assert options == {"raw": True}
    # The page files as text, for webgrader's JupyterLab extension, which builds the preview.
    assert bundle[MIME_TYPE] == {"version": 1, "entry": "index.html", "saved": "index.html",
                                 "files": {"style.css": "h1 { color: red }",
                                           "index.html": '<link rel="stylesheet" href="style.css"><h1>Hej</h1>'}}


def test_the_preview_bundle_carries_no_picture_and_its_fallbacks_run_no_script(tmp_path):
    files = {"index.html": '<img src="photo.png"><script src="app.js"></script>', "app.js": "alert(1)"}
    (tmp_path / "photo.png").write_bytes(b"\x89PNG" + b"x" * 100_000)
    bundle = preview_bundle("index.html", files, saved="app.js")
    assert set(bundle) == {MIME_TYPE, "text/plain", "text/html"}
    assert len(json.dumps(bundle)) < 2_000  # the picture is fetched by the preview, never stored
    assert "<script" not in bundle["text/html"] and "<img" not in bundle["text/html"]
    assert "index.html" in bundle["text/plain"] and "app.js" in bundle["text/plain"]


def test_page_magic_writes_nothing_and_shows_nothing_while_nbgrader_grades(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    pages.clear()
    magics.page_magic("index.html", "<h1>x</h1>")
    assert pages.current() == {"index.html": "<h1>x</h1>"}
    assert not shown and not os.listdir(tmp_path)


def run_page_cell(monkeypatch, folder, name, text):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    monkeypatch.chdir(folder)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    pages.clear()
    magics.page_magic(name, text)
    return "\n".join(str(getattr(obj, "data", obj)) for obj in shown)


def test_the_preview_never_copies_a_file_from_disk_into_the_notebook(tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.png").write_bytes(b"SECRET-OF-ANOTHER-LEARNER")
    notebook = tmp_path / "learners" / "olena"
    notebook.mkdir(parents=True)
    (notebook / "photo.png").write_bytes(b"OWN-PHOTO-BYTES")
    output = run_page_cell(monkeypatch, notebook, "p.html",
                           '<img src="/etc/hostname"><img src="../../other/x.png"><img src="photo.png">')
    hostname = open("/etc/hostname").read().strip()
    assert "base64" not in output
    assert "SECRET" not in output and "OWN-PHOTO" not in output and (not hostname or hostname not in output)
    assert "/etc/hostname" in output and "../../other/x.png" in output  # references stay references


def test_page_magic_refuses_to_write_through_a_link_to_a_file_elsewhere(tmp_path, monkeypatch):
    outside = tmp_path / "outside.html"
    outside.write_text("the instructor's own file")
    notebook = tmp_path / "nb"
    notebook.mkdir()
    (notebook / "index.html").symlink_to(outside)
    output = run_page_cell(monkeypatch, notebook, "index.html", "<h1>learner page</h1>")
    assert outside.read_text() == "the instructor's own file"
    assert (notebook / "index.html").is_symlink()
    assert "index.html was not saved as a file: index.html is a link to" in output
    assert pages.current() == {"index.html": "<h1>learner page</h1>"}  # the checks still use the cell
    assert sorted(os.listdir(notebook)) == ["index.html"]  # no temporary file left


def test_page_magic_refuses_to_write_into_a_linked_folder(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    notebook = tmp_path / "nb"
    notebook.mkdir()
    (notebook / "css").symlink_to(elsewhere, target_is_directory=True)
    output = run_page_cell(monkeypatch, notebook, "css/site.css", "h1 { color: red }")
    assert os.listdir(elsewhere) == []
    assert "css/site.css was not saved as a file: css is a link to" in output


def test_page_magic_refuses_a_dangling_link_and_creates_nothing_where_it_points(tmp_path, monkeypatch):
    notebook = tmp_path / "nb"
    notebook.mkdir()
    target = tmp_path / "made-by-the-link.html"
    (notebook / "index.html").symlink_to(target)
    run_page_cell(monkeypatch, notebook, "index.html", "<h1>x</h1>")
    assert not target.exists()


def test_page_magic_replaces_a_real_file_whole_and_makes_its_folders(tmp_path, monkeypatch):
    (tmp_path / "index.html").write_text("old " * 1000)
    output = run_page_cell(monkeypatch, tmp_path, "index.html", "<h1>new</h1>")
    assert (tmp_path / "index.html").read_text() == "<h1>new</h1>" and "not saved" not in output
    run_page_cell(monkeypatch, tmp_path, "css/site.css", "p { margin: 0 }")
    assert (tmp_path / "css" / "site.css").read_text() == "p { margin: 0 }"
    assert sorted(os.listdir(tmp_path)) == ["css", "index.html"]


@pytest.mark.parametrize("bad", ["../secret.html", "/", "a/../../b.css"])
def test_page_names_cannot_climb_out_of_the_exercise_folder(bad):
    with pytest.raises(ValueError):
        pages.normalise_name(bad)
