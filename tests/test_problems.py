"""Page problems found by reading the files (problems.py): no browser needed."""
from webgrader.problems import html_errors, never_loaded, page_problems

CORRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>x</title><link rel="stylesheet" href="style.css"></head>
<body><ul><li>one<li>two</ul><p>first<p>second<table><tr><td>1<td>2</table>
<img src="a.png" alt=""><br/><input id="x"><hr>
<dl><dt>term<dd>meaning</dl><select><option>a<option>b</select>
<svg viewBox="0 0 1 1"><path d="M0 0"/><circle r="1"/></svg>
<script>if (1 < 2) { document.write("<b>") }</script>
</body></html>"""


def texts(html):
    return [p.text for p in html_errors("index.html", html)]


def test_void_elements_and_optional_end_tags_are_not_errors():
    assert texts(CORRECT) == []


def test_an_unclosed_button_swallowing_the_rest_of_the_form_is_reported_with_its_line():
    html = "<form>\n  <button id=send>Send\n  <input id=name>\n</form>\n"
    assert texts(html) == ["index.html, line 2: <button> is never closed, so the browser puts everything up to "
                           "</form> (line 4) inside it. Add </button> where it should end."]


def test_misnested_unclosed_self_closed_and_stray_tags_are_reported_once_each():
    assert texts("<div>\n<span>x\n</div>") == [
        "index.html, line 2: <span> is never closed, so the browser puts everything up to </div> (line 3) inside it. "
        "Add </span> where it should end."]
    assert texts("<main>\n<h1>x</h1>") == ["index.html, line 1: <main> is never closed. Add </main> where it should end."]
    assert texts("<p>x</b></p>") == ["index.html, line 1: </b> closes nothing: no <b> is open here. "
                                     "Remove it, or add the missing <b> before it."]
    assert len(texts("<script src='app.js'/>\n<h1>x</h1>")) == 1
    assert "<script /> does not close the element" in texts("<script src='app.js'/>\n<h1>x</h1>")[0]
    assert texts("<h1>Name\n<h2>Skills</h2>")[0].startswith("index.html, line 1: <h1> is not closed before the <h2> of line 2")
    assert "a paragraph cannot hold <ul>" in texts("<p>Skills:\n<ul><li>a</li></ul>\n</p>")[0]


def test_missing_files_wrong_case_addresses_without_https_and_css_urls(tmp_path):
    (tmp_path / "Photo.png").write_bytes(b"png")
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "bg.png").write_bytes(b"png")
    files = {"index.html": '<link rel="stylesheet" href="css/site.css">\n<img src="photo.png">\n'
                           '<a href="www.example.org/me">me</a> <a href="https://example.org">ok</a> <a href="#top">top</a>',
             "css/site.css": "body { background: url('../img/bg.png') }\nh1 { background: url(../img/BG.png) }"}
    found = [(p.kind, p.file, p.line) for p in page_problems(files, "index.html", tmp_path)]
    assert found == [("wrong_case", "index.html", 2), ("outside_address", "index.html", 3),
                     ("wrong_case", "css/site.css", 2)]
    assert "photo.png does not exist, but Photo.png does" in page_problems(files, "index.html", tmp_path)[0].text


def test_page_files_that_no_page_loads_are_named_with_the_tag_to_add():
    files = {"index.html": '<script type="module" src="js/main.js"></script>', "js/main.js": "import './util.js';",
             "js/util.js": "export const x = 1;", "app.js": "let unused = 1;", "style.css": "h1 {}"}
    found = [p.text for p in never_loaded(files, "index.html")]
    assert found == ['app.js never runs: index.html has no <script src="app.js"></script>. Add it just before </body>.',
                     'The rules in style.css are never used: index.html has no <link rel="stylesheet" href="style.css">. '
                     'Add it inside <head>.']


def test_a_file_read_only_in_part_reports_nothing_still_open_at_the_cut():
    long_page = "<h1>" + "Lorem ipsum dolor sit amet. " * 20_000 + "</h1>"
    assert texts(long_page) == []
    assert texts("<div>\n<span>x</div>" + "x" * 300_000)[0].startswith("index.html, line 2: <span> is never closed")
