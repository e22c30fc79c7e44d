"""Codecs measured on exactly the patches the bounds see: tiled into a mosaic, coded as one image.

Rates are real file sizes (bits / number of pixel values), distortions the MSE per value on the
0..255 scale. Tiling (rather than one file per patch) keeps header bytes from dominating; the
patches are independent, so a codec gains nothing real from predicting across patch borders.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ncodec.classical import CLASSICAL_CODECS
from ncodec.errors import InputError, NcodecError
from ncodec.metrics import mse, mse_from_psnr

QUALITIES = (5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95)


def mosaic(patches: np.ndarray, patch: int, gray: bool) -> np.ndarray:
    """Tile (N, dim) patches on the 0..1 scale into a near-square uint8 image (N is cropped)."""
    channels = 1 if gray else 3
    if patches.ndim != 2 or patches.shape[1] != patch * patch * channels:
        raise InputError("patches do not match the patch size")
    cols = math.isqrt(patches.shape[0])
    rows = patches.shape[0] // cols
    tiles = np.clip(np.rint(patches[: rows * cols] * 255.0), 0, 255).astype(np.uint8)
    tiles = tiles.reshape(rows, cols, patch, patch, channels).transpose(0, 2, 1, 3, 4)
    img = tiles.reshape(rows * patch, cols * patch, channels)
    return img[..., 0] if gray else img


def _as_rgb(img: np.ndarray) -> np.ndarray:
    """Gray -> RGB by replication, for codecs that only take colour."""
    return np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img


def _to_shape(decoded: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Bring a decoded image back to the original layout (gray codecs may return RGB)."""
    decoded = np.asarray(decoded)
    if like.ndim == 2 and decoded.ndim == 3:
        decoded = decoded[..., :3].astype(np.float64).mean(-1)
    return decoded.reshape(like.shape).astype(np.float64)


def _point(
    img: np.ndarray, quality: float, data: bytes, decode: Callable[[bytes], np.ndarray]
) -> dict:
    """One curve point: real rate and MSE (0..255 scale) of a file; an undecodable one has none."""
    try:
        decoded = decode(data)
    except NcodecError as err:  # a codec that cannot decode its own file gets no point
        return {"quality": quality, "bytes": len(data), "error": str(err)}
    return {
        "distortion": mse(_to_shape(decoded, img), img),
        "rate_bits": 8.0 * len(data) / img.size,
        "quality": quality,
        "bytes": len(data),
    }


def codec_curve(name: str, img: np.ndarray, qualities: tuple[int, ...] = QUALITIES) -> list[dict]:
    """(distortion MSE/value on 0..255, rate bits/value) of a codec over a quality sweep.

    Classical codecs (ncodec.classical, library default settings) skip qualities outside their
    range; gray mosaics go to codecs without a gray mode as replicated RGB.
    """
    if name == "ncodec":
        return learned_codec_curve(img)
    if name not in CLASSICAL_CODECS:
        known = ", ".join(CLASSICAL_CODECS)
        raise InputError(f"unknown codec {name!r}; choose from {known} or ncodec")
    codec = CLASSICAL_CODECS[name]
    pixels = img if codec.gray_input else _as_rgb(img)
    low, high = codec.quality_range
    return [
        _point(img, q, codec.encode(pixels, q), codec.decode) for q in qualities if low <= q <= high
    ]


def learned_codec_curve(img: np.ndarray) -> list[dict]:
    """Our learned codec (ncodec.api) on the mosaic; gray is fed as replicated RGB."""
    from ncodec import api

    rgb = _as_rgb(img)
    return [
        _point(img, q, api.compress_image(rgb, quality=q), api.decompress_image)
        for q in api.quality_ladder()
    ]


def eval_record_curves(path: str, channels: int = 3) -> dict[str, list[dict]]:
    """Full-image Kodak curves from `ncodec eval` records (JSONL), per value on the 0..255 scale.

    Per codec and quality: rate = mean bpp / channels, distortion = mean over images of the RGB
    MSE recovered from PSNR (MSE = 255² · 10^(-PSNR/10)).
    """
    import json
    from collections import defaultdict
    from pathlib import Path

    groups: dict[tuple[str, object], list[tuple[float, float]]] = defaultdict(list)
    try:
        lines = Path(path).read_text().splitlines()
        for line in lines:
            if line.strip():
                rec = json.loads(line)
                error = mse_from_psnr(float(rec["psnr_rgb"]))
                groups[(rec["codec"], rec.get("quality"))].append((float(rec["bpp"]), error))
    except (OSError, ValueError, KeyError) as err:
        raise InputError(f"cannot read eval records {path}: {err}") from err
    complete = max((len(v) for v in groups.values()), default=0)  # skip partial qualities
    curves: dict[str, list[dict]] = defaultdict(list)
    for (codec, quality), vals in sorted(groups.items(), key=lambda kv: str(kv[0])):
        if len(vals) < complete:
            continue
        bpp = float(np.mean([v[0] for v in vals]))
        error = float(np.mean([v[1] for v in vals]))
        curves[f"{codec} (full Kodak images)"].append(
            {
                "distortion": error,
                "rate_bits": bpp / channels,
                "quality": quality,
                "images": len(vals),
            }
        )
    return dict(curves)
