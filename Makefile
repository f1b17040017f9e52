# Thin entry points. Every target bootstraps what it needs, so a fresh clone only needs python3, make, git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
STAMP := $(VENV)/.installed

.PHONY: dev test test-lambda-python lint typecheck unit integration e2e infra build bench clean tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# SAM CLI and checkov pin their own dependency trees; each lives in its own venv so neither
# dictates versions to the application.
# Only the two entry points go on PATH (.tools/bin), never the tool venvs' own python3/pip.
$(SAM):
	$(PYTHON) -m venv $(TOOLS)/sam
	$(TOOLS)/sam/bin/pip install --quiet aws-sam-cli==1.170.0
	mkdir -p $(TOOLS)/bin && ln -sf ../sam/bin/sam $(TOOLS)/bin/sam

$(CHECKOV):
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet checkov==3.3.30
	mkdir -p $(TOOLS)/bin && ln -sf ../checkov/bin/checkov $(TOOLS)/bin/checkov

tools: $(SAM) $(CHECKOV)

dev: $(STAMP)
	PYTHONPATH=local $(BIN)/python -m devstack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy layers/shared functions local

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

infra: $(STAMP) tools
	SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(BIN)/pytest tests/infra

test: $(STAMP) tools lint typecheck
	SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(BIN)/pytest

# Lambda runs python3.13 while this machine defaults to 3.11: run the unit and integration suites
# under the Lambda runtime's Python too, when that interpreter is on the machine.
LAMBDA_PYTHON ?= $(shell for c in python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3.13; do "$$c" -c '' 2>/dev/null && { echo "$$c"; break; }; done)
LAMBDA_VENV := .venv-lambda-python

test-lambda-python:
	@if [ -z "$(LAMBDA_PYTHON)" ]; then echo "python3.13 not found: skipping the Lambda-runtime test run"; exit 0; fi; \
	set -e; \
	[ -x $(LAMBDA_VENV)/bin/python ] || $(LAMBDA_PYTHON) -m venv $(LAMBDA_VENV); \
	$(LAMBDA_VENV)/bin/pip install --quiet --upgrade pip; \
	$(LAMBDA_VENV)/bin/pip install --quiet -e '.[dev]'; \
	$(LAMBDA_VENV)/bin/python -m pytest tests/unit tests/integration -q -p no:cacheprovider

build: $(STAMP) $(SAM)
	SAM_CLI_TELEMETRY=0 PYTHON="$(CURDIR)/$(BIN)/python" $(SAM) build

# Each prints its figures from one run; none is part of `make test`. cold_start.py measures the
# functions and the layer as `make build` ships them, on the Lambda runtime's Python.
bench: $(STAMP) build
	LAMBDA_PYTHON="$(LAMBDA_PYTHON)" $(BIN)/python bench/cold_start.py
	$(BIN)/python bench/import_time.py
	$(BIN)/python bench/signup_latency.py
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) $(LAMBDA_VENV) $(TOOLS) .aws-sam .pytest_cache .mypy_cache .ruff_cache
