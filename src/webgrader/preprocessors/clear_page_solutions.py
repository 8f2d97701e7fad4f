"""nbgrader's ClearSolutions, but a `%%page` cell gets a stub in its file's own language.

nbgrader's markers are language-blind: in an HTML cell it would leave Python
(`raise NotImplementedError()`) inside the learner's page. Here the solution between
<!-- BEGIN SOLUTION --> and <!-- END SOLUTION --> (or /* */ and // in CSS and JS)
becomes <!-- YOUR CODE HERE -->, and the `%%page` line and starter code stay.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from nbgrader.preprocessors import ClearSolutions
from traitlets import Dict

from ..pages import MAGIC_RE


class ClearPageSolutions(ClearSolutions):
    page_stubs = Dict(
        {".html": "<!-- YOUR CODE HERE -->", ".htm": "<!-- YOUR CODE HERE -->",
         ".css": "/* YOUR CODE HERE */", ".js": "// YOUR CODE HERE", ".mjs": "// YOUR CODE HERE"},
        help="The stub that replaces a solution in a %%page cell, by the file's extension.",
    ).tag(config=True)

    def _page_stub(self, cell) -> str | None:
        if cell.cell_type != "code":
            return None
        match = MAGIC_RE.match(cell.source.split("\n", 1)[0])
        if not match:
            return None
        return self.page_stubs.get(PurePosixPath(match.group(1)).suffix.lower(), "<!-- YOUR CODE HERE -->")

    def _replace_solution_region(self, cell, language):
        stub = self._page_stub(cell)
        if stub is None:
            return super()._replace_solution_region(cell, language)
        saved = self.code_stub
        self.code_stub = {**saved, language: stub}
        try:
            replaced = super()._replace_solution_region(cell, language)
        finally:
            self.code_stub = saved
        if not replaced and cell.metadata.get("nbgrader", {}).get("solution"):
            # A page solution cell without markers would lose its %%page line: keep it.
            magic = cell.source.split("\n", 1)[0]
            cell.source = f"{magic}\n{stub}"
            return True
        return replaced
