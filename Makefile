# Quickstart: `make run` shows the example playbooks at work, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run dry-run test check bench compiled plain clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# The daemon on the example desk: replays examples/events.jsonl, then waits for
# live events on 127.0.0.1:8787 (stop it with Ctrl-C; rm -rf .playbook to replay).
PLAYBOOK_TOKEN ?= demo-token
export PLAYBOOK_TOKEN

run: $(INSTALLED)
	$(BIN)/playbook check playbooks
	$(BIN)/playbook run --config examples/daemon.yaml

dry-run: $(INSTALLED)
	$(BIN)/playbook dry-run playbooks --events examples/events.jsonl --until 2026-11-21T00:00:00Z

test: $(INSTALLED)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/lint-imports
	$(BIN)/python -m mypy src/playbook
	$(BIN)/python -m pytest -q
	$(BIN)/playbook test playbooks

# Events/s and memory of Playbook against an orjson floor and a hand-written
# baseline (bench/), load times against their budgets, and playbook diff against
# two dry runs; BENCH_ARGS=--long watches memory over 10 million events,
# BENCH_ARGS=--load times loading only, BENCH_ARGS=--diff the diff only.
bench: $(INSTALLED)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Optional: the engine's hot modules compiled to C with mypyc (a minute or two; needs gcc and
# Python's headers): a third to a half more events a second (docs/performance.md, "Four rules").
# The compiled modules take precedence over their .py files: run `make compiled` again
# after editing one, or `make plain` to go back to plain Python (the tests refuse stale ones).
COMPILED := language/events.py language/timestamps.py compiler/phrases.py runtime/engine.py \
	runtime/dispatch.py runtime/threads.py runtime/generations.py runtime/marks.py

compiled: $(INSTALLED)
	cd src && $(abspath $(BIN))/mypyc $(addprefix playbook/,$(COMPILED))

plain:
	find src -name '*.so' -delete
	rm -rf src/build src/.mypy_cache

check: $(INSTALLED)
	$(BIN)/playbook check playbooks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .playbook src/build src/.mypy_cache
	find src -name '*.so' -delete
