"""release/ is generated from source/, stays current, and leaks nothing; page files
written next to a notebook never travel into release/ or over a submission."""
import filecmp
import json
import re
import shutil

import nbformat
import pytest

from webgrader.course import Course
from webgrader.pages import files_from_cell_source

MARKERS = re.compile(r"BEGIN (SOLUTION|HIDDEN TESTS)(.*?)END \1", re.S)


def secret_lines(source_notebook):
    """Every substantial line that stands only between solution or hidden-test markers."""
    secret, public = set(), set()
    for cell in nbformat.read(source_notebook, as_version=4).cells:
        for match in MARKERS.finditer(cell.source):
            body = match.group(2).split("\n")[1:-1]  # drop the rest of the marker lines
            secret.update(line.strip() for line in body if len(line.strip()) >= 8)
        public.update(line.strip() for line in MARKERS.sub("", cell.source).split("\n"))
    return secret - public


@pytest.fixture(scope="module")
def regenerated(repo_root, tmp_path_factory):
    course = Course.copy_of(repo_root, tmp_path_factory.mktemp("course"))
    shutil.rmtree(course.root / "release")
    for assignment in course.assignments():
        course.nbgrader("generate_assignment", assignment, "--force")
    return course


def _notebook_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_release_is_up_to_date_with_source(repo_root, regenerated):
    committed, fresh = repo_root / "release", regenerated.root / "release"
    committed_files = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    fresh_files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert committed_files == fresh_files, "run `make release` and commit release/"
    for rel in fresh_files:
        if rel.suffix == ".ipynb":
            assert _notebook_json(committed / rel) == _notebook_json(fresh / rel), f"{rel} is stale: run `make release`"
        else:
            assert filecmp.cmp(committed / rel, fresh / rel, shallow=False), f"{rel} is stale: run `make release`"


def test_released_notebooks_and_files_contain_no_solution_text(repo_root):
    released = [p for p in (repo_root / "release").rglob("*") if p.is_file()]
    assert any(p.suffix == ".ipynb" for p in released)
    for path in released:
        assert path.suffix not in {".html", ".css", ".js"}, f"{path} is a page file in release/"
        if path.suffix != ".ipynb":
            continue
        secrets = secret_lines(repo_root / "source" / path.parent.name / path.name)
        assert len(secrets) >= 5
        released_source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "NotImplementedError"):
            assert marker not in released_source, f"{path} contains {marker!r}"
        leaked = secrets & {line.strip() for line in released_source.split("\n")}
        assert not leaked, f"{path} leaks solution lines: {sorted(leaked)}"


def test_released_page_cells_keep_their_page_line_and_get_stubs_in_their_own_language(repo_root):
    stubs = {".html": "<!-- YOUR CODE HERE -->", ".css": "/* YOUR CODE HERE */", ".js": "// YOUR CODE HERE"}
    seen = 0
    for notebook in (repo_root / "release").glob("*/*.ipynb"):
        for cell in nbformat.read(notebook, as_version=4).cells:
            page = files_from_cell_source(cell.source) if cell.cell_type == "code" else None
            if page:
                seen += 1
                suffix = "." + page[0].rsplit(".", 1)[1]
                assert stubs[suffix] in page[1], f"{notebook.name}: {page[0]} has no stub"
    assert seen >= 4


def test_page_files_next_to_notebooks_reach_neither_release_nor_a_submission(regenerated):
    course = regenerated
    source = course.root / "source" / "profile-page"
    # The instructor ran the solution notebook: its page cells wrote the solution next to it.
    (source / "index.html").write_text("<h1>Olena Kovalenko</h1><p>a</p><p>b</p><ul><li>1<li>2<li>3</ul>"
                                       "<a href='https://x.org'>x</a><img src='photo.png' alt='me'>")
    (source / "style.css").write_text("h1 { color: darkslateblue }")
    course.nbgrader("generate_assignment", "profile-page", "--force")
    released = {p.name for p in (course.root / "release" / "profile-page").iterdir()}
    assert released == {"profile.ipynb", "photo.png"}

    # A learner deleted the page cells, but a stale index.html with a full page lies beside the notebook.
    submitted = course.root / "submitted" / "mallory" / "profile-page"
    submitted.mkdir(parents=True)
    nb = nbformat.read(course.root / "release" / "profile-page" / "profile.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and c.source.startswith("%%page"))]
    nbformat.write(nb, submitted / "profile.ipynb")
    stale = (source / "index.html").read_text()
    (submitted / "index.html").write_text(stale)
    before = {p.name: p.read_bytes() for p in submitted.iterdir()}

    course.nbgrader("autograde", "profile-page", "--student", "mallory", "--force")
    assert course.scores()[("mallory", "profile-page")] == (0, 9)
    autograded = course.root / "autograded" / "mallory" / "profile-page"
    assert not (autograded / "style.css").exists()  # the instructor's file was not copied over
    assert {p.name: p.read_bytes() for p in submitted.iterdir()} == before  # the submission is untouched
