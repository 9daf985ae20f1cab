# nba-props. Two set-up commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DO_NOT_TRACK := 1
export RUNTIME__DLT_TELEMETRY := false

.PHONY: demo test lint install dbt-build docs bench clean help

help:
	@echo "make demo   - create .venv, install, generate the demo season and run every phase for every date"
	@echo "make test   - lint + the whole test suite (pytest, incl. dbt build on the test target)"
	@echo "make lint   - ruff + sqlfluff"
	@echo "make docs   - dbt docs generate"
	@echo "make bench  - benchmarks (real data in ../shared/data): phases 2-4 full and incremental build"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/nba-props demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint models tests/dbt --processes 2

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_phases.py

docs: $(STAMP)
	$(BIN)/dbt docs generate

clean:
	rm -rf target logs warehouse exports landing
