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
        result = run_demo(Path(args.course), Path(args.workdir) if args.workdir else None)
    except CourseCommandFailed as exc:
        print(f"\nThe demo stopped: {exc}", file=sys.stderr)
        return 1
    return 1 if result.problems else 0


def _config(args) -> int:
    from .settings import WebGrader

    print(WebGrader.class_config_section())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="webgrader", description="Grade web pages written in Jupyter notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("doctor", help="say which Chromium is used, its version, and whether it launches")
    p.set_defaults(func=_doctor)
    p = sub.add_parser("demo", help="run the whole nbgrader cycle on a copy of the course with the sample class")
    p.add_argument("--course", default=".", help="the course folder (default: here)")
    p.add_argument("--workdir", default=None, help="where the demo works (default: COURSE/demo-output)")
    p.set_defaults(func=_demo)
    p = sub.add_parser("config", help="list webgrader's options for nbgrader_config.py, with their help")
    p.set_defaults(func=_config)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
