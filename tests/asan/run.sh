#!/usr/bin/env bash
# `make asan-test`: the C kernels (overfit decoder, lidar-octree contexts) built with
# AddressSanitizer, in a scratch copy of the working tree, running the tests that drive them
# (exactness against the reference, worst-case parameters, odd shapes, bad buffers, the shipped
# fixtures, lidar streams with and without the kernels) and the fuzz replay.
# Any out-of-bounds access or use after free aborts the run with a report.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
PY=$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")
libasan=$(${CC:-gcc} -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
    echo "asan-test: the compiler has no libasan.so" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r setup.py MANIFEST.in pyproject.toml src tests fuzz weights "$work/"
find "$work/src" -name '*.so' -delete
cd "$work"
CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g" LDFLAGS="-fsanitize=address" \
    "$PY" setup.py -q build_ext --inplace >/dev/null
LD_PRELOAD="$libasan" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 OMP_NUM_THREADS=1 \
    PYTHONPATH="$work/src" "$PY" -m pytest -q -p no:cacheprovider \
    tests/models/overfit/test_kernels.py tests/models/overfit/test_shipped_fixture.py \
    tests/models/overfit/test_integer.py tests/models/overfit/test_robustness.py tests/fuzz \
    tests/pointcloud/test_pointcloud_kernels.py tests/pointcloud/test_pointcloud_first_layer.py \
    tests/pointcloud/test_pointcloud_split.py
echo "asan-test: passed"
