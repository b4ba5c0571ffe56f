# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test install install-dev db openapi lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

db: install
	$(FLASK) db upgrade
	$(FLASK) data load
	$(FLASK) demo seed

## run: install, migrate SQLite, load the reference data, seed the demo, serve on :5000
run: db
	@echo "Docs: http://127.0.0.1:5000/api/docs   Health: http://127.0.0.1:5000/healthz"
	$(FLASK) run --host 127.0.0.1 --port 5000

## test: install test requirements and run the whole suite (set TEST_DATABASE_URL to add PostgreSQL)
test: install-dev
	$(BIN)/pytest

## openapi: regenerate the committed OpenAPI document after an API change
openapi: install
	$(FLASK) openapi write openapi/openapi.json

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
