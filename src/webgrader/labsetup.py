"""Who sees which nbgrader tools in JupyterLab: learners get the assignment list and
Validate, instructors also Formgrader, Create Assignment and the course list.

`webgrader lab-setup learner` writes, in a Jupyter configuration folder (the user's
~/.jupyter by default; /etc/jupyter for every user of a machine or image):

- labconfig/page_config.json: nbgrader's instructor plugins disabled in JupyterLab (what
  `jupyter labextension disable PLUGIN` writes), so their menus and panels are not shown;
- jupyter_server_config.json: nbgrader's formgrader and course-list server extensions off,
  so their pages are not served either.

`webgrader lab-setup instructor` turns them on again in the same folder. Other settings in
those files are kept.
"""
from __future__ import annotations

import json
from pathlib import Path

# Plugin ids of nbgrader 0.9's JupyterLab extension (@jupyter/nbgrader), read from its build.
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)


def _update_json(path: Path, update) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    update(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_lab_setup(config_dir: Path, role: str) -> list[Path]:
    """Set up `config_dir` for `role` ("learner" or "instructor"); returns the files written."""
    if role not in ("learner", "instructor"):
        raise ValueError(f"role must be 'learner' or 'instructor', not {role!r}")
    learner = role == "learner"
    config_dir = Path(config_dir)
    page_config = config_dir / "labconfig" / "page_config.json"
    server_config = config_dir / "jupyter_server_config.json"

    def plugins(data):
        disabled = data.setdefault("disabledExtensions", {})
        for plugin in INSTRUCTOR_PLUGINS:
            if learner:
                disabled[plugin] = True
            else:
                disabled.pop(plugin, None)

    def server(data):
        extensions = data.setdefault("ServerApp", {}).setdefault("jpserver_extensions", {})
        for name in INSTRUCTOR_SERVER_EXTENSIONS:
            extensions[name] = not learner

    _update_json(page_config, plugins)
    _update_json(server_config, server)
    return [page_config, server_config]
