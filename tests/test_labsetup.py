"""`webgrader lab-setup`: nbgrader's instructor tools hidden from learners, back for instructors."""
import json

from webgrader.cli import main
from webgrader.labsetup import INSTRUCTOR_PLUGINS


def test_learner_setup_disables_the_instructor_plugins_and_keeps_other_settings(tmp_path):
    (tmp_path / "labconfig").mkdir()
    (tmp_path / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": {"other:plugin": True}}))
    assert main(["lab-setup", "learner", "--config-dir", str(tmp_path)]) == 0
    page = json.loads((tmp_path / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == {"other:plugin": True, **{p: True for p in INSTRUCTOR_PLUGINS}}
    server = json.loads((tmp_path / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert main(["lab-setup", "instructor", "--config-dir", str(tmp_path)]) == 0
    page = json.loads((tmp_path / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == {"other:plugin": True}
    server = json.loads((tmp_path / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is True


def test_the_instructor_plugins_are_the_ones_nbgraders_extension_defines():
    from pathlib import Path

    import nbgrader

    built = Path(nbgrader.__file__).parent / "labextension" / "static"
    code = "".join(path.read_text(errors="replace") for path in built.glob("*.js"))
    for plugin in INSTRUCTOR_PLUGINS:
        assert f'"{plugin}"' in code, plugin
