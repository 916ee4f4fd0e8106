# Matchday: `make run` serves the demo, `make test` runs the suite. Both work on a bare machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs in this many processes (pytest-xdist); each has its own test database and Redis database.
TEST_PROCESSES ?= 2
CELERY_QUEUES := default,scoring,notifications

.PHONY: run test lint worker beat install install-dev migrate demo messages check clean schema

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

# Links in e-mails point where this server listens unless SITE_URL is set (the public address behind
# a proxy); the demo's messages and the worker below see the same value.
run: export SITE_URL ?= http://$(HOST):$(PORT)
# With REDIS_URL set, a Celery worker runs beside the web server and stops with it.
run: demo
	@if [ -n "$$REDIS_URL" ]; then \
		$(BIN)/celery -A config worker -B -Q $(CELERY_QUEUES) --loglevel=INFO & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	echo "Matchday on http://$(HOST):$(PORT)/admin/ (demo logins printed above); links in e-mails: $(SITE_URL)"; \
	echo "Staff also give a code: add the demo TOTP secret MATCHDAYDEMOSTAFFTOTPSECRETWXYZ2 to an authenticator app, or run: $(BIN)/python manage.py demo_totp_code"; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(BIN)/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

check: install-dev
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

worker: install
	$(BIN)/celery -A config worker -Q $(CELERY_QUEUES) --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

# Needs GNU gettext; the compiled catalogs are committed so a bare machine never does.
messages: install
	$(BIN)/python manage.py makemessages -l ko -l en --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache

# The committed OpenAPI schema (api/openapi.yaml); a test fails when it drifts from the code.
schema: install
	$(BIN)/python manage.py spectacular --lang en --validate --fail-on-warn --file api/openapi.yaml

.PHONY: prod-check restore-check
# Production as it runs (DJANGO_DEBUG=false, gunicorn, Celery worker and beat) against this machine's
# PostgreSQL (database matchday_prodcheck, recreated) and Redis (db 9), one journey over HTTP, then
# everything stopped. Exits non-zero on any failure. See deploy/prod_check.py.
prod-check: install
	$(BIN)/python deploy/prod_check.py

# The backup procedure (deploy/BACKUP.md) done and undone: pg_dump, pg_restore into a fresh database,
# row counts compared; the private files round-trip through a tarball.
restore-check: install
	$(BIN)/python deploy/restore_check.py $(if $(wildcard var/private),--media var/private)
