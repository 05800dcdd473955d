# citykpi: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/citykpi
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-sqlite test-postgres install install-test demo bench bench-national lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## make run: create the venv, install, migrate, load the demo data when empty, serve on :$(PORT)
run: install
	DEBUG=1 DEMO=1 $(BIN)/citykpi migrate --noinput
	DEBUG=1 DEMO=1 $(BIN)/citykpi demo --if-empty
	DEBUG=1 DEMO=1 $(BIN)/citykpi runserver 127.0.0.1:$(PORT)

demo: install
	DEBUG=1 DEMO=1 $(BIN)/citykpi migrate --noinput
	DEBUG=1 DEMO=1 $(BIN)/citykpi demo

## make test: the whole suite on SQLite, then on PostgreSQL when it is reachable
test: install-test
	@bash scripts/test.sh

lint: install-test
	$(BIN)/ruff check citykpi benchmarks
	$(BIN)/ruff format --check citykpi benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

## make bench: city-scale benchmarks, the season scenario first; writes docs/benchmarks.md.
## The cache is Redis database 2 when Redis answers (BENCH_CACHE_URL), else local memory.
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/2
BENCH_CACHE = $$($(BIN)/python -c "import redis; redis.Redis.from_url('$(BENCH_CACHE_URL)').ping(); print('$(BENCH_CACHE_URL)')" 2>/dev/null)

bench: install-test
	CACHE_URL="$${CACHE_URL:-$(BENCH_CACHE)}" $(BIN)/citykpi bench --scale city

bench-national: install-test
	CACHE_URL="$${CACHE_URL:-$(BENCH_CACHE)}" $(BIN)/citykpi bench --scale national --out docs/benchmarks-national.md

clean:
	rm -rf $(VENV) var/*.sqlite3* var/screenshots
