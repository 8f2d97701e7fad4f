"""The feedback page a learner reads: small, for phones, self-contained, hidden tests hidden.

nbgrader's own feedback (nbconvert's classic template) is 150 to 275 KB, loads MathJax from a
CDN, has no viewport, lists "Test cell" once per check cell and shows the source of hidden
tests (jupyter/nbgrader#917). `FeedbackExporter` replaces it in `nbgrader generate_feedback`
(see nbgrader_config.py): a summary naming every check with its points and result, the
learner's page files highlighted in their own language, and for each check cell its results;
the code between ### BEGIN HIDDEN TESTS and ### END HIDDEN TESTS is never written out.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

from nbconvert.exporters import Exporter
from traitlets import default

from .messages import language, t
from .pages import files_from_cell_source

HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
_CHECK_LINE = re.compile(r"^([✓✗]) (.+)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 "DejaVu Sans",system-ui,sans-serif;color:#1a1a1a;background:#f6f6f6}
main{max-width:1100px;margin:0 auto;padding:12px}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.2em}h3{font-size:1.05em;margin:0 0 .4em}
.total{font-size:1.2em;font-weight:bold}
.summary ol{list-style:none;padding:0;margin:0}
.summary li{display:flex;flex-wrap:wrap;gap:.2em .6em;justify-content:space-between;padding:.5em .6em;
 margin:.3em 0;background:#fff;border-left:5px solid #2e7d32;border-radius:3px}
.summary li.fail{border-color:#c62828}
.summary a{color:inherit}.pts{white-space:nowrap;font-weight:bold}
.ok{color:#1b5e20}.no{color:#b71c1c}
section.cell{background:#fff;margin:14px 0;padding:10px;border-radius:3px;border:1px solid #ddd;overflow-wrap:anywhere}
pre{margin:0;padding:8px;overflow-x:auto;background:#f8f8f8;border:1px solid #e4e4e4;font:13px/1.4 "DejaVu Sans Mono",monospace}
.note{font-style:italic;color:#555}
.webgrader-check{margin:.5em 0}
.webgrader-check details{overflow-x:auto}
.webgrader-check img{max-width:none!important;display:block}
.anchor-link{display:none}
"""


@dataclass
class CellSummary:
    anchor: str
    heading: str
    score: float | None
    points: float | None
    checks: list[tuple[bool, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def without_hidden_tests(source: str) -> tuple[str, bool]:
    """The source with every ### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS region left out
    (an unclosed region hides the rest of the cell), and whether anything was hidden."""
    kept, hiding, hid = [], False, False
    for line in source.split("\n"):
        if HIDDEN_BEGIN in line:
            hiding = hid = True
        elif HIDDEN_END in line:
            hiding = False
        elif not hiding:
            kept.append(line)
    return "\n".join(kept).strip("\n"), hid


def highlighted(code: str, filename: str) -> tuple[str, set[str]]:
    """`code` as HTML coloured for the language of `filename`, and the CSS classes it uses."""
    from pygments import highlight

    body = highlight(code, _lexer_for(filename), _formatter())
    return f'<pre class="hl">{body}</pre>', set(re.findall(r'<span class="([\w-]+)"', body))


@lru_cache(maxsize=256)
def _lexer_for(filename: str):
    """Pygments' lexer for a file name (finding it tries every lexer's patterns: kept per name)."""
    from pygments.lexers import TextLexer, get_lexer_for_filename

    try:
        return get_lexer_for_filename(filename, stripnl=False)
    except Exception:
        return TextLexer()


@lru_cache(maxsize=1)
def _formatter():
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


@lru_cache(maxsize=1)
def _style_rules() -> tuple[tuple[str, str], ...]:
    """(token class, CSS rule) of Pygments' default colours."""
    from pygments.formatters import HtmlFormatter

    rules = HtmlFormatter(style="default").get_style_defs(".hl").splitlines()
    return tuple((m.group(1), r) for r in rules if (m := re.match(r"\.hl \.([\w-]+) ", r)))


def _style_for(classes: set[str]) -> str:
    """Pygments' colours for only the token classes the page uses (its whole sheet is 4 KB)."""
    return "\n".join(rule for name, rule in _style_rules() if name in classes)


def _checks_in(outputs) -> tuple[list[tuple[bool, str]], list[str], list[str]]:
    """(passed, name) of every check result shown, other errors in plain words, and the HTML to show."""
    checks, errors, shown = [], [], []
    for out in outputs:
        kind = out.get("output_type")
        if kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            text, markup = _joined(data.get("text/plain", "")), _joined(data.get("text/html", ""))
            match = _CHECK_LINE.match(text.split("\n", 1)[0])
            if match and "webgrader-check" in markup[:80]:
                checks.append((match.group(1) == "✓", match.group(2)))
                shown.append(markup)  # written by results.CheckResult.as_html: every value escaped
            elif text:
                shown.append(f"<pre>{html.escape(text)}</pre>")
        elif kind == "stream":
            shown.append(f"<pre>{html.escape(_joined(out.get('text', '')))}</pre>")
        elif kind == "error" and out.get("ename") != "CheckFailed":  # a failed check is shown above
            # The message only: a traceback quotes the cell's code, hidden tests included.
            message = _ANSI.sub("", f"{out.get('ename', '')}: {out.get('evalue', '')}")
            errors.append(message)
            shown.append(f'<pre class="no">{html.escape(message)}</pre>')
    return checks, errors, shown


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def render_feedback(nb, info: dict) -> str:
    """The feedback page of an autograded notebook whose cells carry nbgrader's scores
    (nbgrader's GetGrades preprocessor puts them in each cell's metadata).

    `info` is nbgrader's resources["nbgrader"]: notebook, score, max_score, late_penalty."""
    esc = html.escape
    summaries: list[CellSummary] = []
    sections: list[str] = []
    classes: set[str] = set()
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        anchor = f"cell-{esc(str(meta.get('grade_id') or index))}"
        if cell.cell_type == "markdown":
            sections.append(f'<section class="cell text" id="{anchor}">{_markdown(cell.source)}</section>')
            continue
        if cell.cell_type != "code":
            continue
        source, hid = without_hidden_tests(cell.source)
        page = files_from_cell_source(source)
        graded = bool(meta.get("grade")) and not meta.get("solution")
        score, points = _number(meta.get("score")), _number(meta.get("points"))
        if page:
            heading = t("feedback.your_file", file=page[0])
            code, used = highlighted(page[1], page[0])
        else:
            heading = t("feedback.check_cell") if graded else (t("feedback.your_answer") if meta.get("solution") else "")
            code, used = highlighted(source, "cell.py") if source.strip() else ("", set())
        classes |= used
        parts = [f"<h3>{esc(heading)}</h3>" if heading else ""]
        if meta.get("grade") and points is not None:
            parts[0] = f"<h3>{esc(heading)} · {esc(t('feedback.points', score=score or 0, points=points))}</h3>"
        parts.append(code)
        if hid:
            parts.append(f'<p class="note">{esc(t("feedback.hidden_code"))}</p>')
        if graded:
            checks, errors, shown = _checks_in(cell.get("outputs", []))
            parts.extend(shown)
            summaries.append(CellSummary(anchor, heading, score, points, checks, errors))
        elif meta.get("grade"):
            summaries.append(CellSummary(anchor, heading, score, points))
        sections.append(f'<section class="cell code" id="{anchor}">{"".join(parts)}</section>')

    title = str(info.get("notebook", "") or "")
    total, top = _number(info.get("score")), _number(info.get("max_score"))
    late = _number(info.get("late_penalty")) or 0
    head = [f"<h1>{esc(title)}</h1>"]
    if total is not None and top is not None:
        head.append(f'<p class="total">{esc(t("feedback.total", score=total, points=top))}</p>')
    if late > 0:
        head.append(f'<p class="no">{esc(t("feedback.late", points=late))}</p>')
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(language())}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(t('feedback.title', notebook=title))}</title>"
        f"<style>{CSS}{_style_for(classes)}</style></head>\n<body><main>"
        f"<header>{''.join(head)}</header>{_summary_html(summaries)}{''.join(sections)}</main></body></html>\n"
    )


def _summary_html(summaries: list[CellSummary]) -> str:
    esc = html.escape
    if not summaries:
        return ""
    rows = []
    for cell in summaries:
        full = cell.points is not None and cell.score is not None and cell.score >= cell.points
        names = [f'<span class="{"ok" if ok else "no"}">{"✓" if ok else "✗"} {esc(name)}</span>'
                 for ok, name in cell.checks] or [esc(e) for e in cell.errors[:1]] or [esc(cell.heading)]
        points = (esc(t("feedback.points", score=cell.score or 0, points=cell.points))
                  if cell.points is not None else "")
        rows.append(f'<li class="{"pass" if full else "fail"}"><a href="#{cell.anchor}">{"<br>".join(names)}</a>'
                    f'<span class="pts">{points}</span></li>')
    return f'<section class="summary"><h2>{esc(t("feedback.summary"))}</h2><ol>{"".join(rows)}</ol></section>'


@lru_cache(maxsize=512)  # the same instructions in every learner's notebook: rendered once
def _markdown(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


class FeedbackExporter(Exporter):
    """nbconvert exporter of webgrader's feedback page; set it in nbgrader_config.py with
    `c.GenerateFeedback.exporter_class = "webgrader.feedback.FeedbackExporter"`."""

    export_from_notebook = "webgrader feedback"
    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension_default(self):
        return ".html"

    def from_notebook_node(self, nb, resources=None, **kw):
        from . import language as languages

        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        info = resources.get("nbgrader", {})
        # The page's own headings in the learner's language, as her checks were graded in.
        with languages.speaking(languages.of_submission(self.config, info.get("student"), nb_copy.metadata)):
            return render_feedback(nb_copy, info), resources


def write_feedback(config, log=None) -> list[Path] | None:
    """What `nbgrader generate_feedback ASSIGNMENT --student STUDENT --force` writes for the one
    student and assignment of `config.CourseDirectory`, made here without nbgrader's converter run.

    The same files in the same place (feedback/STUDENT/ASSIGNMENT/: one NAME.html per autograded
    notebook, the other files of the autograded folder beside them, the same permissions), the
    same page: the converter's own settings (exporter, preprocessors, permissions, ignore) are read
    from a GenerateFeedback made with `config`, and its exporter and preprocessors (GetGrades:
    scores from the gradebook) make the page. Returns the pages written, or None when the course's
    GenerateFeedback is not webgrader's exporter as configured by nbgrader_config.py (another
    exporter_class, a convert hook, excluded students, one notebook only): then run nbgrader's.
    """
    import glob
    import os
    import shutil

    from nbgrader.converters import GenerateFeedback
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import find_all_files, remove, rmtree

    coursedir = CourseDirectory(config=config)
    converter = GenerateFeedback(coursedir=coursedir, config=config, **({"log": log} if log else {}))
    if (not issubclass(converter.exporter_class, FeedbackExporter) or not converter.force
            or converter.pre_convert_hook is not None or converter.post_convert_hook is not None
            or coursedir.student_id_exclude or coursedir.notebook_id != "*"
            or any(c in coursedir.student_id + coursedir.assignment_id for c in "*?[")):
        return None
    student, assignment = coursedir.student_id, coursedir.assignment_id
    source = converter._format_source(assignment, student)
    dest = os.path.normpath(converter._format_dest(assignment, student))
    notebooks = sorted(glob.glob(os.path.join(source, coursedir.notebook_id + ".ipynb")))
    if not notebooks:
        raise NbGraderException(f"No notebooks were matched by '{os.path.join(source, '*.ipynb')}'")
    if os.path.exists(dest):  # --force: what was there goes, as nbgrader removes it
        rmtree(dest)
    written: list[Path] = []
    previous = os.getcwd()
    os.chdir(coursedir.root)  # where nbgrader's converter runs its exporter and preprocessors
    try:
        for filename in find_all_files(source, coursedir.ignore + ["*.ipynb"]):  # images and data files
            path = os.path.join(dest, os.path.relpath(filename, source))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if os.path.exists(path):
                remove(path)
            shutil.copy(filename, path)
        exporter = converter.exporter_class(parent=converter, config=converter.config)
        for preprocessor in converter.preprocessors:
            exporter.register_preprocessor(preprocessor)
        os.makedirs(dest, exist_ok=True)
        for notebook in notebooks:
            resources = converter.init_single_notebook_resources(notebook)
            output, resources = exporter.from_filename(notebook, resources=resources)
            page = Path(dest) / (resources["unique_key"] + resources["output_extension"])
            with open(page, "w", encoding="utf-8") as f:  # as nbconvert's FilesWriter writes it
                f.write(output)
            written.append(page)
        converter.set_permissions(assignment, student)
    except BaseException:
        if os.path.exists(dest):  # no half-made feedback, as nbgrader leaves none
            rmtree(dest)
        raise
    finally:
        os.chdir(previous)
    return written
