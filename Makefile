# Two commands on a fresh machine: `make run` serves the demo, `make test` proves it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=

.PHONY: run test setup lint migrate demo serve clean scaled faults

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.run-deps $@

setup: $(VENV)/.run-deps

# The demo runs with DEBUG on unless told otherwise (DEBUG=0 needs SECRET_KEY and ALLOWED_HOSTS).
run: export DEBUG ?= 1
run: $(VENV)/.run-deps
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) demo
	@echo "Serving on http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	@# The scheduler (scheduled publishing, notification digests) lives as long as Daphne does.
	$(MANAGE) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	PYTHONPATH=site $(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: export TESTING = 1
test: $(VENV)/.test-deps lint
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) collectstatic --noinput --verbosity 0
	# Browser tests share one live server and Chromium, so they run in one process after the rest.
	$(BIN)/pytest -n 2 -m "not browser and not faults" $(PYTEST_ARGS)
	$(BIN)/pytest -m "browser and not faults" $(PYTEST_ARGS)

# The scaled topology on loopback (PostgreSQL, Redis, nginx, two Daphne processes, the worker)
# with smoke checks through it; needs postgresql, redis-server and nginx (docs/deployment.md).
scaled: $(VENV)/.test-deps
	PYTHON=$(BIN)/python bash deploy/scaled.sh

# Fault injection on the same topology (tests/faults): Redis, a Daphne and PostgreSQL killed or
# restarted mid-chat, Elasticsearch unreachable, clients that never read or vanish.
faults: export TESTING = 1
faults: $(VENV)/.test-deps
	timeout 600 $(BIN)/pytest -p no:xdist -m faults -s tests/faults

clean:
	rm -rf var/static var/test-db*.sqlite3*
