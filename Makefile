# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PG_URL ?= postgresql://dumbcontacts:dumbcontacts@127.0.0.1:5432/dumbcontacts_test

.PHONY: setup demo test lint services bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU wheel first: an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/dumbcontacts demo

services:
	bash scripts/services.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup services lint
	DUMBCONTACTS_TEST_POSTGRES=$(PG_URL) $(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) demo dumbcontacts.duckdb dumbcontacts.duckdb.wal
