# b2bsim: `make demo` and `make test` work from a fresh clone (they create .venv first).
PYTHON ?= python3.12
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: venv demo test test-fast bench lint docs-examples clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/b2bsim run scenarios/baseline.yaml --seed 1
	$(BIN)/b2bsim compare scenarios/baseline.yaml --replications 200 --html reports/compare-baseline.html
	@echo "Open the comparison report in a browser: $(CURDIR)/reports/compare-baseline.html"

test: venv
	$(BIN)/python -m pytest

test-fast: venv
	$(BIN)/python -m pytest -m "not slow"

bench: venv
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench_sweep.py

# After a model change: rewrite the documented command outputs (then re-read the prose).
docs-examples: venv
	$(BIN)/python tests/docs_examples.py --update

lint: venv
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
