"""The service process: options, database, storage, grading queue and HTTP server together."""
from __future__ import annotations

import asyncio
import os
import secrets
import signal
from pathlib import Path
from urllib.parse import urlparse

from .config import WebGraderService
from .db import Database

MB = 2**20


def load_options(course_root: Path, **overrides) -> WebGraderService:
    from ..settings import load_course_config

    config = load_course_config(Path(course_root) / "nbgrader_config.py")
    for name, value in overrides.items():
        if value is not None:
            setattr(config.WebGraderService, name, value)
    return WebGraderService(config=config)


def open_database(course_root: Path, options: WebGraderService) -> Database:
    options.data_path(course_root).mkdir(parents=True, exist_ok=True)
    return Database(options.database_url(course_root))


def _cookie_secret(data_dir: Path) -> bytes:
    """Kept in the data folder, so that sign-ins survive a restart."""
    path = data_dir / "cookie_secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _base_url(options: WebGraderService) -> str:
    base = os.environ.get("JUPYTERHUB_SERVICE_PREFIX") if options.auth == "hub" else None
    base = base or options.base_url or "/"
    return "/" + base.strip("/") + "/" if base.strip("/") else "/"


async def serve(course_root: Path, options: WebGraderService, say=print) -> None:
    from tornado import httpserver, netutil, web

    from ..bulk import skip_unused_slow_imports
    from .queue import GradingQueue
    from .storage import Storage
    from .web import Context, handlers

    skip_unused_slow_imports()
    # Errors with their tracebacks (and, behind a hub, each request) go to the service's log.
    import logging

    logging.basicConfig(level=logging.INFO, format="[%(levelname).1s %(asctime)s %(name)s] %(message)s")
    logging.getLogger("tornado.access").setLevel(logging.INFO if options.auth == "hub" else logging.WARNING)
    course_root = Path(course_root).resolve()
    if not (course_root / "nbgrader_config.py").is_file():
        raise ValueError(f"{course_root} is not a course folder (no nbgrader_config.py): run `webgrader serve` "
                         "in the course folder, or pass --course PATH.")
    db = open_database(course_root, options)
    data = options.data_path(course_root).resolve()
    storage = Storage(data)
    queue = GradingQueue(db, storage, course_root, options.workers, options.grading_timeout)
    ctx = Context(course_root, options, db, storage, queue)
    base = _base_url(options)
    settings = {"cookie_secret": _cookie_secret(data), "xsrf_cookies": True, "base": base,
                "login_url": base, "xsrf_cookie_kwargs": {"httponly": True, "samesite": "Lax"}}
    ip, port = options.ip, options.port
    if options.auth == "hub":
        from jupyterhub.services.auth import HubOAuth

        # The one instance: the OAuth callback handler uses HubOAuth.instance(), and the sign-in's
        # PKCE state lives in that object's memory.
        settings["hub_auth"] = HubOAuth.instance(api_token=os.environ["JUPYTERHUB_API_TOKEN"], cache_max_age=60)
        service_url = os.environ.get("JUPYTERHUB_SERVICE_URL")
        if service_url:  # the hub says where it reaches the service; --ip (e.g. 0.0.0.0 in a pod) may widen it
            url = urlparse(service_url)
            ip = ip if options.trait_has_value("ip") else (url.hostname or ip)
            port = url.port or port
    app = web.Application(handlers(ctx, base), **settings)
    # Tornado holds a request body in memory: the hard cap is well above the limit a refusal explains.
    server = httpserver.HTTPServer(app, max_body_size=int(options.max_upload_mb * MB * 2 + MB), xheaders=True)
    sockets = netutil.bind_sockets(port, ip)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    queue.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    say(f"webgrader serve: {course_root.name} on http://{ip}:{port}{base} with {options.workers} grading "
        f"worker(s); submissions and database in {data}", flush=True)
    await stop.wait()
    server.stop()
    await queue.stop()
