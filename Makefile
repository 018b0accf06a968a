# Two commands for a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test check lint format bench docker package clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet .
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(PY) -m pip install --quiet '.[test]'
	touch $@

run: $(VENV)/.runtime ## start the console (or the Discord bot once DISCORD_TOKEN is set)
	$(PY) -m bot

test: $(VENV)/.test ## lint, format check, type check, content check and the test suite
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m bot check
	$(PY) -m pytest -q

check: $(VENV)/.runtime ## validate content/
	$(PY) -m bot check

lint: $(VENV)/.test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(VENV)/.test
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(VENV)/.runtime ## matcher benchmark (by hand; figures go in the README)
	$(PY) benchmarks/bench_matcher.py

docker: ## build the container image (needs a Docker engine)
	docker build -t rare-neuro-bot .

package: $(VENV)/.runtime ## the wheel, content included, in build/dist/ (pip install it anywhere)
	rm -rf build/lib build/bdist.* build/dist
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir build/dist .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
