#!/usr/bin/env bash
# `make wheel-test`: build the wheel, install it into a throw-away venv that sees nothing of the
# repository, and run the installed command, `python -m ncodec` and the Pillow plugin.
#
# Offline: the wheel's dependencies are not downloaded again but taken from the project venv,
# whose site-packages (minus ncodec itself and its .pth files) is linked into a folder that the
# new venv reads through a .pth file; `pip install --no-index` then checks the wheel's
# requirements against exactly those packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "wheel-test: building the wheel"
"$PY" -m pip wheel . --no-deps --no-build-isolation -q -w "$work/dist"
wheel=$(ls "$work"/dist/ncodec-*.whl)
"$PY" - "$wheel" <<'PYEOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
shipped = sorted(n for n in names if n.startswith("ncodec/weights/") and n.endswith(".safetensors"))
assert "ncodec/weights/hyperprior-mse.safetensors" in shipped, shipped
assert "ncodec/pillow.py" in names
assert any(n.startswith("ncodec/models/realism_data/") for n in names), "no realism head"
assert any(n.startswith("ncodec/models/overfit/_kernels") for n in names), "no compiled kernels"
assert any(n.startswith("ncodec/pointcloud/_kernels") for n in names), "no lidar kernels"
print(f"wheel-test: {sys.argv[1].rsplit('/', 1)[-1]} carries {len(shipped)} models")
PYEOF

echo "wheel-test: installing into a fresh venv"
site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
mkdir "$work/deps"
for entry in "$site"/*; do
    case "$(basename "$entry")" in
        ncodec* | __editable__* | *.pth | pip | pip-*) ;;
        *) ln -s "$entry" "$work/deps/" ;;
    esac
done
"$PY" -m venv --without-pip "$work/venv"  # the project's pip installs into it (--python)
fresh_site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$work/deps" > "$fresh_site/project-deps.pth"
"$PY" -m pip --python "$work/venv/bin/python" install -q --no-index --disable-pip-version-check \
    "$wheel"

echo "wheel-test: running the installed package"
cd "$work"
unset PYTHONPATH NCODEC_WEIGHTS_PATH
bin="$work/venv/bin"
"$bin/ncodec" --version | tee version.txt
grep -q "hyperprior-mse .*weights [0-9a-f]\{16\}  $fresh_site/ncodec/weights/" version.txt
"$bin/python" - <<'PYEOF'
import numpy as np
from PIL import Image
yy, xx = np.mgrid[0:64, 0:96]
rgb = np.stack([xx * 2, yy * 3, (xx + yy) % 256], -1).astype(np.uint8)
Image.fromarray(rgb).save("input.png")
PYEOF
"$bin/ncodec" compress input.png -o photo.ncz -q 50
"$bin/ncodec" decompress photo.ncz -o decoded.png
"$bin/ncodec" decompress photo.ncz -o realistic.png --realism 1
"$bin/python" -m ncodec info photo.ncz > info.txt
grep -q "hyperprior-mse" info.txt
"$bin/python" - "$fresh_site" <<'PYEOF'
import sys
import numpy as np
from PIL import Image
import ncodec
import ncodec.pillow  # noqa: F401
assert ncodec.__file__.startswith(sys.argv[1]), ncodec.__file__
with Image.open("photo.ncz") as im:
    assert (im.format, im.size, im.mode) == ("NCZ", (96, 64), "RGB")
    pixels = np.asarray(im)
assert np.array_equal(pixels, np.asarray(Image.open("decoded.png").convert("RGB")))
from ncodec.models.overfit import kernels
assert kernels.built(), "the overfit decoder kernels did not come with the wheel"
Image.open("input.png").save("again.ncz", quality=30)
assert Image.open("again.ncz").info["quality"] == 30
print("wheel-test: ncodec from", ncodec.__file__)
PYEOF
echo "wheel-test: passed"
