# The README's two commands: `make run` (set up and start embedded keyflow) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test setup lint

run: setup
	$(BIN)/keyflow init-db
	$(BIN)/keyflow deploy processes
	$(BIN)/keyflow demo
	$(BIN)/keyflow serve --host $${KEYFLOW_HOST:-127.0.0.1} --port $${KEYFLOW_PORT:-5000}

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)
