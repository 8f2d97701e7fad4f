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
from webgrader.preprocessors import ClearPageSolutions  # noqa: E402

c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter, InstantiateTests, LockCells, ClearPageSolutions, ClearOutput,
    CheckCellMetadata, ComputeChecksums, SaveCells, ClearHiddenTests, ClearMarkScheme,
    ComputeChecksums, CheckCellMetadata,
]

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
