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
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
