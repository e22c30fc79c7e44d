# ncodec: `make demo` and `make test` work on a fresh machine (they create .venv).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The compiled kernels (overfit decoder, lidar-octree contexts), rebuilt in place when their source changes.
KERNELS := $(VENV)/.kernels
KERNEL_SOURCES := setup.py src/ncodec/models/overfit/_kernels.c \
	src/ncodec/models/overfit/_kernels_compute.h src/ncodec/pointcloud/_kernels.c \
	src/ncodec/_instruction_sets.h
DEMO_IMAGE ?= demo-out/astronaut.png

.PHONY: venv demo test lint bench clean wheel-test fuzz browser-deps test-multiprocess asan-test

venv: $(KERNELS)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU build of PyTorch, pinned (a looser pin pulls a multi-GB CUDA build).
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,browser,cluster]'
	touch $(STAMP)

$(KERNELS): $(STAMP) $(KERNEL_SOURCES)
	$(PY) -m pip install -q -e . --no-deps --no-build-isolation
	touch $(KERNELS)

demo: venv
	$(PY) scripts/demo.py --out demo-out

test: venv
	$(PY) -m ruff check src tests bench scripts
	$(PY) -m pytest -q

# Tests that start several processes (DDP training, a local Dask cluster); CI runs them too.
test-multiprocess: venv
	NCODEC_MULTIPROCESS_TESTS=1 $(PY) -m pytest -q tests/train/test_distributed.py \
		tests/batch/test_batch_cluster.py

# Debian's Chromium and its driver for the page tests (apt, as root; CI runs this).
browser-deps:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq chromium chromium-driver >/dev/null; }

# The overfit decoder's C kernels under AddressSanitizer (tests/asan/run.sh); CI runs it.
asan-test: venv
	PY=$(PY) bash tests/asan/run.sh

# Build the wheel, install it into a throw-away venv (offline) and run it there.
wheel-test: venv
	PY=$(PY) bash tests/wheel/check_wheel.sh

# Fuzzing campaign (atheris): the container parser, then the full decoder, then both corpora
# minimized into fuzz/corpus (fuzz/README.md). Logs, crashes and grown corpora go to FUZZ_OUT.
FUZZ_OUT ?= /tmp/ncodec-fuzz
FUZZ_CONTAINER_RUNS ?= 1000000
FUZZ_DECODER_SECONDS ?= 3600
fuzz: venv
	PY=$(PY) bash fuzz/campaign.sh $(FUZZ_OUT) $(FUZZ_CONTAINER_RUNS) $(FUZZ_DECODER_SECONDS)

lint: venv
	$(PY) -m ruff check src tests bench scripts
	$(PY) -m ruff format --check src tests bench scripts

bench: venv
	bash bench/run_all.sh

clean:
	rm -rf demo-out .pytest_cache .ruff_cache
