"""webgrader: grade web pages that learners write in Jupyter notebooks, in a real browser.

In a notebook:  %load_ext webgrader   then   %%page index.html   in page cells,
and in test cells:  page = await open_page("index.html"); await page.expect_text("h1", not_empty=True)
"""
from .harness import open_page
from .results import CheckFailed, CheckResult
from .selfcheck import self_check

__all__ = ["open_page", "CheckResult", "CheckFailed", "self_check", "load_ipython_extension"]
__version__ = "0.1.0"


def load_ipython_extension(shell):
    from .magics import install

    install(shell)
