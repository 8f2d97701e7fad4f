"""nbgrader preprocessors for notebooks with page cells."""
from .clear_page_solutions import ClearPageSolutions

__all__ = ["ClearPageSolutions"]
