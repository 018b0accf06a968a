# Two commands for a fresh machine with Python 3.11+, make and a C compiler (or
# BOT_PURE_PYTHON=1): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: run test check lint format bench docker package clean

# The core modules that every question runs through, compiled with mypyc (setup.py lists
# them) beside their sources, so that the bot run from this checkout, its tests and its
# benchmarks use them; rebuilt whenever a core module changes. BOT_PURE_PYTHON=1 runs them
# as plain Python instead (no C compiler needed).
NATIVE := $(VENV)/$(if $(BOT_PURE_PYTHON),.pure,.native)
BUILD_REQUIRES = $(shell $(PY) -c "import tomllib; print(' '.join(repr(r) for r in \
	tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires']))")

$(VENV)/.runtime: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet .
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(PY) -m pip install --quiet '.[test]'
	touch $@

$(VENV)/.build: $(VENV)/.runtime pyproject.toml
	$(PY) -m pip install --quiet $(BUILD_REQUIRES)
	touch $@

$(NATIVE): $(VENV)/.build setup.py $(wildcard bot/core/*.py)
	rm -rf bot/core/*.so bot_core__mypyc.*.so build/temp.* build/lib.* $(VENV)/.native $(VENV)/.pure
	$(if $(BOT_PURE_PYTHON),,$(PY) setup.py --quiet build_ext --inplace)
	touch $@

# bytecode for every module, as `pip install` writes it for an installed bot: a checkout run
# where PYTHONDONTWRITEBYTECODE is set (as in the Docker image) would compile each on every start
$(VENV)/.bytecode: $(VENV)/.runtime $(wildcard bot/*.py bot/*/*.py)
	$(PY) -m compileall -q bot
	touch $@

run: $(NATIVE) $(VENV)/.bytecode ## start the console (or the Discord bot once DISCORD_TOKEN is set)
	$(PY) -m bot

test: $(VENV)/.test $(NATIVE) $(VENV)/.bytecode ## lint, format check, type check, content check and the test suite
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m bot check
	$(PY) -m pytest -q

check: $(NATIVE) ## validate content/
	$(PY) -m bot check

lint: $(VENV)/.test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(VENV)/.test
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(NATIVE) $(VENV)/.bytecode ## matcher benchmark (by hand; figures go in the README)
	$(PY) benchmarks/bench_matcher.py

docker: ## build the container image (needs a Docker engine)
	docker build -t rare-neuro-bot .

package: $(VENV)/.runtime ## the wheel, content included, in build/dist/ (pip install it anywhere)
	rm -rf build/lib build/bdist.* build/dist
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir build/dist .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis bot/core/*.so bot_core__mypyc.*.so
