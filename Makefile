# cdhub developer entry points. Only python3 (3.11+) and make are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install run test lint bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(STAMP)

## Serve the hub on 127.0.0.1:8000 (SQLite by default), loading demo data into an empty database.
## Dev only: requests without credentials act as admin (the hub refuses this with CDHUB_ENV=prod).
run: install
	$(BIN)/cdhub db upgrade
	$(BIN)/cdhub demo --if-empty
	CDHUB_ALLOW_ANONYMOUS_ADMIN=true $(BIN)/cdhub serve

## Run the test suite (PostgreSQL/Redis tests run when CDHUB_TEST_DATABASE_URL/CDHUB_TEST_REDIS_URL are set).
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Benchmarks (PostgreSQL at CDHUB_BENCH_DATABASE_URL, default the local server); each prints its
## figures and a ratio against a baseline measured in the same run. Large: expect tens of minutes.
bench: install
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.er_febrl
	$(BIN)/python -m bench.er_quality
	$(BIN)/python -m bench.match_latency
	$(BIN)/python -m bench.graphql_360

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache cdhub.db cdhub.db-*
