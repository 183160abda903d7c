# Two commands do all set-up: `make serve` and `make test`. Each creates .venv and installs when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: serve test lint bench clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/rise-mock serve --host $(HOST) --port $(PORT)

# Tests run in one process per core plus one (pytest-xdist; many tests wait on a served mock, so one more
# worker keeps the cores busy), and a worker that runs out takes queued tests from the others (worksteal), so
# that the long end-to-end runs do not finish on one worker; `make test PYTEST_ARGS=...` passes more options.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set (in the gitignored __pycache__ folders): the
# suite starts many Python processes (workers, servers, Schemathesis, the CLI, pytest in pytest), and without
# a cache each compiles this project's modules and rewrites asserts anew (27 s of 318 s of CPU, measured).
WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
test: $(STAMP) system-deps
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal $(PYTEST_ARGS)

# Debian's chromium, for the dashboard's browser test: installed when missing, as root, where apt exists;
# otherwise that test is skipped and says why.
system-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the dashboard's browser test..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "chromium could not be installed: the dashboard's browser test will be skipped"; \
	else \
		echo "chromium is missing (apt-get install chromium as root): the dashboard's browser test will be skipped"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/app_cpu.py
	$(BIN)/python bench/sqlite_workers.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/conformance_run.py
	$(BIN)/python bench/lag_run.py
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis reports
