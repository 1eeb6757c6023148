# examprep: `make run` starts everything; `make test` runs every check. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run install install-dev test lint migrate content sandbox sandbox-check bench clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

content: migrate
	$(PY) manage.py import_lessons
	$(PY) manage.py import_questions

run: content
	@$(PY) manage.py show_setup --port $(PORT)
	@mkdir -p .run
	@EXAMPREP_DEV_SANDBOX=1 $(PY) -m examprep.foreground $(VENV)/bin/honcho start --port $(PORT)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install-dev lint
	$(VENV)/bin/mypy
	@$(PY) -m examprep.embedded_redis --ensure --default-url $(TEST_REDIS_URL)
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(PY) manage.py validate_questions
	$(PY) manage.py validate_lessons
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(PY) -m pytest

# The sandbox daemon alone, in the foreground (as root; SANDBOX_SOCKET_GROUP gives that group its socket).
sandbox: install
	$(PY) -m sandbox.runtime

sandbox-check: install
	$(PY) -m sandbox.runtime --check

bench: install-dev
	@for script in bench/*.py; do [ "$$script" = bench/servers.py ] && continue; echo "== $$script"; $(PY) $$script; done

clean:
	rm -rf $(VENV) staticfiles .redis .run .pytest_cache .ruff_cache .hypothesis db.sqlite3 db.sqlite3-*
