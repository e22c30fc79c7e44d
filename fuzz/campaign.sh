#!/usr/bin/env bash
# A fuzzing campaign: seeds, the container parser for CONTAINER_RUNS inputs, the full decoder
# for DECODER_SECONDS, then both corpora minimized into fuzz/corpus (libFuzzer -merge=1).
# Crashes (any exception but ncodec.errors, timeouts, memory) land in OUT/artifacts.
#
#   fuzz/campaign.sh [OUT] [CONTAINER_RUNS] [DECODER_SECONDS]
set -euo pipefail
OUT=${1:-/tmp/ncodec-fuzz}
CONTAINER_RUNS=${2:-1000000}
DECODER_SECONDS=${3:-3600}
PY=${PY:-.venv/bin/python}
export NCODEC_FUZZ_WEIGHTS="$OUT/weights"
mkdir -p "$OUT/artifacts" "$OUT/container" "$OUT/decoder"

"$PY" fuzz/make_seeds.py --weights "$NCODEC_FUZZ_WEIGHTS" --out "$OUT/seeds"

"$PY" fuzz/container_target.py "$OUT/container" fuzz/corpus/container "$OUT/seeds/container" \
    -runs="$CONTAINER_RUNS" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$OUT/artifacts/container-" > "$OUT/container.log" 2>&1
"$PY" fuzz/decoder_target.py "$OUT/decoder" fuzz/corpus/decoder "$OUT/seeds/decoder" \
    -max_total_time="$DECODER_SECONDS" -max_len=8192 -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/decoder-" > "$OUT/decoder.log" 2>&1

for target in container decoder; do
    grep -h "stat::number_of_executed_units" "$OUT/$target.log" | sed "s/^/$target: /"
    rm -rf "fuzz/corpus/$target.new" && mkdir -p "fuzz/corpus/$target.new"
    "$PY" "fuzz/${target}_target.py" -merge=1 -max_len=200000 -timeout=60 \
        "fuzz/corpus/$target.new" "fuzz/corpus/$target" "$OUT/$target" "$OUT/seeds/$target" \
        > "$OUT/$target-merge.log" 2>&1
    rm -rf "fuzz/corpus/$target" && mv "fuzz/corpus/$target.new" "fuzz/corpus/$target"
done
# The valid seeds stay in the decoder corpus: the replay test mutates files that decode.
for seed in "$OUT"/seeds/decoder/*.ncz; do
    cp "$seed" "fuzz/corpus/decoder/seed-$(basename "$seed" .ncz)"  # *.ncz is git-ignored
done
du -sh fuzz/corpus
