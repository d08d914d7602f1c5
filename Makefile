# SEP Help Desk — the two commands for new users: `make run` and `make test`.
# Everything they need is installed here (a virtualenv in .venv; Chromium from Debian for the
# browser tests). `make bench` runs the benchmarks (never part of `make test`); `make fuzz` fuzzes the API.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PLUGIN_INITS := $(wildcard plugins/*/__init__.py)
PYTEST_WORKERS ?= auto
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-sqlite test-postgres bench faults fuzz lint install browser clean

install: $(STAMP)

$(STAMP): setup.py $(PLUGIN_INITS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,postgres,bench,server,semantic]"
	touch $(STAMP)

# `make run PORT=8080` (and HOST=...) serves elsewhere; the links in e-mails follow (SEP_PUBLIC_URL,
# unless set in the environment).
HOST ?= 127.0.0.1
PORT ?= 5000
run: install
	SEP_PUBLIC_URL="$${SEP_PUBLIC_URL:-http://$(HOST):$(PORT)}" $(BIN)/sep init --demo
	SEP_PUBLIC_URL="$${SEP_PUBLIC_URL:-http://$(HOST):$(PORT)}" $(BIN)/sep run --host $(HOST) --port $(PORT)

browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core) \
	      || { echo "could not install chromium"; exit 1; }; \
	  else echo "Chromium is missing: sudo apt-get install chromium (browser tests will be skipped)"; fi; \
	fi

test: install browser
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$SEP_TEST_POSTGRES" ]; then $(MAKE) --no-print-directory test-postgres; fi

# On SQLite whatever the environment says (CI exports SEP_TEST_DATABASE_URL for the PostgreSQL tier).
test-sqlite: install
	$(BIN)/ruff check .
	env -u SEP_TEST_DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) -q -rs

# The whole suite again on PostgreSQL (the browser tier already ran on SQLite).
test-postgres: install
	SEP_TEST_DATABASE_URL="$${SEP_TEST_DATABASE_URL:-$(PG_URL)}" $(BIN)/pytest -n $(PYTEST_WORKERS) -q -rs -m "not browser"

bench: install
	mkdir -p benchmarks/results
	@set -e; for script in benchmarks/*_bench.py; do \
	  [ -e "$$script" ] || continue; echo "== $$script"; $(BIN)/python "$$script"; done

# Filing while PostgreSQL connections are killed (issue 13): 8 clients, idempotent retries; never in `make test`.
faults: install
	$(BIN)/python faults/filing_faults.py

# Schema-driven fuzzing of the JSON API (schemathesis against a live server); writes
# benchmarks/results/fuzz.md. FUZZ_EXAMPLES per operation (tests/test_api_fuzz.py is the CI size).
FUZZ_EXAMPLES ?= 200
fuzz: install
	mkdir -p benchmarks/results
	$(BIN)/python benchmarks/fuzz_api.py --max-examples $(FUZZ_EXAMPLES)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
