"""The whole cycle, with real nbgrader commands: release, submit, collect, autograde,
feedback, export; every sample submission gets exactly its recorded score."""
import base64
import re

import nbformat
import pytest


def test_the_sample_class_has_at_least_twelve_learners_per_assignment(graded_class):
    per_assignment = {}
    for sub in graded_class.submissions:
        if not sub.student.startswith("zz-"):
            per_assignment.setdefault(sub.assignment, []).append(sub)
    assert set(per_assignment) == {"profile-page", "click-counter"}
    for subs in per_assignment.values():
        assert len(subs) >= 12
        assert all(s.expected_score is not None for s in subs), "every sample submission needs a recorded score"


def test_every_sample_submission_gets_exactly_its_recorded_score_and_fails_the_recorded_checks(graded_class):
    wrong = []
    for sub in graded_class.submissions:
        if sub.expected_score is None:
            continue
        score, top = graded_class.scores[(sub.student, sub.assignment)]
        failed = sorted(cell for cell, (got, most) in graded_class.check_scores[(sub.student, sub.assignment)].items()
                        if cell.startswith("check_") and got < most)
        if (score, top) != (sub.expected_score, sub.max_score) or failed != sorted(sub.failed_checks):
            wrong.append(f"{sub.assignment}/{sub.student}: got {score}/{top} failing {failed}, "
                         f"recorded {sub.expected_score}/{sub.max_score} failing {sorted(sub.failed_checks)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("assignment, top", [("profile-page", 9), ("click-counter", 8)])
def test_the_solution_gets_full_marks_and_the_untouched_release_gets_zero(graded_class, assignment, top):
    assert graded_class.scores[("zz-solution", assignment)] == (top, top)
    assert graded_class.scores[("zz-untouched", assignment)] == (0, top)


def _autograded(graded_class, student, assignment):
    folder = graded_class.course.root / "autograded" / student / assignment
    return nbformat.read(next(folder.glob("*.ipynb")), as_version=4)


def _learner_with(graded_class, assignment, words):
    for sub in graded_class.submissions:
        if sub.assignment == assignment and re.search(words, sub.what_goes_wrong, re.I):
            return sub
    pytest.fail(f"the sample class has no {assignment} learner whose mistake matches {words!r}")


def test_an_infinite_loop_is_stopped_by_webgraders_limits_not_nbgraders_cell_timeout(graded_class):
    sub = _learner_with(graded_class, "click-counter", r"infinite loop at load|loop at load")
    nb = _autograded(graded_class, sub.student, sub.assignment)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and all(o.ename == "CheckFailed" for o in errors), [o.ename for o in errors]
    text = str(nb)
    assert "did not finish loading" in text
    # the learner graded right after this one (alphabetically) is graded normally: covered by the
    # recorded-score test; here, make sure nobody's cell hit nbgrader's own timeout
    for sub in graded_class.submissions:
        assert "CellTimeoutError" not in str(_autograded(graded_class, sub.student, sub.assignment))


def test_a_learner_who_deleted_the_page_cell_gets_no_points_for_that_pages_checks(graded_class):
    sub = next(s for s in graded_class.submissions if "index.html" in s.deleted)
    checks = graded_class.check_scores[(sub.student, sub.assignment)]
    assert all(got == 0 for cell, (got, _) in checks.items() if cell.startswith("check_"))
    assert "There is no file called index.html" in str(_autograded(graded_class, sub.student, sub.assignment))


def test_feedback_of_a_failing_learner_shows_the_plain_message_and_a_screenshot(graded_class):
    sub = _learner_with(graded_class, "profile-page", r"alt")
    page = graded_class.course.root / "feedback" / sub.student / sub.assignment / "profile.html"
    html = page.read_text(encoding="utf-8")
    assert "Every image has an alt text that describes it" in html
    assert "Hint:" in html and "Expected:" in html and "Found:" in html
    shots = re.findall(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", html)
    assert shots and base64.b64decode(shots[0])[:2] == b"\xff\xd8"  # a real JPEG
    assert "site-packages" not in html and 'File "/' not in html  # the message, not Python internals


def test_grades_are_exported_to_csv_for_every_learner_and_assignment(graded_class):
    rows = graded_class.course.read_export(graded_class.grades_csv)
    got = {(r["student_id"], r["assignment"]): float(r["score"]) for r in rows}
    assert got == {key: score for key, (score, _) in graded_class.scores.items()}
    assert len(got) == len(graded_class.submissions)


def test_every_learner_has_a_feedback_page(graded_class):
    expected = {(s.student, s.assignment) for s in graded_class.submissions}
    assert {(p.parts[-3], p.parts[-2]) for p in graded_class.feedback} == expected
