"""The course's JupyterHub on one machine, for trying the whole product: `make hub`.

Everything the course needs comes from one call, `webgrader.service.hub.configure` (the grading
service, the learners' and instructors' groups, each user's nbgrader set up for her role); the
same call goes into a real hub's config (README: The Littlest JupyterHub, Zero to JupyterHub).
What is local to this try-out is below it: sample accounts with their own passwords, every
user's server a process on this machine with a home folder under the hub's folder, and
everything bound to 127.0.0.1.

Environment (set by scripts/hub.sh, and by the end-to-end test):
  WEBGRADER_HUB_DIR   the hub's own folder: its database, the course, the users' homes
  WEBGRADER_HUB_PORT  the hub's port on 127.0.0.1 (8000)
  WEBGRADER_HUB_SERVICE_PORT, WEBGRADER_HUB_PROXY_API_PORT, WEBGRADER_HUB_API_PORT
"""
import os
import secrets
import sys
from pathlib import Path

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Dict

from webgrader.service.hub import configure, prepare_tryout

c = get_config()  # noqa: F821

HUB_DIR = Path(os.environ.get("WEBGRADER_HUB_DIR", Path(__file__).resolve().parents[1] / ".hub")).resolve()
COURSE = HUB_DIR / "course"
port = lambda name, default: int(os.environ.get(name, default))  # noqa: E731


class SampleAccounts(Authenticator):
    """Sign-in with the passwords in HUB_DIR/accounts.json (made at first start). Only for trying it out."""

    passwords = Dict(help="user name -> password").tag(config=True)

    async def authenticate(self, handler, data):
        name = (data.get("username") or "").strip().lower()
        expected = self.passwords.get(name)
        if expected and secrets.compare_digest(expected, data.get("password") or ""):
            return name
        return None


accounts = prepare_tryout(HUB_DIR, Path(__file__).resolve().parents[1])  # made once; scripts/hub.sh prints them
c.JupyterHub.authenticator_class = SampleAccounts
c.SampleAccounts.passwords = {**accounts["learners"], **accounts["instructors"]}

configure(c, COURSE, learners=list(accounts["learners"]), instructors=list(accounts["instructors"]),
          service_port=port("WEBGRADER_HUB_SERVICE_PORT", 8765), roles_dir=HUB_DIR / "roles", workers=1)

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = port("WEBGRADER_HUB_PORT", 8000)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port("WEBGRADER_HUB_API_PORT", 8081)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port('WEBGRADER_HUB_PROXY_API_PORT', 8001)}"
proxy = Path(sys.prefix) / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
if proxy.exists():  # scripts/setup.sh installs it there; otherwise the one on PATH
    c.ConfigurableHTTPProxy.command = [str(proxy)]
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "proxy.pid")
c.JupyterHub.cleanup_servers = True

# Every user's server is a process here, as this user, in its own home folder.
c.JupyterHub.spawner_class = SimpleLocalProcessSpawner
c.SimpleLocalProcessSpawner.home_dir_template = str(HUB_DIR / "home" / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.args = ["--allow-root"] if os.getuid() == 0 else []  # Jupyter refuses root unless told
if os.environ.get("WEBGRADER_HUB_TESTING"):  # the end-to-end test reads JupyterLab's state
    c.Spawner.args.append("--LabApp.expose_app_in_browser=True")
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 90
