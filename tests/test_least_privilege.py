"""The grader as an unprivileged user, with Chromium's own sandbox on; as root, it says the sandbox is off."""
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from test_limits import class_course, expected_scores

REPO = Path(__file__).resolve().parents[1]
USER = os.environ.get("WEBGRADER_TEST_USER", "webgrader-test")


def _as_user(user, home: Path, python: str, extra_env: dict, *args, cwd=None, timeout=600):
    env = {"HOME": str(home), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"), *filter(None, [extra_env.get("PYTHONPATH")])])}
    if os.environ.get("WEBGRADER_CHROMIUM"):
        env["WEBGRADER_CHROMIUM"] = os.environ["WEBGRADER_CHROMIUM"]
    return subprocess.run(["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
                           python, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd or home)


@pytest.fixture(scope="module")
def course():
    """profile-page generated (by nbgrader, as root) with one learner's submission, in a folder
    outside pytest's own temporary folders, which are private to root."""
    where = Path(tempfile.mkdtemp(prefix="webgrader-least-privilege-"))
    yield class_course(where / "course", ["oksana"])
    shutil.rmtree(where, ignore_errors=True)


@pytest.fixture(scope="module")
def grader_user(course):
    """An unprivileged user who owns the course, and a Python it can run with this environment's packages."""
    if os.geteuid() != 0:
        try:
            pwd.getpwnam(USER)
        except KeyError:
            pytest.skip(f"not root, and there is no user {USER!r} to run the grader as (set $WEBGRADER_TEST_USER "
                        f"to an existing one, or run the tests as root, which creates it)")
        pytest.skip("switching to another user needs root (runuser)")
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
    home = course.root.parent / "home"
    home.mkdir(exist_ok=True)
    for path in [course.root.parent, *course.root.parent.rglob("*")]:
        shutil.chown(path, USER, USER)
    # This environment's interpreter, or, when the user cannot reach it (a Python under /root),
    # the system's of the same version with this environment's packages.
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [(sys.executable, {}), (f"/usr/bin/python{version}", {"PYTHONPATH": sysconfig.get_paths()["purelib"]})]
    reasons = []
    for python, extra in candidates:
        probe = _as_user(USER, home, python, extra, "-c",
                         "import webgrader, playwright, nbgrader; print(webgrader.__file__)", timeout=120)
        if probe.returncode == 0 and probe.stdout.strip().startswith(str(REPO / "src")):
            return home, python, extra
        reasons.append(f"{python}: {(probe.stderr.strip().splitlines() or [probe.stdout.strip()])[-1]}")
    pytest.skip(f"{USER} cannot run this environment's Python and packages ({'; '.join(reasons)}): "
                f"make the virtual environment with a Python that other users can read")


def test_as_an_unprivileged_user_the_sandbox_is_on_and_a_submission_gets_its_score(course, grader_user):
    home, python, extra = grader_user
    doctor = _as_user(USER, home, python, extra, "-m", "webgrader.cli", "doctor", timeout=180)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "sandbox     on: Chromium's own sandbox confines the pages (seen: each renderer under a seccomp-bpf " \
           "filter)" in doctor.stdout, doctor.stdout
    assert "launches    yes" in doctor.stdout
    # and the browser has no network: a user namespace of its own, with a network namespace inside
    assert "network     none: the browser runs in a network namespace of its own (unshare --user " \
           "--map-current-user --net)" in doctor.stdout, doctor.stdout

    graded = _as_user(USER, home, python, extra, "-m", "webgrader.cli", "autograde", "profile-page", "--quiet",
                      "--course", str(course.root))
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "1 graded" in graded.stdout and "sandbox" not in graded.stderr
    assert course.scores()[("oksana", "profile-page")] == expected_scores("profile-page", ["oksana"])[
        ("oksana", "profile-page")]
    autograded = course.root / "autograded" / "oksana" / "profile-page" / "profile.ipynb"
    assert autograded.owner() == USER  # written by the grading user, not by root


@pytest.mark.skipif(os.geteuid() != 0, reason="the note is for runs as root")
def test_as_root_autograde_says_once_that_the_sandbox_is_off(course):
    proc = subprocess.run([sys.executable, "-m", "webgrader.cli", "autograde", "profile-page", "--quiet",
                           "--student", "nobody-of-this-class", "--course", str(course.root)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    notes = [line for line in proc.stderr.splitlines() if "sandbox" in line]
    assert notes == ["webgrader autograde: Chromium's sandbox is off: running as root, Chromium's own sandbox cannot "
                     "start; run the grader as a normal user to turn it on (README: Running as an unprivileged user)."]
