# Two commands for a fresh machine:
#   make serve   install, then run the collector on ./lineage.db (SQLite, no other service)
#   make test    install what the suite needs, then lint, type-check and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_VERSION ?= 15

.PHONY: serve test install install-test services lint typecheck pytest demo-airflow

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

serve: install
	$(BIN)/lineage serve

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet torch==2.13.0
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	@command -v docker-compose >/dev/null || (apt-get install -y -qq docker-compose >/dev/null 2>&1 || true)

services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $(PG_VERSION) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
	  echo "PostgreSQL did not start"; exit 1

lint:
	$(BIN)/ruff check src tests migrations benchmarks integrations
	$(BIN)/ruff format --check src tests migrations

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest -q

test: install-test services lint typecheck pytest

demo-airflow: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash integrations/airflow/demo.sh
