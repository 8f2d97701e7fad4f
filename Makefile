# make demo: the whole grading cycle on the sample class.  make test: the test suite.
# Both set up whatever is missing first (scripts/setup.sh) and are safe to re-run.
PYTHON ?= python3
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup demo test doctor release labextension

setup:
	@PYTHON=$(PYTHON) bash scripts/setup.sh

demo: setup
	.venv/bin/webgrader demo

test:
	@PYTHON=$(PYTHON) bash scripts/setup.sh test
	.venv/bin/python -m pytest

doctor: setup
	.venv/bin/webgrader doctor

# Regenerate release/ from source/ after editing an assignment.
release: setup
	for a in $$(ls source); do .venv/bin/nbgrader generate_assignment $$a --force || exit 1; done

# Rebuild the JupyterLab extension (labextension/ -> src/webgrader/labextension/, committed)
# after changing labextension/src. Needs node 20 and npm.
labextension:
	cd labextension && npm ci --no-audit --no-fund && npx tsc && rm -rf ../src/webgrader/labextension && jupyter labextension build .
