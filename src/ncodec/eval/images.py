"""Find and load the evaluation images (RGB uint8), reporting unreadable files as InputError."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ncodec.errors import InputError, NcodecError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".ppm", ".pgm", ".webp")


def find_images(data_dir: Path) -> list[Path]:
    """Image files (by suffix) directly inside `data_dir`, sorted by name."""
    if not data_dir.exists():
        raise InputError(f"{data_dir}: no such directory")
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: not a directory")
    images = sorted(
        p for p in data_dir.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not images:
        suffixes = " ".join(IMAGE_SUFFIXES)
        raise InputError(f"{data_dir}: no images found (looked for {suffixes})")
    return images


def load_rgb(path: Path) -> np.ndarray:
    """Load an image as HxWx3 uint8 RGB via ncodec.io (Pillow until that module exists)."""
    try:
        from ncodec.io.images import load_image
    except ImportError:
        load_image = None
    try:
        if load_image is not None:
            rgb = np.asarray(load_image(path).rgb)
        else:
            from PIL import Image

            with Image.open(path) as img:
                rgb = np.asarray(img.convert("RGB"))
    except NcodecError:
        raise
    except Exception as err:  # any decoder failure: "unreadable image"
        raise InputError(f"{path.name}: cannot read image ({err})") from None
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise InputError(f"{path.name}: not an 8-bit RGB image after loading")
    return np.ascontiguousarray(rgb)
