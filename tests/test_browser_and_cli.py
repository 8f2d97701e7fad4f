"""Finding the browser, `webgrader doctor` and `webgrader config`, and the course's limits."""
import os
import subprocess
import sys

from webgrader.browser import find_browser
from webgrader.doctor import DoctorReport
from webgrader.settings import Limits, current_limits, find_course_config


def _fake_browser(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho 'Chromium 999.0 fake'\n")
    path.chmod(0o755)
    return path


def test_the_environment_variable_wins_then_playwrights_browser_then_the_system(tmp_path, monkeypatch):
    monkeypatch.delenv("WEBGRADER_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    system = find_browser()
    assert system.source == "system" and system.found
    own = _fake_browser(tmp_path / "ms-playwright" / "chromium-1234" / "chrome-linux" / "chrome")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    assert (find_browser().path, find_browser().source) == (str(own), "playwright")
    named = _fake_browser(tmp_path / "my-chromium")
    monkeypatch.setenv("WEBGRADER_CHROMIUM", str(named))
    assert (find_browser().path, find_browser().source) == (str(named), "environment")


def test_among_system_browsers_the_headless_shell_is_chosen_before_the_desktop_chromium(tmp_path, monkeypatch):
    monkeypatch.delenv("WEBGRADER_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    desktop = _fake_browser(tmp_path / "bin" / "chromium")
    monkeypatch.setenv("PATH", str(desktop.parent))
    assert find_browser().path == str(desktop)
    shell = _fake_browser(tmp_path / "bin" / "chromium-headless-shell")
    assert (find_browser().path, find_browser().source) == (str(shell), "system")


def test_doctor_suggests_the_headless_shell_only_when_grading_with_the_desktop_chromium():
    def report(path):
        return DoctorReport(path, "system", "Chromium 156", True, "on", "ok", 1.0).as_text()
    assert "apt-get install -y chromium-headless-shell" in report("/usr/bin/chromium")
    assert "faster" not in report("/usr/bin/chromium-headless-shell")
    assert "faster" not in report("/root/.cache/ms-playwright/chromium_headless_shell-1200/chrome-linux/headless_shell")


def _webgrader(*args, env=None):
    return subprocess.run([sys.executable, "-m", "webgrader.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_doctor_names_the_browser_its_version_and_that_it_grades_a_page():
    proc = _webgrader("doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "launches    yes" in proc.stdout and "Chromium" in proc.stdout
    assert ("sandbox     off" if os.geteuid() == 0 else "sandbox     on") in proc.stdout


def test_doctor_fails_clearly_when_the_named_browser_does_not_exist():
    proc = _webgrader("doctor", env={"WEBGRADER_CHROMIUM": "/nonexistent/chrome"})
    assert proc.returncode == 1
    assert "none found" in proc.stdout and "fix" in proc.stdout


def test_config_lists_every_option_with_its_help():
    proc = _webgrader("config")
    assert proc.returncode == 0
    for option in ("load_timeout", "check_timeout", "action_timeout", "viewport_width"):
        assert f"c.WebGrader.{option}" in proc.stdout


def test_a_kernel_in_a_submission_folder_reads_the_limits_of_the_course(tmp_path, monkeypatch):
    (tmp_path / "source").mkdir()
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.WebGrader.check_timeout = 1.5\n")
    folder = tmp_path / "autograded" / "olena" / "profile-page"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    assert find_course_config(folder) == tmp_path / "nbgrader_config.py"
    assert current_limits().check_timeout == 1.5
    assert Limits().check_timeout == 4.0


def test_autograde_refuses_a_number_of_workers_below_one_before_doing_anything(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "webgrader.cli", "autograde", "click-counter", "--workers", "0",
                           "--course", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--workers must be 1 or more, not 0" in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was made
