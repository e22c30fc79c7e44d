# ncodec: `make demo` and `make test` work on a fresh machine (they create .venv).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_IMAGE ?= demo-out/astronaut.png

.PHONY: venv demo test lint bench clean wheel-test

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU build of PyTorch, pinned (a looser pin pulls a multi-GB CUDA build).
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: venv
	$(PY) scripts/demo.py --out demo-out

test: venv
	$(PY) -m ruff check src tests bench scripts
	$(PY) -m pytest -q

# Build the wheel, install it into a throw-away venv (offline) and run it there.
wheel-test: venv
	PY=$(PY) bash tests/wheel/check_wheel.sh

lint: venv
	$(PY) -m ruff check src tests bench scripts
	$(PY) -m ruff format --check src tests bench scripts

bench: venv
	bash bench/run_all.sh

clean:
	rm -rf demo-out .pytest_cache .ruff_cache
