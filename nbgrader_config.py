"""Configuration of the webgrader course: nbgrader's settings and webgrader's, in one place."""
c = get_config()  # noqa: F821  (provided by traitlets)

c.CourseDirectory.course_id = "webdev"

# Page files that %%page cells write next to a notebook must never travel with it:
# into release/ they would leak the solution, and over a submission during autograde
# they would hand a learner who deleted a page cell full marks. Grading reads page
# files only from the notebook's cells. Images and data files still travel.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
    "*.html", "*.htm", "*.css", "*.js", "*.mjs",
]

# Solutions inside page cells become stubs in the page's own language.
from nbgrader.preprocessors import (  # noqa: E402
    CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput, ComputeChecksums,
    IncludeHeaderFooter, InstantiateTests, LockCells, SaveCells,
)
from webgrader.preprocessors import ClearPageSolutions, SelfCheckCell  # noqa: E402

# SelfCheckCell records how many checks are hidden (before ClearHiddenTests removes them) and
# ends each released notebook with a read-only self-check summary cell.
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter, InstantiateTests, SelfCheckCell, LockCells, ClearPageSolutions, ClearOutput,
    CheckCellMetadata, ComputeChecksums, SaveCells, ClearHiddenTests, ClearMarkScheme,
    ComputeChecksums, CheckCellMetadata,
]

# An assignment that asks only for pages is graded without running any of the learner's Python:
# nbgrader's own sanitizing, then the learner's code cells that are not page cells are emptied
# (the feedback says so). Assignments that ask for Python are left as they are.
from nbgrader.preprocessors import DeduplicateIds, OverwriteCells, OverwriteKernelspec  # noqa: E402
from webgrader.preprocessors import IgnoreLearnerPython  # noqa: E402

c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, IgnoreLearnerPython, CheckCellMetadata,
]
# Validate (command and JupyterLab button) in the learner's words: each failing check's expected,
# found and hint, and how many hidden checks run when the work is graded.
from webgrader.validation import speak_plainly  # noqa: E402

speak_plainly()

# The learner's language travels with her autograded notebook (metadata.webgrader.language),
# for her feedback: nbgrader's autograde clears all other notebook metadata.
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {("language_info", "name"), ("webgrader", "language")}

# Learners' languages: "en" (default), "sv" or "uk". A whole class, and learner by learner
# (a learner's notebook metadata {"webgrader": {"language": "uk"}} counts when she is not listed):
# c.WebGrader.language = "sv"
# c.WebGrader.student_languages = {"olena": "uk", "anna": "sv"}

# nbgrader stops a cell after this many seconds; webgrader's own limits stay well below.
c.Execute.timeout = 30

# webgrader's limits (seconds); see `webgrader config` for every option.
c.WebGrader.load_timeout = 3.0
c.WebGrader.check_timeout = 4.0

# Learners' feedback pages: webgrader's own (small, for phones, nothing loaded from outside,
# a summary naming every check, page files highlighted in their language) and never the
# code of hidden tests, which nbgrader's HTML feedback shows (jupyter/nbgrader#917).
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.exporter_class = "webgrader.feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [GetGrades]
