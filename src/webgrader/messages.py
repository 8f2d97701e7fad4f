"""Every learner-facing sentence, in one place, in English, translated through gettext catalogs.

Call `t(key, **values)`: the sentence for `key` in the language of the learner at hand
(language.py decides it, per submission), filled with `values`. `EN` is the only source of
the English sentences; the catalogs in locale/ are made from it (msgctxt = key, msgid = the
English sentence):

    make messages      # after adding or changing keys: extracts EN into locale/webgrader.pot
                       # and updates locale/sv/.../webgrader.po and locale/uk/.../webgrader.po

then translate the new entries (msgstr) in the two .po files. A key without a translation, or
with a translation of an older English sentence (marked fuzzy), is shown in English.
Instructors' own texts (check names, hints) may be a dict {"en": ..., "sv": ..., "uk": ...}:
`localise()` picks the learner's language.
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from . import language as _language

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "webgrader"

EN = {
    # page loading
    "load.name": "The page {entry} loads",
    "load.missing": "There is no file called {entry} in your work.",
    "load.missing.hint": "Run the cell that starts with %%page {entry} (or put it back if you deleted it), then check again.",
    "load.timeout": "The page did not finish loading within {seconds:g} seconds.",
    "load.timeout.hint": "Look for a loop that never ends (for example while(true)) in your JavaScript.",
    "load.failed": "The browser could not open the page: {error}",
    "page.hung": "Your page stopped responding, so this check could not run.",
    "page.hung.hint": "Something in your JavaScript runs forever (a loop that never ends?). Fix it and check again.",
    "check.timeout": "The check took longer than {seconds:g} seconds: the page stopped responding.",
    "page.crashed": "Your page crashed the browser tab: it may use too much memory. This check could not run.",
    "page.crashed.hint": "Look for a loop that keeps adding to an array, a string or the page without end. Fix it and check again.",
    "load.crashed": "Your page crashed the browser tab while loading: it may use too much memory.",
    "load.too_big": "The file {file} is {size:.1f} MB; the grader accepts page files of at most {limit:g} MB.",
    "load.too_big.hint": "Put big pictures in their own files next to the page (for example <img src=\"photo.jpg\">) instead of pasting them into the page as data: addresses.",
    "page.unstable": "Your page kept loading itself again (or another page) while the grader looked at it, so this check could not run.",
    "page.unstable.hint": "Look for code that reloads the page or changes location.href again and again, or a <meta http-equiv=\"refresh\"> tag.",
    "js.threw": "an error: {error}",
    "blocked.request": "The page tried to load {url}, which the grader does not allow (there is no internet while grading). Keep every file your page needs next to it.",
    # what a %%page cell shows in the learner's JupyterLab
    "preview.saved": "Saved {file}. Preview of {entry}:",
    "preview.waiting": "Saved {file}. The preview appears once index.html exists.",
    "preview.title": "Preview of {entry}",
    "page.bad_name": "%%page {name}: that is not a file name inside this exercise folder. Use a name like index.html, style.css or css/site.css.",
    # generic parts of a message
    "expected": "Expected",
    "found": "Found",
    "hint": "Hint",
    "js_errors": "Problems the browser reported",
    "screenshot": "What the grader saw",
    "passed": "Passed",
    "failed": "Not yet",
    "nothing": "nothing",
    "no_element": "no element matching {selector}",
    # element checks
    "element.name": "The page has {what}",
    "element.expected": "at least one element matching {selector}",
    "element.hint": "Check the spelling of the tag, id or class. An id is written id=\"name\" and selected with #name.",
    "count.name": "The page has at least {n} of {what}",
    "count.expected": "at least {n} elements matching {selector}",
    "count.exactly.name": "The page has exactly {n} of {what}",
    "count.exactly.expected": "exactly {n} elements matching {selector}",
    "count.found": "{n} elements",
    "count.hint": "Count the elements in your HTML and check that each is closed properly.",
    "text.name": "{what} shows the right text",
    "text.equals": "the text \"{value}\"",
    "text.contains": "text containing \"{value}\"",
    "text.not_empty": "some text (it is empty)",
    "text.found": "\"{value}\"",
    "text.hint": "Check the spelling, spaces and capital letters of the text.",
    "attribute.name": "{what} has a good {attribute} attribute",
    "attribute.not_empty": "the attribute {attribute}, not empty",
    "attribute.starts_with": "a {attribute} attribute starting with \"{value}\"",
    "attribute.equals": "{attribute}=\"{value}\"",
    "attribute.missing": "no {attribute} attribute",
    "attribute.hint": "Attributes are written inside the opening tag, like <img src=\"photo.png\" alt=\"A photo of me\">.",
    "style.name": "{what} has the right {property}",
    "style.not": "a {property} other than {value}",
    "style.equals": "{property}: {value}",
    "style.hint": "Check that style.css is linked with <link rel=\"stylesheet\" href=\"style.css\"> and that the selector matches.",
    "image.name": "The image {what} loads",
    "image.expected": "an image that the browser can show",
    "image.found": "an image that did not load (src=\"{src}\")",
    "image.hint": "Check that src names a file that exists, with the same spelling and capital letters.",
    "no_js_errors.name": "The page runs without JavaScript errors",
    "no_js_errors.expected": "no errors",
    "no_js_errors.hint": "Open the browser console (F12) to see the error and the line it happened on.",
    "js.name": "{what}",
    "js.hint": "Read the task again and compare it with what your page does.",
    # actions
    "action.missing": "The grader wanted to {action} {selector}, but there is {found}.",
    "action.missing.hint": "Check the id or class of the element in your HTML.",
    "action.blocked": "The grader could not {action} {selector}.",
    "action.blocked.hint": "Make sure the element is visible, not disabled and not covered by another element.",
    "action.why.hidden": "it is not visible (hidden, or it has no size)",
    "action.why.disabled": "it is disabled",
    "action.why.covered": "another element covers it",
    "action.why.not_editable": "it is not a text box (an input, a textarea or an editable element)",
    "action.why.malformed": "it does not accept that value",
    "action.why.not_a_number": "it is a number box, and the text is not a number",
    "action.why.gone": "it disappeared from the page",
    "action.why.slow": "the page was still busy with it after {seconds:g} seconds",
    "action.click": "click",
    "action.fill": "type into",
    "action.press": "press a key in",
    # limits for a whole submission and for the feedback of one cell
    "submission.timeout": "Grading stopped: your page used up the {seconds:g} seconds allowed for the whole assignment, so this check and the ones after it could not run.",
    "submission.timeout.hint": "Something in your page makes every check slow: a loop that runs for a long time, or timers that keep the page busy. Fix it and check again.",
    "output.cut": "… [{n} more characters not shown]",
    "output.more_problems": "… and {n} more",
    "output.screenshot_dropped": "The picture is left out: the feedback of this cell is already as long as allowed.",
    # submissions that `webgrader autograde` cannot grade (read by the instructor)
    "submission.missing": "{student} submitted no {notebook}: {folder} holds no notebook. Ask {student} to submit the assignment again, then run webgrader autograde again.",
    "submission.renamed": "{student} submitted no {notebook}, but {others}: the notebook was probably renamed or copied. Rename the right one to {notebook} in {folder} (or ask {student} to submit again), then run webgrader autograde again.",
    "submission.not_json": "{student}'s notebook {notebook} is not valid JSON ({where}): it was cut off or edited outside Jupyter. Ask {student} to submit it again, or to restore it from their JupyterHub checkpoint ({checkpoint} in their assignment folder) and submit.",
    "submission.empty": "the file is empty",
    "submission.not_utf8": "byte {byte} is not UTF-8 text",
    "submission.json_at": "line {line}, column {column}: {error}",
    "submission.not_notebook": "{student}'s {notebook} is JSON but not a notebook that Jupyter can open ({reason}). Ask {student} to fetch the assignment again, copy their work into the new notebook and submit that.",
    "submission.no_version": "it has no nbformat version",
    "submission.too_big": "{student}'s notebook {notebook} is {size:.3g} MB; webgrader reads notebooks of at most {limit:g} MB, so it was not opened. Most of it is probably output (previews of big photos): ask {student} to clear all outputs (Edit > Clear Outputs of All Cells), save and submit again, or raise c.WebGrader.max_notebook_mb in nbgrader_config.py.",
    "submission.link": "{student}'s submission holds {path}, a link to {target}: webgrader follows no links in a submission (a link could read the grader's own files). Replace the link with a copy of the file it stands for, or ask {student} to submit real files.",
    # what grading put right in a submission (read by the instructor)
    "submission.edited": "{notebook}: instructor cells changed by the learner: {cells}; graded as they are in source/",
    "submission.deleted": "{notebook}: instructor cells deleted by the learner: {cells}; put back from source/ and graded",
    "submission.metadata": "{notebook}: grading metadata (points, grade or locked flags, cell type) changed by the learner: {cells}; reset from source/",
    "submission.unknown": "{notebook}: cells with grade ids that source/ does not have: {cells}; graded as the learner's own cells, worth no points",
    "submission.duplicate": "{notebook}: cells that appear more than once: {cells}; only the last copy counts, as in nbgrader",
    # branch lifecycle: what the grader saw when a page ran out of time
    "load.timeout.machine": "The page did not finish loading because the grading machine was too busy: your page itself used less than the {seconds:g} seconds of work a page may take to load.",
    "load.timeout.machine.hint": "This is not a mistake in your page. Ask your teacher to grade it again.",
    "page.machine": "The grading machine was too busy to finish this check in time: your page itself used less than the {seconds:g} seconds of work allowed.",
    "load.timeout.browser": "The page did not finish loading within {seconds:g} seconds: it kept the browser itself so busy that the browser stopped answering the grader.",
    "page.browser": "Your page kept the browser itself so busy that it stopped answering the grader, so this check could not run.",
    "page.browser.hint": "Look for code that makes the browser work thousands of times over: history.pushState or location.hash in a loop, or adding and removing many elements again and again.",
    "load.timeout.layout": "The page did not finish loading within {seconds:g} seconds: the browser was busy building and laying out the page itself, not running its JavaScript.",
    "page.layout": "The browser was busy for all of the {seconds:g} seconds allowed with building and laying out your page, not with its JavaScript, so this check could not run.",
    "page.layout.hint": "Your page is probably very big: a text of many megabytes, or tens of thousands of elements. Make it smaller (for example show a part of a long text).",
    "load.timeout.waiting": "The page did not finish loading within {seconds:g} seconds, although it was not busy: it was waiting for something that never came.",
    "load.timeout.waiting.hint": "Check that every file your page loads (scripts, styles, pictures) is part of your work.",
    # --- sandbox branch: page names, learner Python in a page-only assignment
    "page.name.missing": "This page cell has no file name, so it was not saved. Write the name after %%page on the first line, for example: %%page index.html",
    "page.name.refused": "The page cell %%page {name} was not saved: a page file's name may use only letters, digits, - and _ (and dots, not at the start), with folders separated by /, and must end in a page type such as .html, .css or .js. For example: %%page index.html or %%page css/style.css",
    "load.missing.refused": "There is no file called {entry} in your work. {refused}",
    "python.ignored.cell": "This cell was not run while grading: in this assignment only %%page cells are graded, so Python in your own cells is ignored.",
    "submission.python_ignored": "{notebook}: the learner's code cells {cells} are not page cells; the assignment asks only for pages, so they were emptied and not run",
    # --- branch messages: page problems, likely causes, found texts in a learner's words ---
    # labels of a result
    "cause": "Likely cause",
    "step": "Step that failed",
    # a JavaScript error, with where it happened
    "js_error.at": "{file}, line {line}: {error}",
    # HTML parse errors
    "html.unclosed": "{file}, line {line}: <{tag}> is never closed. Add </{tag}> where it should end.",
    "html.unclosed_before": "{file}, line {line}: <{tag}> is never closed, so the browser puts everything up to {by} (line {at}) inside it. Add </{tag}> where it should end.",
    "html.nested": "{file}, line {line}: <{tag}> is not closed before the <{inner}> of line {at}, so the browser ends it there. Add </{tag}> where it should end.",
    "html.self_closing": "{file}, line {line}: <{tag} /> does not close the element in HTML, so everything after it ends up inside it. Write <{tag}></{tag}>.",
    "html.stray_end": "{file}, line {line}: </{tag}> closes nothing: no <{tag}> is open here. Remove it, or add the missing <{tag}> before it.",
    "html.p_closed_early": "{file}, line {line}: </p> closes nothing: a paragraph cannot hold {by}, so the browser already ended the <p> of line {opened} at {by} (line {at}). Close the <p> before {by}.",
    # files that do not exist, or are never loaded
    "problem.element.img": "the image",
    "problem.element.script": "the script",
    "problem.element.stylesheet": "the stylesheet",
    "problem.element.a": "the link to",
    "problem.element.css_url": "the file in url()",
    "problem.element.css_import": "the stylesheet in @import",
    "problem.element.js_import": "the script in import",
    "problem.element.other": "the file",
    "problem.missing": "{file}, line {line}: {what} {name} does not exist: there is no file with that name in your work.",
    "problem.wrong_case": "{file}, line {line}: {what} {name} does not exist, but {other} does: file names must match exactly, capital letters too.",
    "problem.no_https": "{file}, line {line}: the link {name} is a web address without https:// in front, so the browser looks for a file called {name} in your work. Write https://{name}.",
    "problem.script_not_loaded": "{file} never runs: {page} has no <script src=\"{href}\"></script>. Add it just before </body>.",
    "problem.css_not_linked": "The rules in {file} are never used: {page} has no <link rel=\"stylesheet\" href=\"{href}\">. Add it inside <head>.",
    # likely causes named in a failing check
    "cause.load_error": "{error}. This happened while the page loaded, so the rest of that script never ran.",
    "cause.outside_script": "{page} loads the script {url} from the internet, which the grader does not allow (there is no internet while grading), so the code that needs it fails. Write that code yourself in your own script.",
    "cause.outside_stylesheet": "{page} loads the stylesheet {url} from the internet, which the grader does not allow (there is no internet while grading), so its rules do not apply. Write your own rules in your CSS file.",
    "cause.outside_image": "The image {url} is on the internet, which the grader does not allow (there is no internet while grading). Save the picture next to your page and name it in src.",
    "hint.fix_cause_first": "Fix the likely cause above first, then check again.",
    # one note per page load, apart from the checks
    "note.title": "What the grader noticed about {page}",
    "note.blocked": "The page tried to load addresses outside your work, which the grader does not allow (there is no internet while grading): {urls}. Keep every file your page needs next to it.",
    # found texts and expectations in a learner's words
    "text.empty": "empty text",
    "count.found.one": "1 element",
    "count.found.none": "no element",
    "count.expected.one": "at least 1 element matching {selector}",
    "count.exactly.expected.one": "exactly 1 element matching {selector}",
    "selector.tag": "<{tag}> element",
    "selector.any": "element",
    "selector.id": "id=\"{value}\"",
    "selector.class": "class \"{value}\"",
    "selector.attribute": "a {name} attribute",
    "selector.attribute.equals": "{name}=\"{value}\"",
    "selector.with": "{thing} with {parts}",
    "selector.and": " and ",
    "selector.raw": "element matching {selector}",
    "element.expected.words": "at least one {thing}",
    "no_element.words": "no {thing} on the page",
    "closest.found": "no {thing}; the closest the page has is {element}",
    "js.expected": "{expression} to be true in your page",
    "js.found.false": "{expression} is {value} in your page, which counts as false",
    "js.value.false": "false",
    "js.value.null": "null (or undefined)",
    "js.value.empty": "an empty text",
    "attribute.present": "the attribute {attribute} (it may be empty)",
    "attribute.empty": "{attribute}=\"\" (empty)",
    "attribute.on": "{found}, on {element}",
    "style.hint.no_css": "Your work has no CSS file yet: make one (a %%page style.css cell), link it inside <head> with <link rel=\"stylesheet\" href=\"style.css\">, and write the rule for this element there.",
    "style.hint.linked": "Check the rule in {files}: its selector must match this element and the property must be spelled right.",
    "style.hint.unlinked": "Link {file} inside <head> of {page} with <link rel=\"stylesheet\" href=\"{file}\">, and check that the selector of your rule matches this element.",
    # steps of a check
    "step.nth": "{step} (number {n} of {times})",
    # ready checks for problems a beginner cannot see
    "valid_html.name": "The tags of {page} are closed properly",
    "valid_html.expected": "every tag closed, in the right order",
    "valid_html.hint": "Close every tag you open, the inner ones first: <p>Some <b>bold</b> text</p>.",
    "scripts_loaded.name": "{page} loads its scripts",
    "scripts_loaded.expected": "every script file loaded by the page, and every <script src> naming a file that exists",
    "scripts_loaded.hint": "Load each script with <script src=\"app.js\"></script> just before </body>, with the file's exact name.",
    "files_exist.name": "Every file that {page} names exists",
    "files_exist.expected": "every src, href and url() naming a file of your work, with the same capital letters",
    "files_exist.hint": "Compare each file name with the real one, letter by letter: capital letters count.",
    "problems.found": "{problems}",
    # feedback branch: the feedback page a learner reads (feedback.py)
    "feedback.title": "Feedback: {notebook}",
    "feedback.total": "Your score: {score:g} of {points:g} points",
    "feedback.late": "Late submission: {points:g} points taken off",
    "feedback.summary": "Your checks",
    "feedback.points": "{score:g} of {points:g} points",
    "feedback.your_file": "Your file {file}",
    "feedback.your_answer": "Your answer",
    "feedback.check_cell": "Check",
    "feedback.hidden_code": "The code of this check is hidden. Its result is shown below.",
    "screenshot.size": "The page at {width} × {height} pixels, as the check saw it.",
    "screenshot.marked": "The red frame marks {selector}, what this check looked at.",
    "screenshot.missing": "Nothing on the page matches {selector}, so nothing is marked in the picture.",
    "screenshot.no_size": "{selector} is on the page but takes no space (hidden or empty), so it cannot be marked.",
    "report.title": "Your progress, {student}",
    "report.not_submitted": "not handed in yet",
    "report.all_passed": "Every check passed. Well done!",
    "report.to_fix": "What to fix next",
    "report.feedback_link": "The whole feedback on {notebook}",
    # notebook branch: the learner's own kernel (self-check summary, Validate, restarts, page files on disk)
    "selfcheck.title": "Your self-check",
    "selfcheck.count": "{passed} of {total} checks pass",
    "selfcheck.hidden.one": "1 more check runs when your work is graded",
    "selfcheck.hidden.many": "{n} more checks run when your work is graded",
    "selfcheck.not_run.one": "1 check has not run yet: run all cells (Run > Run All Cells).",
    "selfcheck.not_run.many": "{n} checks have not run yet: run all cells (Run > Run All Cells).",
    "selfcheck.none": "No check has run yet: run all cells (Run > Run All Cells).",
    "selfcheck.all_pass": "Every check you can see passes.",
    "selfcheck.to_fix": "Not yet:",
    "validate.passed": "Success! Every check you can see passes.",
    "validate.failed.one": "1 check does not pass yet. If you submit your work as it is, you will not get full points.",
    "validate.failed.many": "{n} checks do not pass yet. If you submit your work as it is, you will not get full points.",
    "restart.no_page": "Run the cells that start with %%page first: this kernel has not run {entry}'s cell since it started.",
    "restart.no_page.hint": "After a restart the kernel knows none of your page cells: use Run > Run All Cells, or run each %%page cell, then this check.",
    "restart.stale": "These page cells were changed and not run, so this check uses their old version: {cells}. Run them, then check again.",
    "write.link": "{name} was not saved as a file: {path} is a link to {target}, and webgrader writes only real files inside your notebook's folder. Delete or rename the link, then run this cell again. Your checks still use this cell.",
    "write.not_a_folder": "{name} was not saved as a file: {path} is not a folder. Rename it, then run this cell again. Your checks still use this cell.",
    "write.failed": "{name} was not saved as a file ({error}). Your checks still use this cell.",
    # labext: the page preview where webgrader's JupyterLab extension is not there to show it
    "preview.fallback": "Preview of {entry} (page files: {files}). Open this notebook in JupyterLab with webgrader installed to see the page.",
    # service branch: the grading service's pages (webgrader serve), read by learners
    "service.title": "Hand in your work",
    "service.signin.title": "Sign in",
    "service.signin.intro": "Paste the sign-in code your instructor gave you.",
    "service.signin.label": "Sign-in code",
    "service.signin.button": "Sign in",
    "service.signin.wrong": "That sign-in code is not known here. Check that you pasted all of it (no space before or after); if it still does not work, ask your instructor for a new one.",
    "service.signin.needed": "Please sign in first.",
    "service.signed_in_as": "Signed in as {user}.",
    "service.signout": "Sign out",
    "service.upload.intro": "Pick the assignment, then choose the notebook file (.ipynb) you worked on and press Hand in. It is graded at once.",
    "service.upload.assignment": "Assignment",
    "service.upload.file": "Your notebook (.ipynb, at most {limit:g} MB)",
    "service.upload.button": "Hand in",
    "service.upload.none": "There is no assignment to hand in yet. Ask your instructor when the first one opens.",
    "service.list.title": "What you handed in",
    "service.list.empty": "You have not handed in anything yet.",
    "service.list.all": "Every submission (you are an instructor)",
    "service.list.when": "Handed in",
    "service.list.status": "Status",
    "service.list.learner": "Learner",
    "service.status.queued": "Waiting for its turn to be graded.",
    "service.status.grading": "Being graded now.",
    "service.status.graded": "Graded: {score:g} of {max_score:g} points.",
    "service.status.failed": "Not graded.",
    "service.status.not_graded": "Your work was received, but it could not be graded. Your instructor can see why and will help. You can also fetch the assignment again, copy your work into the new notebook and hand it in again.",
    "service.status.too_slow": "Your work was received, but grading it took more than {seconds:g} seconds, so it was stopped. Look for a loop that never ends in your JavaScript, fix it and hand in again.",
    "service.status.refresh": "This page reloads by itself every {seconds} seconds until grading is done.",
    "service.status.late": "It was handed in {late} after the due date and is marked late; the course's rules for late work apply.",
    "service.feedback.link": "Read your feedback: {notebook}",
    "service.back": "Back to your submissions",
    "service.accepted": "Received and stored safely. It is graded now.",
    "service.refused.title": "Not handed in",
    "service.refused.no_assignment": "Choose the assignment you are handing in, then press Hand in again.",
    "service.refused.unknown_assignment": "There is no assignment called “{assignment}” here. Choose one of: {known}.",
    "service.refused.no_file": "No file arrived. Choose your notebook file (it ends in .ipynb) and press Hand in again.",
    "service.refused.too_big": "Your notebook is {size:.1f} MB; at most {limit:g} MB are accepted. It is mostly outputs: in JupyterLab use Edit > Clear Outputs of All Cells, save, and hand in the file again.",
    "service.refused.which_notebook": "This assignment has several notebooks: {names}. Hand in one of them with its name unchanged.",
    "service.refused.not_ipynb": "“{filename}” is not a notebook. Choose the file that ends in .ipynb (in JupyterLab: right-click the notebook, Download).",
    "service.refused.not_notebook": "“{filename}” is not a notebook that Jupyter can open: it may be cut off or damaged. Open it in JupyterLab, save it, and hand it in again; or fetch the assignment again and copy your work into it.",
    "service.refused.other_notebook": "“{filename}” is not the notebook of {assignment}: most of its graded cells belong to another assignment. Check that you chose the right file and the right assignment.",
    "service.refused.late": "The due date ({due}) has passed and this course does not accept late work. Talk to your instructor.",
    "service.refused.busy": "The service is busy; nothing was stored. Wait a minute and hand it in again.",
    "service.not_found": "There is nothing here (or it is not yours). Go back to your submissions.",
    "service.refused.bad_name": "Your user name “{name}” cannot be used for handing in (only letters, digits and . _ - @ + are). Ask your instructor to give you a sign-in with a plain name.",
    # service pages in each learner's own language: the language switch (its name for screen readers), how late
    "service.language": "Language",
    "service.late.hours": "{hours} h {minutes} min",
    "service.late.minutes": "{minutes} min",
}

def language() -> str:
    """The learner's language for the submission at hand ("en", "sv", "uk", ...)."""
    return _language.current()


def languages() -> list[str]:
    """English and every language with a catalog in locale/."""
    return ["en", *sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))]


@lru_cache(maxsize=16)
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of `lang`: locale/LANG/LC_MESSAGES/webgrader.mo, compiled at install
    (setup.py, scripts/setup.sh). Where it is missing or older than its .po (a fresh clone, a
    .po just edited), the .po is compiled in memory, so the grader never speaks an old catalog."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if lang == "en" or not po.is_file():
        return gettext.NullTranslations()
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with open(mo, "rb") as f:
            return gettext.GNUTranslations(f)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as f:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(f, locale=lang))  # fuzzy entries left out, as pybabel compile does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def t(key: str, **values) -> str:
    """The sentence for `key` in the learner's language, filled with `values`."""
    english = EN[key]
    lang = language()
    template = catalog(lang).pgettext(key, english) if lang != "en" else english
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a translation with a broken placeholder: English
        return english.format(**values)


def localise(text):
    """An instructor's own text in the learner's language: a plain string as it is, a dict
    {"en": ..., "sv": ..., "uk": ...} by language, English where hers is missing."""
    if not isinstance(text, dict):
        return text
    by_language = {_language.normalise(k) or k: v for k, v in text.items()}
    for lang in (language(), "en"):
        if by_language.get(lang):
            return by_language[lang]
    return next((v for v in text.values() if v), "")
