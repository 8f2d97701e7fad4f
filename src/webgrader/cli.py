"""The `webgrader` command. Each verb only calls a plain library function."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _doctor(args) -> int:
    from .doctor import doctor

    report = doctor()
    print(report.as_text())
    return 0 if report.ok else 1


def _demo(args) -> int:
    from .course import CourseCommandFailed
    from .demo import run_demo

    try:
        result = run_demo(Path(args.course), Path(args.workdir) if args.workdir else None, grader=args.grader,
                          languages=args.languages)
    except CourseCommandFailed as exc:
        print(f"\nThe demo stopped: {exc}", file=sys.stderr)
        return 1
    return 1 if result.problems else 0


def _autograde(args) -> int:
    from .browser import running_as_root
    from .bulk import autograde, default_workers, skip_unused_slow_imports
    from .doctor import ROOT_SANDBOX

    skip_unused_slow_imports()
    if args.workers is not None and args.workers < 1:
        print(f"webgrader autograde: --workers must be 1 or more, not {args.workers}.", file=sys.stderr)
        return 2

    if running_as_root():  # once a run, here: workers and kernels stay quiet
        print(f"webgrader autograde: Chromium's sandbox is {ROOT_SANDBOX}.", file=sys.stderr)
    try:
        report = autograde(Path(args.course), args.assignment, student_glob=args.student,
                           workers=args.workers or default_workers(),
                           force=args.force, scheduler=args.scheduler, progress=not args.quiet)
    except ValueError as exc:
        print(f"webgrader autograde: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    if report.interrupted:
        return 130
    return 0 if report.ok else 1


def _report(args) -> int:
    from .report import write_reports

    written = write_reports(Path(args.course), Path(args.out) if args.out else None, args.student)
    if not written:
        print(f"webgrader report: no learner in the gradebook of {Path(args.course).resolve()} matches "
              f"{args.student!r}; grade first (webgrader autograde ASSIGNMENT).", file=sys.stderr)
        return 1
    print(f"{len(written)} progress pages in {written[0].parent}")
    return 0


def _config(args) -> int:
    from .settings import WebGrader

    print(WebGrader.class_config_section())
    return 0


def _lab_setup(args) -> int:
    from jupyter_core.paths import jupyter_config_dir

    from .labsetup import write_lab_setup

    folder = Path(args.config_dir) if args.config_dir else Path(jupyter_config_dir())
    for path in write_lab_setup(folder, args.role):
        print(f"wrote {path}")
    print("Restart JupyterLab (or the learner's server on the hub) to apply it.")
    return 0


def _serve(args) -> int:
    import asyncio

    from .service.app import load_options, serve

    options = load_options(Path(args.course), port=args.port, ip=args.ip, workers=args.workers, auth=args.auth)
    try:
        asyncio.run(serve(Path(args.course), options))
    except ValueError as exc:
        print(f"webgrader serve: {exc}", file=sys.stderr)
        return 2
    return 0


def _tokens(args) -> int:
    from .service import tokens
    from .service.app import load_options, open_database

    db = open_database(Path(args.course).resolve(), load_options(Path(args.course)))
    if args.action == "add":
        try:
            for name in args.names:
                print(f"{name}\t{tokens.issue(db, name, tokens.INSTRUCTOR if args.instructor else tokens.LEARNER)}")
        except ValueError as exc:
            print(f"webgrader tokens: {exc}", file=sys.stderr)
            return 2
    elif args.action == "revoke":
        for name in args.names:
            if not tokens.revoke(db, name):
                print(f"webgrader tokens: {name} has no token", file=sys.stderr)
    else:
        for name, role in tokens.listing(db):
            print(f"{name}\t{role}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="webgrader", description="Grade web pages written in Jupyter notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("doctor", help="say which Chromium is used, its version, and whether it launches")
    p.set_defaults(func=_doctor)
    p = sub.add_parser("demo", help="run the whole nbgrader cycle on a copy of the course with the sample class")
    p.add_argument("--course", default=".", help="the course folder (default: here)")
    p.add_argument("--workdir", default=None, help="where the demo works (default: COURSE/demo-output)")
    p.add_argument("--grader", choices=["webgrader", "nbgrader"], default="webgrader",
                   help="grade with `webgrader autograde` (fast, default) or `nbgrader autograde` (a kernel per notebook)")
    p.add_argument("--languages", action="store_true",
                   help="give each learner her language from examples/class/languages.csv (English, Swedish, Ukrainian)")
    p.set_defaults(func=_demo)
    p = sub.add_parser("autograde", help="grade every submission of an assignment, fast (same results as nbgrader autograde)")
    p.add_argument("assignment", help="the assignment id, a folder in source/")
    p.add_argument("--student", default="*", help="only learners whose id matches this glob (default: all)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes, each with its own browser (default: one per CPU core, at most 4)")
    p.add_argument("--force", action="store_true", help="grade again even submissions already graded and unchanged")
    p.add_argument("--scheduler", default=None, help="a Dask scheduler address (tcp://host:8786) to grade on a cluster")
    p.add_argument("--course", default=".", help="the course folder (default: here)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_autograde)
    p = sub.add_parser("report", help="write a progress page per learner: every assignment, score and what to fix next")
    p.add_argument("--course", default=".", help="the course folder (default: here)")
    p.add_argument("--out", default=None, help="where the pages go (default: COURSE/reports)")
    p.add_argument("--student", default="*", help="only learners whose id matches this glob (default: all)")
    p.set_defaults(func=_report)
    p = sub.add_parser("config", help="list webgrader's options for nbgrader_config.py, with their help")
    p.set_defaults(func=_config)
    p = sub.add_parser("lab-setup", help="show nbgrader's instructor tools in JupyterLab (instructor) or hide them (learner)")
    p.add_argument("role", choices=["learner", "instructor"])
    p.add_argument("--config-dir", default=None,
                   help="the Jupyter configuration folder to write (default: the user's, ~/.jupyter; /etc/jupyter for everyone)")
    p.set_defaults(func=_lab_setup)
    p = sub.add_parser("serve", help="run the course's grading service: learners hand in, get graded at once, see their feedback")
    p.add_argument("--course", default=".", help="the course folder (default: here)")
    p.add_argument("--port", type=int, default=None, help="port (default: c.WebGraderService.port, 8765; 0: any free port)")
    p.add_argument("--ip", default=None, help="address to listen on (default: c.WebGraderService.ip, 127.0.0.1)")
    p.add_argument("--workers", type=int, default=None, help="grading worker processes (default: c.WebGraderService.workers)")
    p.add_argument("--auth", choices=["tokens", "hub"], default=None, help="sign-in by tokens (standalone) or JupyterHub")
    p.set_defaults(func=_serve)
    p = sub.add_parser("tokens", help="issue, list or revoke the grading service's sign-in tokens (a course without a hub)")
    p.add_argument("action", choices=["add", "list", "revoke"])
    p.add_argument("names", nargs="*", help="learner (or instructor) names")
    p.add_argument("--instructor", action="store_true", help="the tokens added are instructors' (they see every submission)")
    p.add_argument("--course", default=".", help="the course folder (default: here)")
    p.set_defaults(func=_tokens)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
