# tipkb: two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test index lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: any other spec pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q "torch==2.13.0"
	$(BIN)/pip install --disable-pip-version-check -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check -q -e ".[test]"
	touch $@

# Builds only when the index is missing or stale (corpus hash differs from the manifest).
index: $(VENV)/.installed
	$(BIN)/kb index

# Builds the index if missing or stale, then serves the API and web chat on http://$(HOST):$(PORT).
run: index
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check kb indexer server eval tests
	$(BIN)/ruff format --check kb indexer server eval tests
	$(BIN)/mypy

# The browser tests (tests/test_browser.py) drive Debian's Chromium, never a downloaded browser: installed from apt
# when missing (as root, or through sudo).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

test: lint $(CHROMIUM)
	$(BIN)/pytest

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
