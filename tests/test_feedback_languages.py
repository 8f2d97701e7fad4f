"""A class graded in three languages: each learner reads her failed checks in her language
(chosen by the instructor's roster, or by her notebook's metadata) in the autograded notebook
and in nbgrader's feedback, with the same score; instructors' names and hints given as
{language: text} in her language, in English where hers is missing. On webgrader's bulk
grader (one process for every learner) and on nbgrader's own kernel path."""
import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from webgrader.bulk import autograde
from webgrader.course import Course
from webgrader.language import speaking
from webgrader.messages import t
from webgrader.sample_class import load_class

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "click-counter"
NAME_EN = "Typing Olena and clicking “Say hello” shows Hello, Olena!"
NAME = {"en": NAME_EN,
        "sv": "När du skriver Olena och klickar på “Say hello” visas Hello, Olena!",
        "uk": "Якщо ввести Olena й натиснути “Say hello”, з’являється Hello, Olena!"}
HINT_EN = "Read the box with document.getElementById(\"name\").value and build the text \"Hello, \" + name + \"!\"."
HINT = {"en": HINT_EN,  # no Ukrainian: a Ukrainian learner reads the English
        "sv": "Läs av rutan med document.getElementById(\"name\").value och bygg texten \"Hello, \" + name + \"!\"."}
# The learners: daria reads English (nothing chosen), sara Swedish (the roster), olena Ukrainian
# (her notebook's metadata). All three submit daria's page: jQuery from a CDN, so the greeting fails.
LEARNERS = {"daria": None, "sara": None, "olena": "uk"}
LANGUAGE = {"daria": "en", "sara": "sv", "olena": "uk"}
# What each must read, for the check of the greeting and for the check without JavaScript errors:
# the instructor's texts (hers or the English), and the grader's own sentences in her language.
READS = {
    "en": [NAME_EN, 'Expected: the text "Hello, Olena!"', "Found: empty text", f"Hint: {HINT_EN}",
           "Problems the browser reported", "Hint: Fix the likely cause above first, then check again."],
    "sv": [NAME["sv"], "Förväntat: texten ”Hello, Olena!”", None, f"Tips: {HINT['sv']}",
           "Problem som webbläsaren rapporterade", None],
    "uk": [NAME["uk"], "Очікувалося: текст «Hello, Olena!»", None, f"Підказка: {HINT_EN}",
           "Проблеми, про які повідомив браузер", None],
}
for _lang, _reads in READS.items():  # the sentences written after the catalogs were: as the catalog says them
    with speaking(_lang):
        _reads[2] = _reads[2] or f"{t('found')}: {t('text.empty')}"
        _reads[5] = _reads[5] or f"{t('hint')}: {t('hint.fix_cause_first')}"


def _course(root: Path) -> Course:
    course = Course.copy_of(REPO, root)
    source = root / "source" / ASSIGNMENT / "counter.ipynb"
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_greeting")
    assert f"name={json.dumps(NAME_EN, ensure_ascii=False)}" in cell.source
    cell.source = (cell.source.replace(f"name={json.dumps(NAME_EN, ensure_ascii=False)}", f"name={NAME!r}")
                   .replace(f"hint={json.dumps(HINT_EN)}", f"hint={HINT!r}"))
    assert repr(HINT) in cell.source
    nbformat.write(nb, source)
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as cfg:
        cfg.write('\nc.WebGrader.student_languages = {"sara": "sv"}\n'
                  # wide margins for the kernel path on a busy machine: this test is about languages
                  'c.Execute.timeout = 120\nc.Execute.startup_timeout = 180\n')
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    daria = next(s for s in load_class(REPO / "examples" / "class") if (s.assignment, s.student) == (ASSIGNMENT, "daria"))
    for student, lang in LEARNERS.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(root / "release" / ASSIGNMENT / "counter.ipynb", folder / "counter.ipynb")
        daria.apply_to(folder / "counter.ipynb")
        if lang:
            submitted = nbformat.read(folder / "counter.ipynb", as_version=4)
            submitted.metadata["webgrader"] = {"language": lang}
            nbformat.write(submitted, folder / "counter.ipynb")
    return course


def _outputs(notebook: Path, grade_id: str) -> str:
    """Everything a cell shows: its text, its HTML and its error, as a learner reads them."""
    cell = next(c for c in nbformat.read(notebook, as_version=4).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    parts = []
    for out in cell.outputs:
        parts += [out.get("data", {}).get("text/plain", ""), out.get("evalue", "")]
        parts.append(html.unescape(out.get("data", {}).get("text/html", "")))
    return "\n".join(parts)


def _text(page: str) -> str:
    """An HTML page's text, as a reader sees it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _read(course: Course, students=tuple(LEARNERS)) -> dict:
    read = {}
    for student in students:
        notebook = course.root / "autograded" / student / ASSIGNMENT / "counter.ipynb"
        read[student] = {
            "cells": _outputs(notebook, "check_greeting") + _outputs(notebook, "check_no_errors"),
            "metadata": nbformat.read(notebook, as_version=4).metadata.get("webgrader", {}),
        }
    return read


@pytest.fixture(scope="module")
def bulk_graded(tmp_path_factory):
    course = _course(tmp_path_factory.mktemp("languages") / "course")
    report = autograde(course.root, ASSIGNMENT, progress=False, workers=1)  # one process grades all three
    assert report.ok, report.summary()
    course.nbgrader("generate_feedback", ASSIGNMENT, "--force")
    feedback = {s: _text((course.root / "feedback" / s / ASSIGNMENT / "counter.html").read_text(encoding="utf-8"))
                for s in LEARNERS}
    return course, _read(course), feedback, course.scores()


@pytest.mark.parametrize("student", LEARNERS)
def test_each_learner_reads_her_failed_checks_in_her_language_in_the_autograded_notebook(bulk_graded, student):
    _, read, _, _ = bulk_graded
    lang = LANGUAGE[student]
    for sentence in READS[lang]:
        assert sentence in read[student]["cells"], f"{student} ({lang}) does not read {sentence!r}"
    for other in set(READS) - {lang}:  # nothing of another learner's language leaked into hers
        assert READS[other][0] not in read[student]["cells"] and READS[other][4] not in read[student]["cells"]
    assert read[student]["metadata"].get("language") == lang  # kept for her feedback


@pytest.mark.parametrize("student", LEARNERS)
def test_each_learner_reads_her_feedback_in_her_language_with_the_same_score(bulk_graded, student):
    _, _, feedback, scores = bulk_graded
    for sentence in READS[LANGUAGE[student]]:
        assert sentence in feedback[student], f"{student}'s feedback lacks {sentence!r}"
    assert scores[(student, ASSIGNMENT)] == (3.0, 8.0)  # the language changes no verdict
    # The page's own headings too: the summary's title in her language, no other's.
    titles = {}
    for lang in set(LANGUAGE.values()):
        with speaking(lang):
            titles[lang] = t("feedback.summary")
    assert len(set(titles.values())) == len(titles)
    assert titles[LANGUAGE[student]] in feedback[student]
    for lang, title in titles.items():
        if lang != LANGUAGE[student]:
            assert title not in feedback[student], f"{student}'s feedback has the {lang} heading {title!r}"


def test_nbgraders_own_autograde_in_a_kernel_gives_each_learner_her_language(bulk_graded, tmp_path):
    course, from_bulk, _, _ = bulk_graded
    kernel_course = Course(tmp_path / "course")
    shutil.copytree(course.root, kernel_course.root, ignore=shutil.ignore_patterns("autograded", "feedback", "gradebook.db"))
    kernel_course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    kernel_course.nbgrader("autograde", ASSIGNMENT, "--force", "--student=[os]*")  # olena (metadata), sara (roster)
    read = _read(kernel_course, ("olena", "sara"))
    for student in ("olena", "sara"):
        for sentence in READS[LANGUAGE[student]]:
            assert sentence in read[student]["cells"], f"{student} reads no {sentence!r} on the kernel path"
    assert kernel_course.scores() == {k: v for k, v in course.scores().items() if k[0] in ("olena", "sara")}
