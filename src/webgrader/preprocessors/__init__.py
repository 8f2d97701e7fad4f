"""nbgrader preprocessors for notebooks with page cells."""
from .clear_page_solutions import ClearPageSolutions
from .ignore_learner_python import IgnoreLearnerPython

__all__ = ["ClearPageSolutions", "IgnoreLearnerPython"]
