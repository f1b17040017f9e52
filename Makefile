# Thin entry points. Every target bootstraps what it needs, so a fresh clone only needs python3, make, git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
STAMP := $(VENV)/.installed

.PHONY: dev test test-lambda-python lint typecheck unit integration e2e infra build bench clean tools lock probe-paynow \
	deploy secrets smoke

LOCKS := locks
# Every venv installs a hash-pinned lock (the full dependency closure, compiled by `make lock`), then
# this project itself. A lock is the whole closure, so nothing is resolved at install time (--no-deps)
# and `pip check` proves it complete; the lock pins the setuptools that builds this project.
install-locked = $(1)/bin/pip install --quiet --require-hashes --no-deps -r $(2) && $(1)/bin/pip check --quiet
install-project = $(1)/bin/pip install --quiet --no-deps --no-build-isolation -e .

$(STAMP): pyproject.toml $(LOCKS)/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(call install-locked,$(VENV),$(LOCKS)/dev.txt)
	$(call install-project,$(VENV))
	touch $@

# SAM CLI and checkov pin their own dependency trees; each lives in its own venv so neither
# dictates versions to the application.
# Only the two entry points go on PATH (.tools/bin), never the tool venvs' own python3/pip.
$(SAM): $(LOCKS)/sam.txt
	$(PYTHON) -m venv $(TOOLS)/sam
	$(call install-locked,$(TOOLS)/sam,$<)
	mkdir -p $(TOOLS)/bin && ln -sf ../sam/bin/sam $(TOOLS)/bin/sam
	touch $@

$(CHECKOV): $(LOCKS)/checkov.txt
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(call install-locked,$(TOOLS)/checkov,$<)
	mkdir -p $(TOOLS)/bin && ln -sf ../checkov/bin/checkov $(TOOLS)/bin/checkov
	touch $@

tools: $(SAM) $(CHECKOV)

dev: $(STAMP)
	PYTHONPATH=local $(BIN)/python -m devstack

# lint-imports checks the layering contracts in pyproject.toml ([tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=layers/shared $(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy layers/shared functions local tests bench

unit: $(STAMP)
	$(BIN)/pytest tests/unit local/devstack/tests

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

infra: $(STAMP) tools
	SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(BIN)/pytest tests/infra

# Also measures the layer's line coverage; the floor is fail_under in pyproject.toml.
test: $(STAMP) tools lint typecheck
	SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(BIN)/pytest --cov --cov-report=term

# Lambda runs python3.13 while this machine defaults to 3.11: run the unit and integration suites
# under the Lambda runtime's Python too, when that interpreter is on the machine.
LAMBDA_PYTHON ?= $(shell for c in python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3.13; do "$$c" -c '' 2>/dev/null && { echo "$$c"; break; }; done)
LAMBDA_VENV := .venv-lambda-python

test-lambda-python:
	@if [ -z "$(LAMBDA_PYTHON)" ]; then echo "python3.13 not found: skipping the Lambda-runtime test run"; exit 0; fi; \
	set -e; \
	[ -x $(LAMBDA_VENV)/bin/python ] || $(LAMBDA_PYTHON) -m venv $(LAMBDA_VENV); \
	$(call install-locked,$(LAMBDA_VENV),$(LOCKS)/dev.txt); \
	$(call install-project,$(LAMBDA_VENV)); \
	$(LAMBDA_VENV)/bin/python -m pytest tests/unit tests/integration local/devstack/tests -q -p no:cacheprovider

build: $(STAMP) $(SAM)
	SAM_CLI_TELEMETRY=0 PYTHON="$(CURDIR)/$(BIN)/python" $(SAM) build

# To AWS (README "Deploy"). Each refuses a shell whose AWS settings point at the local stack.
# `make deploy`: sam build + sam deploy, guided until samconfig.toml holds the parameters
# (CONFIG_ENV picks a samconfig environment). `make secrets`: store the PayNow API key (prompted)
# and a new key for the caller `backend`. `make smoke`: the local stack (`make dev`; DEVSTACK=<dir>
# for another state folder), or STACK=<name> for a deployed one.
CONFIG_ENV ?= default
STACK ?=
DEVSTACK ?=
OPS := PYTHONPATH=local $(BIN)/python -m ops

deploy: $(STAMP) $(SAM)
	$(OPS) deploy --sam $(SAM) --config-env $(CONFIG_ENV)

secrets: $(STAMP)
	$(OPS) secrets paynow-key
	$(OPS) secrets caller-key --caller backend

smoke: $(STAMP)
	$(OPS) smoke $(if $(STACK),--stack $(STACK),--local $(if $(DEVSTACK),--devstack $(DEVSTACK)))


# Each prints its figures from one run; none is part of `make test`. cold_start.py measures the
# functions and the layer as `make build` ships them, on the Lambda runtime's Python.
bench: $(STAMP) build
	LAMBDA_PYTHON="$(LAMBDA_PYTHON)" $(BIN)/python bench/cold_start.py
	$(BIN)/python bench/import_time.py
	$(BIN)/python bench/signup_latency.py
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/webhook_latency.py

# Recompiles the three locks (universal: any OS, Python >= 3.11, so the 3.13 venv uses the dev lock
# too). Pins already in a lock are kept unless a requirement moved; `make lock UPGRADE=--upgrade`
# takes the newest allowed versions. Keep layers/shared/requirements.txt at the dev lock's versions.
UPGRADE ?=
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(UPGRADE)

lock: $(STAMP)
	$(UV_COMPILE) pyproject.toml --extra dev -o $(LOCKS)/dev.txt
	$(UV_COMPILE) $(LOCKS)/sam.in -o $(LOCKS)/sam.txt
	$(UV_COMPILE) $(LOCKS)/checkov.in -o $(LOCKS)/checkov.txt

clean:
	rm -rf $(VENV) $(LAMBDA_VENV) $(TOOLS) .aws-sam .pytest_cache .mypy_cache .ruff_cache

# Checks the emulator's house decisions against a PayNow API: an in-process emulator by default;
# a real store only with PAYNOW_PROBE_API_KEY and PAYNOW_PROBE_STORE_ID set (it asks first).
# Extra flags: make probe-paynow ARGS='--yes-create-test-customers'
probe-paynow: $(STAMP)
	PYTHONPATH=local $(BIN)/python -m paynow_probe $(ARGS)
