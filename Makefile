# Quick start: `make run` (install, migrate, demo data, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STACK_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/kptportal \
	REDIS_URL=redis://127.0.0.1:6379/0 REDIS_CACHE_URL=redis://127.0.0.1:6379/1
# The suite in TEST_WORKERS processes (pytest-xdist): 2 beat 3 on 2 cores (the browser tests use
# CPU more than they wait); pytest.ini groups the tests that must share one process.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS)
# test-services has Redis databases of its own (broker 7, caches 8 + the xdist worker's number)
# so that a `make run-stack` on the same machine neither takes its tasks nor empties its cache.
TEST_STACK_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/kptportal \
	REDIS_URL=redis://127.0.0.1:6379/7 REDIS_CACHE_URL=redis://127.0.0.1:6379/8

.PHONY: install system run run-stack test test-services lint check bench messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

system:
	./scripts/system-packages.sh

install: system $(VENV)/.installed

# The web server and a Celery worker (with beat) on the broker under var/ that needs no
# server (Procfile.dev); Ctrl-C stops both. No .env is read: the quick start is development.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) manage.py seed_demo
	$(VENV)/bin/honcho --no-colour -e /dev/null -f Procfile.dev start -p $(PORT)

# The same portal on PostgreSQL and Redis with a real Celery worker and beat (Procfile).
run-stack: install
	./scripts/ensure-services.sh
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='kptportal'" \
		| grep -q 1 || createdb -h 127.0.0.1 -U postgres kptportal
	$(STACK_ENV) $(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(STACK_ENV) $(PY) manage.py seed_demo
	$(STACK_ENV) PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: install
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PYTEST)

# The suite on PostgreSQL and Redis, including the tests that go through a real worker.
test-services: install
	./scripts/ensure-services.sh
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(TEST_STACK_ENV) CELERY_TASK_ALWAYS_EAGER=1 PORTAL_REQUIRE_SERVICES=1 $(PYTEST)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

messages: install
	$(PY) manage.py makemessages -l fr -l de -l it -l en --ignore=.venv --ignore=var --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var $(VENV)

# Benchmarks, never part of `make test`: PostgreSQL + Redis on 127.0.0.1, database
# kpt_bench_$(SCALE) loaded once (bench_loaddata), Redis dbs 5-6. Prints the table of
# docs/performance.md. `make bench SCALE=50000` for the large run (~6 min to load).
SCALE ?= 2000
bench: install
	./scripts/ensure-services.sh
	$(PY) -m bench.run --scale $(SCALE)
