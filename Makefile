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

# The mechanism tests also run with the compiler off: the compiled mechanisms must stay plain
# Python that runs (and passes) as such, for debugging.
MECHANISM_TESTS := tests/test_information.py tests/test_stakeholder_mechanisms.py \
	tests/test_provenance.py tests/test_attention.py tests/test_pressure.py \
	tests/test_sellers.py tests/test_observation.py tests/test_decision.py \
	tests/test_network_territory.py tests/test_equal_effort.py \
	tests/test_extreme_conditions.py tests/test_determinism.py \
	tests/test_common_random_numbers.py tests/test_properties.py tests/test_compiled.py \
	tests/test_batch.py tests/test_streams_compiled.py tests/test_pcg.py \
	tests/test_committee_draw.py

# The suite runs in TEST_WORKERS processes (pytest-xdist), a test file to a process: files
# that share a fixture or a folder stay together. The slowest tests are listed at the end.
TEST_WORKERS ?= 2
PARALLEL := -n $(TEST_WORKERS) --dist loadfile

test: venv
	$(BIN)/python -m pytest $(PARALLEL) --durations=15
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest $(PARALLEL) -q -m "not slow" -p no:cacheprovider $(MECHANISM_TESTS)

test-fast: venv
	$(BIN)/python -m pytest $(PARALLEL) -m "not slow"

# Prints speed, scaling, start-up and memory figures against their targets; asserts nothing.
# The memory rows sweep 10,000 and 1,000,000 runs (long); BENCH_QUICK=1: 10,000 and 100,000.
bench: venv
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench_scaling.py
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_pipeline.py

# After a model change: rewrite the documented command outputs (then re-read the prose).
docs-examples: venv
	$(BIN)/python tests/docs_tables.py --update
	$(BIN)/python tests/docs_examples.py --update

lint: venv
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/ruff format --check sim tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
