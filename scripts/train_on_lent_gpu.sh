#!/usr/bin/env bash
# Continue the shipped model on a lent GPU for a fixed number of minutes and put the model
# shards, meta and logs in $OUT (<= 16 MB a file). Data: a pack from scripts/pack_training_data.py.
# Usage: OUT=dir bash scripts/train_on_lent_gpu.sh PACK_DIR MINUTES [DEVICE] [BATCH]
set -euo pipefail
pack=$1 minutes=$2 device=${3:-cuda} batch=${4:-64}
run=${RUN_DIR:-/tmp/ncodec-gpu-run}
start=$(python3 -c "import json; print(json.load(open('weights/hyperprior-mse.json'))['training']['steps'])")
lmbda=$(python3 -c "import json; print(','.join(map(str, json.load(open('weights/hyperprior-mse.json'))['config']['lambdas'])))")
export PYTHONPATH=src:${PYTHONPATH:-} PYTHONUNBUFFERED=1 TQDM_MININTERVAL=15
python3 - <<'PY'
import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(),
                   torch.cuda.get_device_name() if torch.cuda.is_available() else "")
PY
python3 -c "from ncodec.train.cli import train_command; train_command()" \
  --model mean-scale-hyperprior --lmbda "$lmbda" --data "$pack/bsds500" --data "$pack/imagenet" \
  --out "$run" --steps 10000000 --init-from weights/hyperprior-mse.safetensors \
  --start-step "$start" --device "$device" --batch-size "$batch" --patch 128 --lr "${LR:-1e-4}" \
  --precision bf16 --holdout 0 --max-minutes "$minutes" --checkpoint-minutes 2 \
  2> "$OUT/train-stderr.log" || echo "train exited with $?"
python3 scripts/checkpoint_shards.py split "$run/checkpoint.pt" "$OUT"
cp "$run/log.csv" "$OUT/log.csv"
tail -c 1500 "$OUT/train-stderr.log"
tail -n 3 "$OUT/log.csv"
