# The README's two commands: `make run` (set up and start embedded keyflow) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test setup chromium

run: setup
	$(BIN)/keyflow init-db
	$(BIN)/keyflow deploy processes
	$(BIN)/keyflow demo
	$(BIN)/keyflow serve --host $${KEYFLOW_HOST:-127.0.0.1} --port $${KEYFLOW_PORT:-5000}

test: setup chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

setup: $(STAMP) node_modules/.package-lock.json


$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Browser assets (bpmn-js, dmn-js) come from npm, pinned by package-lock.json; no CDN.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
