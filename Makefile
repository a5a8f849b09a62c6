# The habits of the project. `make run` and `make test` install whatever is missing first
# (idempotent: a second run with nothing changed installs nothing).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
JS_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 5001
# the suite runs in two processes, one test file each (a file's servers and browser stay in one);
# the slowest tests are listed at the end (CI keeps the suite under 15 minutes)
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=25

.PHONY: run test lint bench setup setup-run setup-system clean

# `make run` installs what running needs; the test tools (pytest, Playwright, the real-data
# packages, ruff, import-linter) come with `make test` / `make lint` / `make bench`.
setup-run: $(PY_STAMP) $(JS_STAMP)
setup: setup-run $(TEST_STAMP)

DEPS = python3 -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print(" ".join($(1)))'

$(PY_STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt $$($(call DEPS,p["dependencies"]))
	@touch $@

$(TEST_STAMP): $(PY_STAMP) pyproject.toml constraints.txt
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt \
	  $$($(call DEPS,p["optional-dependencies"]["test"]))
	@touch $@

$(JS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages the tests use: chromium (Playwright cannot download browsers here), an
# emoji font for the node icons, redis-server for the scale-out path.
SYSTEM_PACKAGES := chromium fonts-noto-color-emoji redis-server
setup-system:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; }

run: setup-run
	$(PY) app.py --host $(HOST) --port $(PORT)

test: setup setup-system
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules var
