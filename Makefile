# Lamella: `make run` serves on http://127.0.0.1:8000/, `make test` checks everything.
# Steps that are slow (pip, npm) run only when their inputs changed since the last time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.lamella-installed
NPM_INSTALLED := node_modules/.lamella-installed
# Two processes for the two cores; `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
RUN_ARGS ?=

ifeq ($(PYTEST_WORKERS),0)
XDIST :=
else
# loadfile keeps each file's module-scoped server and worker fixtures on one process.
XDIST := -n $(PYTEST_WORKERS) --dist loadfile
endif

.PHONY: run test lint ruff-check ruff-format typecheck pytest jstest bench frontend clean-venv

run: $(INSTALLED) frontend
	exec $(BIN)/lamella serve $(RUN_ARGS)

# The bundle is built before pytest (browser tests load it) but is not its prerequisite, so
# `make -k test` still runs the Python tests when the viewer build breaks.
test: lint frontend pytest jstest

# Three targets, so `make -k` reports every kind of lint failure, not only the first.
lint: ruff-check ruff-format typecheck

ruff-check: $(INSTALLED)
	$(BIN)/ruff check .

ruff-format: $(INSTALLED)
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

# pytest's exit status 5 (no test collected) fails here like any other non-zero status.
pytest: $(INSTALLED)
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# The viewer's own tests (node's test runner), once there is a viewer.
jstest: frontend
ifneq ($(wildcard package.json),)
	npm test
endif

bench: $(INSTALLED)
	@set -e; found=0; for script in benchmarks/*.py; do \
		[ -e "$$script" ] || continue; found=1; \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done; [ $$found = 1 ] || echo "no benchmarks yet"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the last install.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The viewer's hook: nothing happens until a package.json exists.
ifneq ($(wildcard package.json),)
frontend: $(NPM_INSTALLED)
	npm run build
else
frontend:
endif

$(NPM_INSTALLED): package.json $(wildcard package-lock.json)
	npm install
	touch $@

clean-venv:
	rm -rf $(VENV)
