# nba-props. Two set-up commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DO_NOT_TRACK := 1
export RUNTIME__DLT_TELEMETRY := false

.PHONY: demo test lint lock install dbt-build docs bench quality bigquery clean help

help:
	@echo "make demo   - create .venv, install, generate the demo season and run every phase for every date"
	@echo "make test   - lint + the whole test suite (pytest, incl. dbt build on the test target and on the"
	@echo "              BigQuery emulator: needs make bigquery, which it runs first)"
	@echo "make bigquery - the bigquery extra in .venv, and the BigQuery emulator in its own venv $(BQEMU_VENV)"
	@echo "               with a project-local HOME ($(BQEMU_HOME)) holding DuckDB's spatial extension"
	@echo "make lint   - ruff check, ruff format --check, import-linter (the layers in .importlinter), sqlfluff"
	@echo "make lock   - regenerate requirements/lock.txt (pip-compile) from pyproject.toml"
	@echo "make docs   - dbt docs generate"
	@echo "make bench  - benchmarks on the real data in ../shared/data (2024-25 season end to end, nightly run,"
	@echo "              overhead, memory, 1 vs 3 seasons): benchmarks/results/latest.json and latest.md"
	@echo "make quality - opt-in data quality (after make demo): installs the quality extra and the elementary dbt"
	@echo "               package (dbt deps from quality/packages.yml), builds elementary's models, runs the"
	@echo "               elementary tests and writes the edr report to $(QUALITY_REPORT)"
	@echo "               QUALITY_AS_OF=2025-10-29: anomaly windows end that day (replayed seasons), not now"
	@echo "               QUALITY_SELECT='package:nba_props': every test of the project into the report"
	@echo "               ELEMENTARY_SRC=... DBT_UTILS_SRC=...: no dbt Hub, local package sources instead of"
	@echo "               dbt deps (quality/offline_packages.sh)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs are pinned by requirements/lock.txt (pip-tools, every extra but quality): `make lock` regenerates it after a
# change to pyproject.toml's dependencies.
LOCK := requirements/lock.txt

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --extra bigquery --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file $(LOCK) pyproject.toml

demo: $(STAMP)
	$(BIN)/nba-props demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint models tests/dbt --processes 2

# pytest-xdist: one worker per core (PYTEST_WORKERS=0 runs in this process); a module's tests stay on one worker,
# so its module-scoped fixtures (the fault suite's baseline, the emulator) are built once
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
test: lint bigquery
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# BigQuery, offline (README "BigQuery"): dbt-bigquery / google-cloud-bigquery / dlt[bigquery] in the project
# venv, and the emulator (bqemulator: DuckDB + SQLGlot behind BigQuery's REST API) in its own venv, as it pins
# its own sqlglot and duckdb. It always loads DuckDB's spatial extension, which cannot be downloaded here:
# the file shipped in the duckdb-extension-spatial wheel is copied into the emulator's own HOME.
# tests/e2e/test_bigquery_emulator.py runs it (and skips with a message when $(BQEMU_VENV) is absent).
BIGQUERY_STAMP := $(VENV)/.installed-bigquery
BQEMU_VENV := .venv-bqemu
BQEMU_HOME := .bqemu/home
BQEMU_STAMP := $(BQEMU_VENV)/.installed
BQEMU_PINS := "bqemulator==1.4.0" "duckdb==1.5.5" "duckdb-extension-spatial==1.5.5" numpy

$(BIGQUERY_STAMP): pyproject.toml $(LOCK) | $(STAMP)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[dev,bigquery]"
	@touch $@

$(BQEMU_STAMP):
	$(PYTHON) -m venv $(BQEMU_VENV)
	$(BQEMU_VENV)/bin/python -m pip install --quiet $(BQEMU_PINS)
	$(BQEMU_VENV)/bin/python -c 'import duckdb, duckdb_extension_spatial, pathlib, shutil; \
	  v = "v" + duckdb.__version__; plat = duckdb.sql("pragma platform").fetchone()[0]; \
	  src = pathlib.Path(duckdb_extension_spatial.__file__).parent / "extensions" / v / "spatial.duckdb_extension"; \
	  dst = pathlib.Path("$(BQEMU_HOME)") / ".duckdb" / "extensions" / v / plat; \
	  dst.mkdir(parents=True, exist_ok=True); shutil.copy2(src, dst)'
	@touch $@

bigquery: $(BIGQUERY_STAMP) $(BQEMU_STAMP)

# Benchmarks on the real data (README "Benchmarks"): writes benchmarks/results/latest.json and latest.md
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py $(BENCH_ARGS)

docs: $(STAMP)
	$(BIN)/dbt docs generate

# Opt-in data quality (README "Data quality"). The default path needs no dbt packages: quality/packages.yml is
# copied to the (git-ignored) root packages.yml only here.
QUALITY_STAMP := $(VENV)/.installed-quality
QUALITY_REPORT ?= reports/elementary_report.html
QUALITY_SELECT ?= tag:elementary
QUALITY_AS_OF ?=
ELEMENTARY_SRC ?=
DBT_UTILS_SRC ?=
comma := ,
QUALITY_VARS = {elementary_enabled: true$(if $(QUALITY_AS_OF),$(comma) custom_run_started_at: "$(QUALITY_AS_OF)T00:00:00")}

$(QUALITY_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,quality]"
	@touch $@

# The report is written even when tests fail (the target then fails with dbt test's status). edr runs dbt from
# its own project folder, hence the absolute warehouse directory.
quality: $(QUALITY_STAMP)
ifeq ($(ELEMENTARY_SRC),)
	cp quality/packages.yml packages.yml
	$(BIN)/dbt deps
else
	PYTHON=$(BIN)/python quality/offline_packages.sh $(ELEMENTARY_SRC) $(DBT_UTILS_SRC)
endif
	$(BIN)/dbt run --select package:elementary --vars '$(QUALITY_VARS)'
	@mkdir -p $(dir $(QUALITY_REPORT))
	status=0; $(BIN)/dbt test --select $(QUALITY_SELECT) --vars '$(QUALITY_VARS)' || status=$$?; \
	NBA_PROPS_WAREHOUSE_DIR="$$(realpath -m "$${NBA_PROPS_WAREHOUSE_DIR:-warehouse}")" $(BIN)/edr report \
	  --profiles-dir $(CURDIR) --config-dir $(CURDIR)/quality/edr --target-path $(CURDIR)/reports/edr_target \
	  --file-path $(abspath $(QUALITY_REPORT)) --open-browser false && exit $$status

clean:
	rm -rf target logs warehouse exports landing reports .bqemu
