#!/usr/bin/env bash
# Entropy-coding speed benchmark: ncodec vs CompressAI's C++ rANS, in a separate venv.
# Creates .venv-bench (git-ignored) on first use: CPU torch pinned FIRST (so nothing can pull a
# CUDA build), then CompressAI without its heavy optional dependencies, then ncodec itself.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-bench
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import constriction, scipy, ncodec" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q torch==2.13.0
    "$VENV/bin/pip" install -q --no-deps compressai==1.2.8
    "$VENV/bin/pip" install -q numpy constriction==0.5.0 scipy
    "$VENV/bin/pip" install -q --no-deps -e .
fi
exec nice -n 10 "$VENV/bin/python" bench/entropy_coding_speed.py "$@"
