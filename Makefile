# make demo: the whole grading cycle on the sample class.  make test: the test suite.
# Both set up whatever is missing first (scripts/setup.sh) and are safe to re-run.
PYTHON ?= python3
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup demo test doctor release labextension messages hub hub-reset

setup:
	@PYTHON=$(PYTHON) bash scripts/setup.sh

demo: setup
	.venv/bin/webgrader demo

test:
	@PYTHON=$(PYTHON) bash scripts/setup.sh test
	.venv/bin/python -m pytest

# The course's JupyterHub on 127.0.0.1:8000 with the grading service and sample accounts
# (it prints them). Its state stays in .hub/ between runs; `make hub-reset` starts afresh.
hub:
	@PYTHON=$(PYTHON) bash scripts/hub.sh

hub-reset:
	rm -rf .hub

doctor: setup
	.venv/bin/webgrader doctor

# Regenerate release/ from source/ after editing an assignment.
release: setup
	for a in $$(ls source); do .venv/bin/nbgrader generate_assignment $$a --force || exit 1; done

# Rebuild the JupyterLab extension (labextension/ -> src/webgrader/labextension/, committed)
# after changing labextension/src. Needs node 20 and npm.
labextension:
	cd labextension && npm ci --no-audit --no-fund && npx tsc && rm -rf ../src/webgrader/labextension && jupyter labextension build .

# After adding or changing sentences in EN (src/webgrader/messages.py): extract them into the
# template and update the Swedish and Ukrainian catalogs, then translate the new msgstr entries.
# A new language: .venv/bin/pybabel init -i $(POT) -d $(LOCALE) -D webgrader --no-wrap -l LANG
LOCALE = src/webgrader/locale
POT = $(LOCALE)/webgrader.pot
messages:
	PYTHONPATH=$(CURDIR)/src .venv/bin/pybabel extract -F babel.cfg --no-location --omit-header --no-wrap \
	  --project webgrader -o $(POT) .
	.venv/bin/pybabel update -i $(POT) -d $(LOCALE) -D webgrader --no-wrap --ignore-obsolete
	@# the extraction's time stamp would make every run a change, and every merge a conflict
	sed -i '/^"POT-Creation-Date: /d' $(LOCALE)/*/LC_MESSAGES/webgrader.po
