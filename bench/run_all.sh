#!/usr/bin/env bash
# `make bench`: rerun every benchmark and rewrite docs/results/ (commit the results afterwards).
# KODAK_DIR (default ../shared/data/kodak) and TRAIN_DIR (default ../shared/data/train) name the data.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
KODAK="${KODAK_DIR:-../shared/data/kodak}"
TRAIN="${TRAIN_DIR:-../shared/data/train}"
REFERENCE="${REFERENCE:-../shared/reference/kodak_published.json}"

echo "== entropy coding speed (ncodec vs CompressAI rANS)"
bash bench/entropy_coding_speed.sh
echo "== Kodak rate-distortion and speed, all codecs"
KODAK_DIR="$KODAK" REFERENCE="$REFERENCE" bash bench/kodak.sh \
    --codecs jpeg,jpeg2000,webp,avif,jpegxl,ncodec:hyperprior-mse
echo "== Kodak round trip through the CLI"
"$PY" bench/kodak_roundtrip.py "$KODAK" --qualities 1,50,100
echo "== encoder-side refinement: plain vs --refine 30 on every 6th Kodak image"
"$PY" bench/refine_gain.py "$KODAK" --steps 30 --qualities 15,43,72 --every 6
echo "== model card numbers"
"$PY" bench/model_card.py docs/results/kodak/results.json --name hyperprior-mse --reference "$REFERENCE"
echo "== rate-distortion bounds"
"$PY" bench/bounds_gaussian.py --dim 2
"$PY" bench/bounds_gaussian.py --dim 16
"$PY" bench/bounds_gaussian.py --dim 1000 --distortions 0.05,0.1,0.2,0.3,0.5 --no-lower --diagonal
"$PY" bench/bounds_patches.py --train "$TRAIN" --test "$KODAK" --eval-records docs/results/kodak/records.jsonl
