# `make demo` and `make test` set up .venv on first use and reuse it afterwards.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow lint setup clean

setup: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# open3d needs libusb at import time; install it from Debian when missing and we are root.
$(STAMP): pyproject.toml | $(BIN)/python
	@if ! ldconfig -p 2>/dev/null | grep -q libusb-1.0; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q libusb-1.0-0 >/dev/null 2>&1 || \
	    (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libusb-1.0-0 >/dev/null 2>&1) || true; \
	  else echo "note: libusb-1.0-0 is missing (needed by open3d); install it with apt"; fi; fi
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/robostack demo --out runs/demo

lint: $(STAMP)
	$(BIN)/ruff check robostack tests launch
	$(BIN)/ruff format --check robostack tests launch
	$(BIN)/mypy robostack/core robostack/hal

test: lint
	$(BIN)/pytest

test-slow: $(STAMP)
	$(BIN)/pytest -m slow

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
