# cjmkit: two commands matter, `make demo` and `make test`. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8866
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint bench lab install clean

# Create the virtual environment if missing and install cjmkit (editable) with test and dev extras.
# Re-runs only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dev]"
	@touch $@

install: $(VENV)/.installed

demo: install
	$(PY) -m cjmkit.cli demo --port $(PORT)

test: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Every benchmark runs and prints its figures; the exit code says whether any target was missed.
bench: install
	@failed=""; for script in benchmarks/bench_*.py; do \
		echo "== $$script"; $(PY) $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "Missed a target:$$failed"; exit 1; fi

lab: install
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --no-browser notebooks/

clean:
	rm -rf build dist .pytest_cache .ruff_cache .hypothesis .bench .demo
