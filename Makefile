# The two commands of the README. Each installs what it needs into .venv first.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: up demo test lint bench docs
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/pulih up --demo

up: $(STAMP)
	$(VENV)/bin/pulih up

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	$(VENV)/bin/python -m bench

# The integrators' documents (docs/asyncapi.json, docs/openapi.json), generated from the code;
# commit them: the tests fail when they are out of date.
docs: $(STAMP)
	$(VENV)/bin/python -m deploy.docs
