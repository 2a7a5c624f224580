# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PG_URL ?= postgresql://dumbcontacts:dumbcontacts@127.0.0.1:5432/dumbcontacts_test
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH := torch==2.13.0

.PHONY: setup demo test lint services bench lock clean

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt pip setuptools
	# torch first, as the CPU build (an unpinned torch pulls a multi-GB CUDA build); its
	# dependencies come pinned with the rest. Where TORCH_INDEX cannot be reached, the
	# configured index serves it instead.
	$(BIN)/python -m pip install --quiet --no-deps --retries 0 --timeout 15 \
		--index-url $(TORCH_INDEX) $(TORCH) \
	|| { echo "$(TORCH_INDEX) unreachable: $(TORCH) from the configured index"; \
		$(BIN)/python -m pip install --quiet -c constraints.txt $(TORCH); }
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
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

# Re-pin constraints.txt to the venv the tests just passed in (VENV=... to read another).
lock:
	{ echo "# Exact versions the tests run against: make installs with -c constraints.txt."; \
	  echo "# Ranges live in pyproject.toml. Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --all --exclude-editable --exclude dumbcontacts \
	  | sed -E 's/\+[A-Za-z0-9.]+$$//'; } > constraints.txt

clean:
	rm -rf $(VENV) demo dumbcontacts.duckdb dumbcontacts.duckdb.wal
