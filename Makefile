# One task runner: the README and .ci/run call these targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8001
# Test processes: the suite is mostly waiting on local servers and crawl subprocesses, so it
# runs across the machine's cores (pytest-xdist), a whole test file per worker.
JOBS ?= auto

.PHONY: demo test lint bench install clean

$(BIN)/edunews: pyproject.toml
	@echo "edunews: installing into $(VENV)/ (the first time takes a minute or two)..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq --upgrade pip
	@$(BIN)/python -m pip install -qq -e ".[test]"
	@touch $@
	@echo "edunews: installed ($(BIN)/edunews)"

install: $(BIN)/edunews

# Start the bundled sample agency sites on 127.0.0.1, crawl them into data/demo/archive.db
# (the demo's own archive, never data/archive.db), serve it.
demo: install
	@$(BIN)/python scripts/demo.py --port $(PORT)

# The test suite (what CI runs).
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) data/demo
