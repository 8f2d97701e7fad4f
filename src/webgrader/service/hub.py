"""A JupyterHub for the course, configured in one call from `jupyterhub_config.py`.

    from webgrader.service.hub import configure
    configure(c, course="/srv/webdev", learners=["olena", "daria"], instructors=["anna"])

It registers `webgrader serve` as a hub-managed service (hub sign-in, hub groups as roles),
gives users and their servers the scope to call it, puts learners and instructors in their hub
groups, and sets each user's server up for her role through the environment only (no file in
her home is written, so it works with any spawner, on one machine or on Kubernetes):

- `JUPYTER_CONFIG_PATH` points at a role folder (written by `write_role_folders`): for learners
  an nbgrader_config.py whose exchange is the service and whose student id is the hub user,
  and JupyterLab/server settings that hide nbgrader's instructor tools; for instructors the
  course's own nbgrader_config.py, formgrader on;
- `WEBGRADER_SERVICE_URL` says where the service is; `WEBGRADER_COURSE` where the course is.

An instructor's server starts in the course folder, so formgrader finds it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

SERVICE = "webgrader"

LEARNER_NBGRADER_CONFIG = '''\
"""A learner's nbgrader on the course's hub: written by webgrader.service.hub, do not edit."""
import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
# Every learner's server runs as its own hub user: her id is the hub's name for her, so two
# learners never hand in under one name (nbgrader alone cannot tell them apart on one OS user).
c.CourseDirectory.student_id = os.environ.get("JUPYTERHUB_USER", "")
# The exchange is the grading service (webgrader serve), over HTTP: no shared folder.
c.ExchangeFactory.fetch_assignment = "webgrader.service.exchange.FetchAssignment"
c.ExchangeFactory.submit = "webgrader.service.exchange.Submit"
c.ExchangeFactory.fetch_feedback = "webgrader.service.exchange.FetchFeedback"
c.ExchangeFactory.list = "webgrader.service.exchange.List"
c.WebGraderExchange.url = os.environ.get("WEBGRADER_SERVICE_URL", "")
# Validate in the learner's words, as the course grades.
from webgrader.validation import speak_plainly  # noqa: E402

speak_plainly()
'''

INSTRUCTOR_NBGRADER_CONFIG = '''\
"""An instructor's nbgrader on the course's hub: written by webgrader.service.hub, do not edit."""
import os

c = get_config()  # noqa: F821
course = os.environ.get("WEBGRADER_COURSE", {course!r})
load_subconfig(os.path.join(course, "nbgrader_config.py"))  # noqa: F821  (the course's own settings)
c.CourseDirectory.root = course
# Formgrader insists on a writable exchange folder, though the service is the exchange.
c.Exchange.root = os.path.join(course, "service", "nbgrader-exchange")
os.makedirs(c.Exchange.root, exist_ok=True)
# The grading service already releases, collects and releases feedback: nothing to move.
c.ExchangeFactory.release_assignment = "webgrader.service.exchange.ReleaseAssignment"
c.ExchangeFactory.collect = "webgrader.service.exchange.Collect"
c.ExchangeFactory.release_feedback = "webgrader.service.exchange.ReleaseFeedback"
'''

def write_role_folders(dest: Path, course: Path, course_id: str) -> dict[str, Path]:
    """`dest/learner` and `dest/instructor`: Jupyter configuration folders, one per role."""
    from ..labsetup import write_lab_setup

    folders = {}
    for role, text in (("learner", LEARNER_NBGRADER_CONFIG), ("instructor", INSTRUCTOR_NBGRADER_CONFIG)):
        folder = Path(dest) / role
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "nbgrader_config.py").write_text(text.format(course_id=course_id, course=str(course)))
        write_lab_setup(folder, role)
        if role == "instructor":
            _frame_formgrader(folder / "jupyter_server_config.json")
        folders[role] = folder
    return folders


def _frame_formgrader(server_config: Path) -> None:
    """JupyterHub forbids framing users' servers (frame-ancestors 'none'), and nbgrader's
    Formgrader is a frame inside JupyterLab: the instructor's own server may frame itself."""
    import json

    data = json.loads(server_config.read_text())
    headers = data.setdefault("ServerApp", {}).setdefault("tornado_settings", {}).setdefault("headers", {})
    headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    server_config.write_text(json.dumps(data, indent=2) + "\n")


def _course_id(course: Path) -> str:
    from ..settings import load_course_config

    return str(load_course_config(course / "nbgrader_config.py").CourseDirectory.course_id or "course")


def _set(section, name: str, default):
    """What an earlier line of the hub's config set (not traitlets' placeholder for unset)."""
    return section[name] if name in section else default


def configure(c, course, learners=(), instructors=(), *, service_port: int = 8765, workers: int = 2,
              roles_dir=None, service_url: str | None = None, listen_ip: str | None = None,
              python: str = sys.executable) -> None:
    """Set up JupyterHub config `c` for the course in folder `course`.

    learners, instructors: hub user names put into the `learners` and `instructors` groups
    (more can be added in the hub's admin page). service_url: where users' servers reach the
    service (default: on this machine; on Kubernetes the hub's in-cluster address, for example
    http://hub:8765/services/webgrader/). listen_ip: where the service listens, if not at its
    url's host (0.0.0.0 in a hub pod).
    """
    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise ValueError(f"{course} is not a course folder (no nbgrader_config.py)")
    roles = write_role_folders(Path(roles_dir or course / "service" / "hub-roles"), course, _course_id(course))
    prefix = f"/services/{SERVICE}/"
    service_url = service_url or f"http://127.0.0.1:{service_port}{prefix}"
    bin_dir = str(Path(python).parent)

    c.JupyterHub.services = [s for s in _set(c.JupyterHub, "services", []) if s.get("name") != SERVICE] + [{
        "name": SERVICE,
        "url": f"http://{urlparse(service_url).hostname}:{service_port}",
        "command": [python, "-m", "webgrader.cli", "serve", "--course", str(course), "--auth", "hub",
                    "--workers", str(workers)] + (["--ip", listen_ip] if listen_ip else []),
        "cwd": str(course),
        # nbgrader runs `alembic` as a program: the environment's bin must be on PATH.
        "environment": {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"},
        "oauth_no_confirm": True,
        "display": True,
    }]
    access = f"access:services!service={SERVICE}"
    c.JupyterHub.load_roles = [r for r in _set(c.JupyterHub, "load_roles", []) if r.get("name") not in ("user", "server")] + [
        # A learner signs in to the service through the hub (her browser) ...
        {"name": "user", "scopes": ["self", access]},
        # ... and her server's nbgrader hands in with the server's token (the exchange).
        {"name": "server", "scopes": ["users:activity!user", "access:servers!server", access]},
    ]
    groups = dict(_set(c.JupyterHub, "load_groups", {}))
    for group, names in (("learners", learners), ("instructors", instructors)):
        known = groups.get(group, {})
        known = {"users": list(known)} if isinstance(known, list) else dict(known)
        known["users"] = sorted(set(known.get("users", [])) | set(names))
        groups[group] = known
    c.JupyterHub.load_groups = groups
    allowed = set(_set(c.Authenticator, "allowed_users", set()))
    c.Authenticator.allowed_users = allowed | set(learners) | set(instructors)
    c.Spawner.default_url = "/lab"

    previous_hook = _set(c.Spawner, "pre_spawn_hook", None)

    def pre_spawn_hook(spawner):
        if previous_hook:
            previous_hook(spawner)
        group_names = {g.name for g in spawner.user.groups}
        instructor = "instructors" in group_names or spawner.user.admin
        role = "instructor" if instructor else "learner"
        spawner.environment.update({
            "JUPYTER_CONFIG_PATH": str(roles[role]),
            "WEBGRADER_SERVICE_URL": service_url,
            "WEBGRADER_COURSE": str(course),
            "PATH": f"{bin_dir}{os.pathsep}{spawner.environment.get('PATH', os.environ.get('PATH', '/usr/bin:/bin'))}",
        })
        if instructor:
            spawner.notebook_dir = str(course)

    c.Spawner.pre_spawn_hook = pre_spawn_hook


# `make hub`: the try-out hub's folder, made once (scripts/hub.sh, deploy/jupyterhub_config.py).
SAMPLE_LEARNERS = ("olena", "daria", "iryna")
SAMPLE_INSTRUCTORS = ("anna",)


def prepare_tryout(hub_dir: Path, repo: Path) -> dict:
    """A copy of the repository's course (assignments generated) and sample accounts, if not there
    yet; returns the accounts: {"learners": {name: password}, "instructors": {...}}."""
    import json
    import secrets

    from ..course import Course

    hub_dir = Path(hub_dir)
    course = hub_dir / "course"
    if not (course / "gradebook.db").is_file():
        import shutil

        shutil.rmtree(course, ignore_errors=True)
        made = Course.copy_of(Path(repo), course)
        for assignment in sorted(p.name for p in (course / "source").iterdir() if p.is_dir()):
            made.nbgrader("generate_assignment", assignment, "--force")
    accounts_file = hub_dir / "accounts.json"
    if not accounts_file.is_file():
        accounts = {role: {name: secrets.token_urlsafe(6) for name in names}
                    for role, names in (("learners", SAMPLE_LEARNERS), ("instructors", SAMPLE_INSTRUCTORS))}
        accounts_file.write_text(json.dumps(accounts, indent=2) + "\n")
        accounts_file.chmod(0o600)
    return json.loads(accounts_file.read_text())


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m webgrader.service.hub")
    parser.add_argument("action", choices=["prepare"])
    parser.add_argument("hub_dir")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--repo", default=".", help="the repository whose course is copied (default: here)")
    args = parser.parse_args(argv)
    print("Preparing the hub's course and accounts (the first time takes a minute) ...", flush=True)
    accounts = prepare_tryout(Path(args.hub_dir), Path(args.repo))
    print(f"\nThe course's hub:    http://127.0.0.1:{args.port}/")
    print(f"Grading service:     http://127.0.0.1:{args.port}/services/{SERVICE}/   (upload page)")
    print("Sign in as (user name, password):")
    for role, label in (("learners", "learner"), ("instructors", "instructor: Formgrader in the Nbgrader menu")):
        for name, password in accounts[role].items():
            print(f"  {name:8} {password:10} {label}")
    print(f"Work, submissions and the hub's state stay in {args.hub_dir}; stop with Ctrl-C.\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
