#!/usr/bin/env bash
# Encode photos with the overfitted codec on a lent GPU, in batches; files + manifest.jsonl in $OUT.
#
# The device tool sends the repository (about 56 MB of tracked files) plus carried paths, 64 MiB
# in all, so the images travel in small groups in an ignored folder `.gpu/`, with the one wheel
# the GPU image lacks (constriction, for the entropy coding that finishes each file):
#
#   bash scripts/lent_gpu_overfit.sh prepare ../shared/data/kodak 0 12    # here: images 1-12
#   run(command="OUT=$OUT bash scripts/lent_gpu_overfit.sh run 3 '20 40 60 80' 12", carry=[".gpu"])
#   .venv/bin/ncodec eval ../shared/data/kodak --codecs files:FETCHED_DIR,avif,jpegxl,webp,jpeg
#
# `run` resumes (files already in $OUT are skipped) and writes each file as soon as it is done,
# so a run stopped by the time limit still brings back every finished file.
set -euo pipefail
case "${1:-}" in
prepare)
  src=$2 first=$3 count=$4
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
  rm -rf .gpu && mkdir -p .gpu/images
  find "$src" -maxdepth 1 -type f \( -iname '*.png' -o -iname '*.ppm' \) | sort |
    tail -n +$((first + 1)) | head -n "$count" | while read -r f; do cp "$f" .gpu/images/; done
  version=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('constriction'))")
  .venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .gpu/wheels "constriction==$version"
  du -sh .gpu
  ;;
run)
  effort=$2 qualities=$3 batch=${4:-12} device=${DEVICE:-cuda}
  : "${OUT:?set OUT}"
  if ls .gpu/wheels/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .gpu/wheels/*.whl
    export PYTHONPATH=/tmp/site
  fi
  export PYTHONPATH=src:${PYTHONPATH:-} PYTHONUNBUFFERED=1
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
  # shellcheck disable=SC2086  # the qualities are separate words on purpose
  python3 scripts/overfit_folder.py .gpu/images "$OUT" --effort "$effort" --quality $qualities \
    --device "$device" --batch "$batch"
  ;;
*)
  echo "usage: $0 prepare SRC_DIR FIRST COUNT | OUT=dir $0 run EFFORT 'Q1 Q2 ...' [BATCH]" >&2
  exit 2
  ;;
esac
