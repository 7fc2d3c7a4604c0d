# The two commands of the README. Each installs what it needs into .venv first.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: up demo test lint bench
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
