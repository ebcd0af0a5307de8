# Innovation Hub — `make run` to try it, `make test` to check it. See README.md.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HUB_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
HUB_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000
# Where `make run` is reached (as `serve` derives it): the demo's emailed links point there too.
RUN_BASE_URL = http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
# Test processes: most tests wait on servers, webhooks and subprocesses, so three share two
# cores well. Each file runs in one process, keeping its module-wide set-ups shared.
TEST_WORKERS ?= 3
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=10

.PHONY: run install install-dev messages extract-messages test test-sqlite test-postgres e2e lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,lint,bench]'
	touch $(VENV)/.installed $@

# Compiled catalogues are build output; the .po files are the source.
messages: $(VENV)/.installed
	$(BIN)/pybabel compile --domain=messages --directory=innovation_hub/locale

# After changing user-visible text: refresh the template and the catalogues, then translate.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 --no-location \
		--sort-output --project=innovation-hub -o innovation_hub/locale/messages.pot .
	$(BIN)/pybabel update -i innovation_hub/locale/messages.pot -d innovation_hub/locale \
		--no-fuzzy-matching --ignore-obsolete -w 100

install: $(VENV)/.installed messages

install-dev: $(VENV)/.installed-dev messages

run: install
	HUB_BASE_URL="$${HUB_BASE_URL:-$(RUN_BASE_URL)}" $(BIN)/innovation-hub demo
	$(BIN)/innovation-hub serve --host $(HOST) --port $(PORT)

# Node packages (ical.js for feed checks, axe-core for accessibility) from package.json.
node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# Browser checks drive Debian's Chromium through Playwright; Playwright never downloads a browser.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

test-sqlite: install-dev node_modules/.installed $(CHROMIUM)
	$(PYTEST)

# The browser journeys alone (they are part of `make test` too).
e2e: install-dev node_modules/.installed $(CHROMIUM)
	$(PYTEST) tests/e2e

# With CI=true the suite also runs on PostgreSQL (and Redis), and fails if they cannot be reached.
# The browser journeys are left out of that second run: their server always uses its own SQLite
# file (tests/e2e/conftest.py), so a second run would repeat the first exactly.
test-postgres: install-dev node_modules/.installed $(CHROMIUM)
	@$(BIN)/python -c "import asyncio, asyncpg; asyncio.run(asyncpg.connect('$(HUB_TEST_POSTGRES_URL)', timeout=5))" \
		|| (echo "PostgreSQL is unreachable at $(HUB_TEST_POSTGRES_URL)" >&2; exit 1)
	HUB_TEST_POSTGRES_URL=$(HUB_TEST_POSTGRES_URL) HUB_TEST_REDIS_URL=$(HUB_TEST_REDIS_URL) $(PYTEST) --ignore=tests/e2e

test: test-sqlite
ifeq ($(CI),true)
test: test-postgres
endif

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python .ci/check_sizes.py

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python bench/http_rps.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
