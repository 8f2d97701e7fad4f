"""The service's options, read from the course's nbgrader_config.py like every other option.

    c.WebGraderService.port = 8765
    c.WebGraderService.db_url = "postgresql://grader@127.0.0.1/webgrader"
"""
from __future__ import annotations

from pathlib import Path

from traitlets import Bool, Float, Integer, List, Unicode
from traitlets.config import Configurable


class WebGraderService(Configurable):
    ip = Unicode("127.0.0.1", help="Address the service listens on. Behind JupyterHub it is the address in the service's url.").tag(config=True)
    port = Integer(8765, help="Port the service listens on (0: any free port, printed at start).").tag(config=True)
    base_url = Unicode("/", help="Path prefix of every page of the service, e.g. /services/webgrader/ behind JupyterHub (set from JUPYTERHUB_SERVICE_PREFIX when the hub starts the service).").tag(config=True)
    data_dir = Unicode("service", help="Folder, relative to the course folder (or absolute), where the service keeps accepted submissions, their feedback and (by default) its database.").tag(config=True)
    db_url = Unicode("", help="SQLAlchemy URL of the service's database (accepted submissions and their grading status). Empty: an SQLite file in data_dir. For PostgreSQL: postgresql+psycopg://user@host/dbname (pip install 'webgrader[postgres]').").tag(config=True)
    workers = Integer(2, help="Grading worker processes kept warm, each with its own browser (about 0.4 GB each). One per CPU core is a good start.").tag(config=True)
    max_upload_mb = Float(10.0, help="Largest notebook, in MB, that a learner may upload; a bigger one is refused with a message saying how to make it smaller.").tag(config=True)
    accept_late = Bool(True, help="Accept submissions after an assignment's due date (nbgrader's own behaviour: they are marked late and nbgrader's late-submission plugin decides the penalty). False: refuse them with a message.").tag(config=True)
    auth = Unicode("tokens", help="How learners sign in: 'tokens' (standalone, `webgrader tokens add NAME` issues one per learner) or 'hub' (a JupyterHub-managed service; the hub says who is calling).").tag(config=True)
    learner_group = Unicode("learners", help="With auth='hub': the hub group whose members may submit.").tag(config=True)
    instructor_group = Unicode("instructors", help="With auth='hub': the hub group whose members see every submission.").tag(config=True)
    instructors = List(Unicode(), help="Names of users who see every submission, in addition to the instructor group (hub) or instructor tokens.").tag(config=True)
    refresh_seconds = Integer(3, help="Seconds between automatic reloads of a learner's page while her submission is queued or being graded.").tag(config=True)
    grading_timeout = Float(300.0, help="Seconds one submission may spend in a worker (grading and feedback) before it is marked failed and its worker replaced.").tag(config=True)

    def data_path(self, course_root: Path) -> Path:
        path = Path(self.data_dir)
        return path if path.is_absolute() else Path(course_root) / path

    def database_url(self, course_root: Path) -> str:
        return self.db_url or f"sqlite:///{self.data_path(course_root) / 'service.db'}"
