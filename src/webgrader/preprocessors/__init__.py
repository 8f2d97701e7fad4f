"""nbgrader preprocessors for notebooks with page cells."""
from .clear_page_solutions import ClearPageSolutions
from .self_check_cell import SelfCheckCell

__all__ = ["ClearPageSolutions", "SelfCheckCell"]
