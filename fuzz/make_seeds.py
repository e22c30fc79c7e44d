"""Write the seed corpora: valid files of the tiny and shipped models (one of each payload kind
and decoder), format-1 fixtures, every payload kind, and a few broken ones (the campaign then
grows and minimizes them).

    .venv/bin/python fuzz/make_seeds.py --weights /tmp/ncodec-fuzz-weights --out fuzz/seeds
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import KIND_MODELS, ROOT, SHIPPED_MODEL, TINY_MODELS, install_models

from ncodec import api
from ncodec.format import (
    LosslessImageInfo,
    NczHeader,
    PointCloudInfo,
    TensorInfo,
    write_ncz,
)
from ncodec.io import load_image_array

SIZES = ((1, 1), (1, 70), (17, 33), (64, 64), (65, 40))


def decoder_seeds() -> dict[str, bytes]:
    """Valid image files of every installed fuzz model, small enough for the fuzz pixel limit."""
    from skimage.data import astronaut

    rng = np.random.default_rng(0)
    photo = np.ascontiguousarray(astronaut()[40:136, 180:308])
    seeds = {}
    for model in (*TINY_MODELS, SHIPPED_MODEL):
        qualities = (1, 50, 100)
        for h, w in SIZES:
            noise = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            q = qualities[(h + w) % 3]
            seeds[f"{model}-noise-{h}x{w}-q{q}"] = api.compress_image(noise, model, q)
        seeds[f"{model}-photo-q75"] = api.compress_image(photo, model, 75)
        gray = load_image_array(photo[:32, :48, 0])
        seeds[f"{model}-gray-q30"] = api.compress(gray, model, 30)
    for path in sorted((ROOT / "tests" / "fixtures" / "ncz_v1").glob("*.ncz")):
        seeds[f"v1-{path.stem}"] = path.read_bytes()
    return {**seeds, **kind_seeds(photo)}


def kind_seeds(photo: np.ndarray) -> dict[str, bytes]:
    """Small valid files of the shipped models with decoders of their own (KIND_MODELS)."""
    lossless, overfit, digits, lidar = KIND_MODELS
    yy, xx = np.mgrid[:28, :28]
    ring = np.abs(np.hypot(yy - 14, xx - 14) - 8)
    digit = np.clip(255 * (2 - ring), 0, 255).astype(np.uint8)
    turn = np.linspace(0, 2 * np.pi, 300)
    helix = np.stack([10 * np.cos(turn), 10 * np.sin(turn), 0.1 * turn], axis=1)
    return {
        f"{lossless}-photo": api.compress(photo[:24, :40], lossless),
        f"{lossless}-gray": api.compress(load_image_array(photo[:17, :33, 1]), lossless),
        f"{overfit}-photo-q40": api.compress_image(photo[:32, :48], overfit, 40, effort=1),
        f"{digits}-two": api.compress(np.stack([digit, digit.T[::-1]]), digits),
        f"{lidar}-helix": api.compress(helix.astype(np.float32), lidar),
    }


def container_seeds(models: dict[str, bytes]) -> dict[str, bytes]:
    """Headers of every payload kind, extra fields and odd stream layouts."""
    hp = models["tiny-hp"].hex()
    kinds = {
        "lossless": LosslessImageInfo(5, 7, "L", 123456),
        "tensor": TensorInfo((192, 3, 4), "int16"),
        "points": PointCloudInfo(10, (0.0, -1.0, 2.0), (1.0, 1.0, 3.5), 1.0, True),
    }
    seeds = {}
    for name, payload in kinds.items():
        header = NczHeader("tiny-hp", hp, payload, extra={"a": [1, {"b": "c"}], "n": 0.5})
        seeds[f"kind-{name}"] = write_ncz(header, [b"\x01\x00\x00\x00", b""])
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, required=True, help="Folder for tiny models.")
    parser.add_argument("--out", type=Path, required=True, help="Seeds folder (replaced).")
    args = parser.parse_args()
    models = install_models(args.weights)
    shutil.rmtree(args.out, ignore_errors=True)
    decoder = decoder_seeds()
    for folder, seeds in (
        ("decoder", decoder),
        ("container", {**decoder, **container_seeds(models)}),
    ):
        (args.out / folder).mkdir(parents=True)
        for name, data in seeds.items():
            (args.out / folder / f"{name}.ncz").write_bytes(data)
        print(f"{folder}: {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes")


if __name__ == "__main__":
    main()
