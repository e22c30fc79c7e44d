"""Load published R-D curves (a JSON with {"curves": {name: {"bpp": [...], "psnr_rgb": [...]}}})."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ncodec.errors import InputError
from ncodec.metrics import msssim_db

PUBLISHED_SUFFIX = " (published)"


def load_reference(path: Path, names: list[str] | None = None) -> dict[str, dict[str, list[float]]]:
    """Curves from `path` (all, or only `names`), named `NAME (published)`, each with bpp,
    psnr_rgb and, where given, ms_ssim_rgb and ms_ssim_db (results.json `curves` also fit)."""
    try:
        data = json.loads(path.read_text())
        raw = data["curves"]
        if not isinstance(raw, dict):
            raise TypeError("curves is not an object")
    except FileNotFoundError:
        raise InputError(f"{path}: reference file not found") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InputError(f"{path}: not a reference curve file ({err})") from None
    if names is not None:
        missing = [n for n in names if n not in raw]
        if missing:
            raise InputError(
                f"{path}: no curve named {missing[0]!r} (has: {', '.join(sorted(raw))})"
            )
        raw = {n: raw[n] for n in names}
    curves: dict[str, dict[str, list[float]]] = {}
    for name, curve in raw.items():
        try:
            bpp = [float(v) for v in curve["bpp"]]
            quality = [float(v) for v in curve["psnr_rgb"]]
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{path}: curve {name!r} lacks numeric bpp/psnr_rgb") from None
        if len(bpp) != len(quality) or len(bpp) < 2:
            raise InputError(f"{path}: curve {name!r} needs >= 2 (bpp, psnr_rgb) pairs")
        entry = {"bpp": bpp, "psnr_rgb": quality}
        ms = curve.get("ms_ssim_rgb")
        if isinstance(ms, list) and len(ms) == len(bpp):
            entry["ms_ssim_rgb"] = [float(v) for v in ms]
            entry["ms_ssim_db"] = [msssim_db(float(v)) for v in ms]
        curves[name + PUBLISHED_SUFFIX] = entry
    return curves


def has_msssim(curve: dict) -> bool:
    """True when the curve carries finite MS-SSIM values at every point."""
    values = curve.get("ms_ssim_db")
    return bool(values) and all(v is not None and math.isfinite(v) for v in values)
