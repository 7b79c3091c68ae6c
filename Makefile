# Quickstart: `make run` shows the example playbooks at work, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test check clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/playbook check playbooks
	$(BIN)/playbook dry-run playbooks --events examples/events.jsonl

test: $(INSTALLED)
	$(BIN)/python -m pytest -q
	$(BIN)/playbook test playbooks

check: $(INSTALLED)
	$(BIN)/playbook check playbooks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
