# The two commands of the README. Each installs what it needs into .venv first.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

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

# The benchmark's extra dependencies (the eventsourcing peer, profilers); ARGS=--quick etc.
$(BENCH_STAMP): $(STAMP)
	$(VENV)/bin/pip install -q -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(VENV)/bin/python -m bench $(ARGS)

# The integrators' documents (docs/asyncapi.json, docs/openapi.json), generated from the code;
# commit them: the tests fail when they are out of date.
docs: $(STAMP)
	$(VENV)/bin/python -m ops.docs
