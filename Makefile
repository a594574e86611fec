# Set-up and everyday commands. Each target creates .venv if needed and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STUDY ?= courtship-and-marriage

.PHONY: install dev study simulate test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the library, the CLI and the Jupyter kernel the study runner uses
install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/journey kernel

# plus test tools; lifelines (a test-only reference) caps pandas < 3, so it comes without its pins
dev: install
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip install --quiet --no-deps "lifelines>=0.29,<0.31"

# the main job: the first study on the built-in default data (preset telecom)
study: install
	$(BIN)/journey run $(STUDY)

# a plain simulation of the default preset, for a first look at the tables
simulate: install
	$(BIN)/journey simulate --preset telecom --customers 20000 --seed 1 --out out/telecom

test: dev
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check src tests benchmarks

bench: dev
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
