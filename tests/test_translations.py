"""The message catalogs: every sentence of EN translated into Swedish and Ukrainian, with the
same placeholders and code; catalogs up to date with EN; the learner's language chosen per
learner and per submission; instructors' own texts in the learner's language."""
import os
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from webgrader import language, messages
from webgrader.language import speaking
from webgrader.messages import EN, localise, t

REPO = Path(__file__).resolve().parents[1]
LOCALE = REPO / "src" / "webgrader" / "locale"
LANGUAGES = tuple(messages.languages()[1:])  # every catalog in locale/, English aside
FIX = "run `make messages`, then translate the new or fuzzy entries in src/webgrader/locale/*/LC_MESSAGES/webgrader.po"


def catalog(lang):
    with open(LOCALE / lang / "LC_MESSAGES" / "webgrader.po", "rb") as f:
        return read_po(f, locale=lang)


def entries(cat):
    return {m.context: m for m in cat if m.id}


def fields(sentence):
    """The placeholders of a str.format sentence, with their format spec and conversion."""
    return sorted((name, spec, conv) for _, name, spec, conv in string.Formatter().parse(sentence) if name is not None)


# Code inside sentences that a translation keeps exactly: magics, ids, file names, tags and
# their attribute names, JavaScript, keys.
CODE = re.compile(r"%%\w+|#\w+|\b[\w-]+\.(?:css|js|html|href|py|max_notebook_mb)\b|<\w+|\b[\w-]+(?==\")|\w+\(\w*\)|\bF12\b")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_english_sentence_has_a_translation_that_is_not_fuzzy(lang):
    assert set(LANGUAGES) >= {"sv", "uk"}
    found = entries(catalog(lang))
    missing = [key for key in EN if key not in found or not found[key].string]
    old = [key for key in EN if key in found and (found[key].fuzzy or found[key].id != EN[key])]
    assert not missing, f"{lang}: no translation for {missing}: {FIX}"
    assert not old, f"{lang}: translations of an older English sentence for {old}: {FIX}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_translation_keeps_the_placeholders_and_the_code_of_the_english(lang):
    for key, message in entries(catalog(lang)).items():
        if key not in EN or not message.string:
            continue
        assert fields(message.string) == fields(EN[key]), \
            f"{lang} {key}: placeholders {fields(message.string)} instead of {fields(EN[key])}: {message.string!r}"
        for code in CODE.findall(EN[key]):
            assert code in message.string, f"{lang} {key}: {code!r} is missing from {message.string!r}"


def test_the_catalogs_are_what_extraction_from_EN_makes_now():
    """messages.py's EN, extracted as `make messages` does, equals the template, and each .po
    holds exactly the template's messages (no sentence missing, none left over)."""
    # (Babel's writer wraps long comments over lines: compared as one text.)
    extracted = {(context, message, " ".join(comments)) for _, message, comments, context in extract_from_file(
        "webgrader.babel_extract.extract_en", str(REPO / "src" / "webgrader" / "messages.py"))}
    assert {(context, message) for context, message, _ in extracted} == set(EN.items())
    with open(LOCALE / "webgrader.pot", "rb") as f:
        template = {(m.context, m.id, " ".join(m.auto_comments)) for m in read_po(f) if m.id}
    assert template == extracted, f"locale/webgrader.pot is stale: {FIX}"
    for lang in LANGUAGES:
        assert {(m.context, m.id) for m in catalog(lang) if m.id} == {(c, i) for c, i, _ in template}, \
            f"{lang}: webgrader.po does not hold the template's messages: {FIX}"


def test_t_speaks_the_language_of_the_submission_at_hand():
    with speaking("sv"):
        assert t("expected") == "Förväntat"
        assert t("load.missing", entry="index.html") == "Det finns ingen fil som heter index.html i ditt arbete."
        with speaking("uk-UA"):
            assert t("found") == "Знайдено"
        assert t("found") == "Hittat"
    with speaking("en"):
        assert t("found") == "Found"
    with speaking("de"):  # no catalog: English
        assert t("found") == "Found"


def test_WEBGRADER_LANG_overrides_the_learners_language(monkeypatch):
    monkeypatch.setenv("WEBGRADER_LANG", "uk_UA.UTF-8")
    with speaking("sv"):
        assert t("hint") == "Підказка"


def test_an_instructors_text_in_the_learners_language_and_english_where_hers_is_missing():
    name = {"en": "The heading shows your name", "sv": "Rubriken visar ditt namn"}
    with speaking("sv"):
        assert localise(name) == "Rubriken visar ditt namn"
    with speaking("uk"):
        assert localise(name) == "The heading shows your name"
        assert localise("plain text") == "plain text" and localise(None) is None
        assert localise({"UK": "Заголовок"}) == "Заголовок"  # keys written like languages anywhere


def test_an_untranslated_or_broken_entry_falls_back_to_english_and_a_po_without_mo_is_read(tmp_path, monkeypatch):
    folder = tmp_path / "sv" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "webgrader.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\nLanguage: sv\\n"\n\n'
        'msgctxt "load.missing"\nmsgid "There is no file called {entry} in your work."\nmsgstr "Ingen fil {fil}."\n\n'
        '#, fuzzy\nmsgctxt "expected"\nmsgid "Expected"\nmsgstr "Väntat"\n\n'
        'msgctxt "found"\nmsgid "Found"\nmsgstr "Hittat"\n', encoding="utf-8")
    monkeypatch.setattr(messages, "LOCALE_DIR", tmp_path)
    messages.catalog.cache_clear()
    try:
        with speaking("sv"):
            assert t("found") == "Hittat"  # compiled from the .po in memory: there is no .mo
            assert t("expected") == "Expected"  # fuzzy: a translation of an older sentence
            assert t("load.missing", entry="app.js") == "There is no file called app.js in your work."
            assert t("hint") == "Hint"  # not in the catalog
    finally:
        messages.catalog.cache_clear()


def test_setup_compiles_the_catalogs_that_gettext_reads(tmp_path):
    import gettext
    import shutil
    import sys

    shutil.copytree(LOCALE, tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    sys.path.insert(0, str(REPO))
    try:
        from setup import compile_catalogs  # the build step of setup.py
    finally:
        sys.path.remove(str(REPO))
    compile_catalogs(tmp_path / "locale")
    for lang in LANGUAGES:
        compiled = gettext.translation("webgrader", tmp_path / "locale", languages=[lang])
        assert compiled.pgettext("hint", "Hint") == catalog(lang).get("Hint", context="hint").string


def test_the_language_of_a_submission_roster_first_then_notebook_then_course_then_english():
    from traitlets.config import Config

    config = Config()
    config.WebGrader.student_languages = {"olena": "uk"}
    config.WebGrader.language = "sv"
    in_uk = {"webgrader": {"language": "uk"}}
    assert language.of_submission(config, "olena", {"webgrader": {"language": "en"}}) == "uk"
    assert language.of_submission(config, "anna", in_uk) == "uk"
    assert language.of_submission(config, "anna", {"webgrader": "nonsense"}) == "sv"
    assert language.of_submission(config, "anna", {"webgrader": {"language": "de"}}) == "sv"
    assert language.of_submission(Config(), "anna", {}) == "en"


def test_the_language_of_a_service_page_her_choice_then_roster_then_browser_then_course_then_english():
    from traitlets.config import Config

    config = Config()
    config.WebGrader.student_languages = {"olena": "uk"}
    config.WebGrader.language = "sv"
    assert language.of_reader(config, "olena", chosen="en", accept_language="sv") == "en"
    assert language.of_reader(config, "olena", chosen=None, accept_language="sv") == "uk"
    assert language.of_reader(config, "anna", chosen="de", accept_language="en-GB,en;q=0.8") == "en"
    assert language.of_reader(config, None, chosen="SV", accept_language="de, fr;q=0.5") == "sv", "the course's"
    assert language.of_reader(Config(), None) == "en"
    broken = Config()
    broken.WebGrader.language = "klingon"  # a page still answers, in the browser's language
    assert language.of_reader(broken, "olena", accept_language="uk") == "uk"


@pytest.mark.parametrize("header, lang", [
    ("uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7", "uk"), ("de-DE,de;q=0.9,sv;q=0.8,en;q=0.7", "sv"),
    ("en;q=0.2, sv;q=0.5", "sv"), ("sv;q=0, en", "en"), ("EN-us", "en"), ("sv, uk", "sv"), ("uk;q=x, sv;q=0.1", "sv"),
    ("se, ua, fi", None), ("*", None), ("", None), (None, None), ("sv;q=2", None),
])
def test_a_browsers_accept_language_names_the_language_it_likes_best(header, lang):
    assert language.from_accept_language(header) == lang


def _course(root: Path, config: str) -> Path:
    (root / "source" / "profile-page").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("c = get_config()\n" + config, encoding="utf-8")
    return root


def _notebook(folder: Path, lang: str | None) -> None:
    """A notebook file, written as JSON (nbformat's validation would import jsonschema's formats)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    metadata = {"webgrader": {"language": lang}} if lang else {}
    nb = {"cells": [], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    (folder / "profile.ipynb").write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture
def notebooks_read_at_once(monkeypatch):
    """A saved notebook counts at once (the grader looks again only every 2 seconds)."""
    monkeypatch.setattr(language, "NOTEBOOKS_RECHECKED_AFTER", 0.0)


def test_a_kernel_in_a_learners_autograded_folder_speaks_her_language(tmp_path, monkeypatch, notebooks_read_at_once):
    """nbgrader's own autograde runs the checks in a kernel in autograded/STUDENT/ASSIGNMENT:
    the roster of the course above it, else her notebook there, decide."""
    monkeypatch.delenv("WEBGRADER_LANG", raising=False)
    course = _course(tmp_path / "course", 'c.WebGrader.student_languages = {"olena": "uk"}\n')
    _notebook(course / "autograded" / "olena" / "profile-page", None)
    _notebook(course / "autograded" / "sara" / "profile-page", "sv")
    _notebook(course / "autograded" / "anna" / "profile-page", None)
    for student, lang in (("olena", "uk"), ("sara", "sv"), ("anna", "en")):
        monkeypatch.chdir(course / "autograded" / student / "profile-page")
        assert language.current() == lang, student
    assert t("found") == "Found"


def test_a_learners_own_jupyter_config_sets_her_language_in_her_jupyterlab(tmp_path, monkeypatch, notebooks_read_at_once):
    monkeypatch.delenv("WEBGRADER_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    (tmp_path / "jupyter").mkdir()
    (tmp_path / "jupyter" / "nbgrader_config.py").write_text('c = get_config()\nc.WebGrader.language = "uk"\n')
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter"))
    _notebook(tmp_path / "home" / "profile-page", None)
    monkeypatch.chdir(tmp_path / "home" / "profile-page")
    assert t("hint") == "Підказка"
    _notebook(tmp_path / "home" / "profile-page", "sv")  # her notebook's metadata comes first
    os.utime(tmp_path / "home" / "profile-page" / "profile.ipynb", ns=(1, 10**18))
    assert t("hint") == "Tips"


def test_a_page_that_hung_fails_at_once_at_its_next_check_in_the_language_of_that_check(run):
    import time

    from webgrader import CheckFailed, open_page

    # One submission (the kernel's own grading): a hang is remembered for it, and only for it.
    files = {"index.html": "<script>while (true) {}</script>"}
    with speaking("sv"), pytest.raises(CheckFailed) as first:
        run(open_page(files=files, asset_dir=None))
    assert first.value.result.message.startswith("Sidan hann inte laddas klart på")
    start = time.monotonic()
    with speaking("uk"), pytest.raises(CheckFailed) as again:
        run(open_page(files=files, asset_dir=None))
    assert time.monotonic() - start < 1.5  # the same files: known to hang, not loaded again
    assert again.value.result.message.startswith("Сторінка не встигла завантажитися за")
    # The same reason as the first time (which one the grader saw is test_pagetime's), said in Ukrainian.
    reasons = ("load.timeout.hint", "load.timeout.waiting.hint", "page.browser.hint", "page.layout.hint")
    with speaking("sv"):
        swedish = [t(key) for key in reasons]
    with speaking("uk"):
        ukrainian = [t(key) for key in reasons]
    assert first.value.result.hint in swedish
    assert again.value.result.hint == ukrainian[swedish.index(first.value.result.hint)]


def test_an_unknown_language_in_the_configuration_names_the_option_and_the_languages():
    from traitlets import TraitError
    from traitlets.config import Config

    from webgrader.settings import WebGrader

    config = Config()
    config.WebGrader.language, config.WebGrader.student_languages = "UA", {"olena": "sv_SE.UTF-8"}
    assert (WebGrader(config=config).language, WebGrader(config=config).student_languages) == ("uk", {"olena": "sv"})
    config.WebGrader.student_languages = {"olena": "de"}
    with pytest.raises(TraitError, match=r"c.WebGrader.student_languages\['olena'\] = 'de': webgrader writes in 'en', 'sv', 'uk'"):
        WebGrader(config=config)


def test_in_jupyterlab_the_kernels_own_notebook_decides_among_several(tmp_path, monkeypatch, notebooks_read_at_once):
    monkeypatch.delenv("WEBGRADER_LANG", raising=False)
    _notebook(tmp_path / "work" / "a", "sv")
    (tmp_path / "work" / "a" / "profile.ipynb").rename(tmp_path / "work" / "a" / "first.ipynb")
    _notebook(tmp_path / "work" / "a", "uk")
    monkeypatch.chdir(tmp_path / "work" / "a")
    monkeypatch.setenv("JPY_SESSION_NAME", "work/a/profile.ipynb")  # relative to the server's root
    assert language.current() == "uk"
    monkeypatch.setenv("JPY_SESSION_NAME", "work/a/first.ipynb")
    assert language.current() == "sv"


def test_a_javascript_error_is_told_in_the_language_of_the_check_that_reads_it(run):
    """The browser reports page errors on its own task, started with the first submission's
    language: a later submission in another language must still read them in hers."""
    from webgrader import CheckFailed, open_page

    files = {"index.html": "<h1>Hi</h1><script src='app.js'></script>", "app.js": "countt.textContent = 1;"}
    with speaking("sv"):
        page = run(open_page(files=files, asset_dir=None))
        with pytest.raises(CheckFailed) as swedish:
            run(page.expect_no_js_errors())
    with speaking("uk"):
        page = run(open_page(files=dict(files, **{"app.js": "totall.textContent = 2;"}), asset_dir=None))
        with pytest.raises(CheckFailed) as ukrainian:
            run(page.expect_no_js_errors())
    assert "app.js, rad 1" in str(swedish.value)
    assert "app.js, рядок 1" in str(ukrainian.value), str(ukrainian.value)
