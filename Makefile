# Thin entry points. Every target bootstraps what it needs, so a fresh clone only needs python3, make, git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
STAMP := $(VENV)/.installed

.PHONY: dev test lint typecheck unit integration e2e infra build bench clean tools

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

build: $(STAMP) $(SAM)
	SAM_CLI_TELEMETRY=0 PYTHON="$(CURDIR)/$(BIN)/python" $(SAM) build

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache .mypy_cache .ruff_cache
