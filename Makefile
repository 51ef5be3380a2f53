# The two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test chromium lint format bench chaos check-deploy clean

# The virtualenv, with runtime and test dependencies; reinstalled when a requirements file changes.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(BIN)/.installed
	$(BIN)/python scripts/demo.py

test: $(BIN)/.installed chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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
	rm -rf var/*.sqlite3* var/media var/test-redis var/redis

# `manage.py check --deploy` with the production settings the README documents.
check-deploy: $(BIN)/.installed
	ENV_FILE= DEBUG=false SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	TOKEN_ENCRYPTION_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	ALLOWED_HOSTS=storedesk.example.com SITE_URL=https://storedesk.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING
