#!/usr/bin/env bash
# Kodak rate–distortion + speed report: writes docs/results/kodak/ (results.json, bd_rate.md, plots).
# Usage: bench/kodak.sh [KODAK_DIR] [extra `ncodec eval` options, e.g. --codecs jpeg,ncodec --fresh]
# KODAK_DIR defaults to $KODAK_DIR, then /work/shared/data/kodak. Resumable: rerun to continue.
set -euo pipefail
cd "$(dirname "$0")/.."
KODAK="${KODAK_DIR:-/work/shared/data/kodak}"
if [[ $# -gt 0 && "$1" != -* ]]; then KODAK="$1"; shift; fi
OUT="${OUT:-docs/results/kodak}"
REFERENCE="${REFERENCE:-/work/shared/reference/kodak_published.json}"
PY="${PY:-.venv/bin/python}"
args=(--out "$OUT" --jobs "${JOBS:-1}" --threads 1)
# Published curves overlaid (a readable subset; REFERENCE_CURVES="" keeps all of the file).
CURVES="${REFERENCE_CURVES-bmshj2018-factorized,bmshj2018-hyperprior,mbt2018,cheng2020-attn,bpg444,vtm(VVC),jpeg,webp}"
if [[ -f "$REFERENCE" ]]; then
  args+=(--reference "$REFERENCE")
  if [[ -n "$CURVES" ]]; then args+=(--reference-curves "$CURVES"); fi
fi
# Low priority: the machine is shared; timings are reported as CPU time for that reason.
exec nice -n 10 "$PY" -m ncodec.cli eval "$KODAK" "${args[@]}" "$@"
