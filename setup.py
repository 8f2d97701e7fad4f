"""setuptools' build, plus the one step pyproject.toml cannot say: the message catalogs
(src/webgrader/locale/LANG/LC_MESSAGES/webgrader.po) are compiled to .mo files, in the wheel
for an ordinary install, in src/ for an editable one (scripts/setup.sh compiles them there too)."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


def compile_catalogs(locale_dir: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with open(po, "rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        with open(po.with_suffix(".mo"), "wb") as f:
            write_mo(f, catalog)  # fuzzy entries left out: those learners read in English


class BuildPyWithCatalogs(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            compile_catalogs(Path(__file__).parent / "src" / "webgrader" / "locale")
        else:
            compile_catalogs(Path(self.build_lib) / "webgrader" / "locale")

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        return outputs + [str(Path(p).with_suffix(".mo")) for p in outputs if p.endswith(".po")]


if __name__ == "__main__":  # as setuptools runs it (tests import compile_catalogs alone)
    setup(cmdclass={"build_py": BuildPyWithCatalogs})
