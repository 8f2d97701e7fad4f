"""nbgrader preprocessors for notebooks with page cells."""
from .clear_page_solutions import ClearPageSolutions
from .ignore_learner_python import IgnoreLearnerPython
from .self_check_cell import SelfCheckCell

__all__ = ["ClearPageSolutions", "IgnoreLearnerPython", "SelfCheckCell"]
