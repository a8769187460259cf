# The README's two commands: `make run` (set up and start embedded keyflow) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test setup chromium messages

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

# Browser tests drive Debian's Chromium (Playwright cannot download browsers here), with a
# Chinese font so screenshots of zh pages show characters, not boxes.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -n "$$(fc-list :lang=zh 2>/dev/null)" || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

# The message catalog (engine/i18n/zh_CN/LC_MESSAGES/keyflow.po; DEVELOPERS.md): extract every
# message of code and templates, then merge: new ones come in empty, changed ones fuzzy,
# gone ones leave. Translate the empty and fuzzy ones; tests/webui/test_i18n.py checks.
messages: setup
	mkdir -p var
	$(BIN)/pybabel --quiet extract -F babel.cfg --sort-output --add-location=file \
	  --project=keyflow --version=0.1 -o var/keyflow.pot engine webui workers
	$(BIN)/pybabel --quiet update -i var/keyflow.pot -d engine/i18n -D keyflow -l zh_CN \
	  --ignore-obsolete
