"""Load webgrader in every learner kernel, so that a check cell run first after a restart works.

Put this line in the learner environment's IPython kernel configuration, for example
`<venv>/etc/ipython/ipython_kernel_config.py` or `/etc/ipython/ipython_kernel_config.py`:

    c.InteractiveShellApp.extensions = ["webgrader.autoload"]

It installs what `%load_ext webgrader` installs and defines `open_page`, so a check cell run
before the set-up cell says in one sentence which cells to run, instead of a raw NameError.
Its own module name keeps the notebook's `%load_ext webgrader` quiet (no "already loaded").
"""
from __future__ import annotations


def load_ipython_extension(shell) -> None:
    from .harness import open_page
    from .magics import install
    from .selfcheck import self_check

    install(shell)
    shell.user_ns.setdefault("open_page", open_page)
    shell.user_ns.setdefault("self_check", self_check)
