# examprep: `make run` starts everything; `make test` runs every check. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# As root, `make run` runs web, worker and Redis as this user and only the sandbox daemon as root
# (RUN_AS= keeps everything as root). Not as root, everything runs as the current user.
RUN_AS ?= examprep
SPLIT := $(if $(filter 0,$(shell id -u)),$(RUN_AS),)

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

ifneq ($(SPLIT),)
# The service user writes the SQLite database, and SQLite writes beside it: a folder of its own.
migrate content run: export DB_PATH ?= $(CURDIR)/.data/db.sqlite3
endif

migrate: install
	$(if $(SPLIT),@mkdir -p .data)
	$(PY) manage.py migrate --noinput

content: migrate
	$(PY) manage.py import_lessons
	$(PY) manage.py import_questions

run: content
	@$(PY) manage.py show_setup --port $(PORT)
	@mkdir -p .run
	$(if $(SPLIT),@$(PY) -m examprep.service_user --prepare)
	@EXAMPREP_DEV_SANDBOX=1 $(if $(SPLIT),EXAMPREP_SERVICE_USER=$(SPLIT) SANDBOX_SOCKET_GROUP=examprep-sandbox) \
		$(PY) -m examprep.foreground $(VENV)/bin/honcho start --port $(PORT)

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
	rm -rf $(VENV) staticfiles .redis .run .data .pytest_cache .ruff_cache .hypothesis db.sqlite3 db.sqlite3-*
