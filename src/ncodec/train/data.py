"""Training images held in memory; reproducible random crops: batch k depends only on (seed, k)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ncodec.errors import InputError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".tif", ".tiff", ".webp"}


def find_images(dirs: Sequence[str | Path]) -> list[Path]:
    """All image files (by suffix) under the folders, sorted; clear error if there are none."""
    files: list[Path] = []
    for d in dirs:
        path = Path(d)
        if not path.is_dir():
            raise InputError(f"data folder not found: {path}")
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise InputError(f"no images (jpg, png, ...) in data folder: {path}")
        files.extend(found)
    return files


def load_rgb(path: Path) -> np.ndarray:
    """Decode one image file to HxWx3 uint8."""
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except Exception as err:
        raise InputError(f"cannot read training image {path}: {err}") from err


class CropDataset:
    """Images in RAM; `batch(step)` draws random crops and flips from a step-seeded generator."""

    def __init__(self, files: Sequence[Path], patch: int, seed: int) -> None:
        self.patch = patch
        self.seed = seed
        self.images = [load_rgb(f) for f in files]
        self.images = [im for im in self.images if min(im.shape[:2]) >= patch]
        if not self.images:
            raise InputError(f"no training image is at least {patch}x{patch} pixels")

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, step: int, size: int) -> torch.Tensor:
        """A (size, 3, patch, patch) float batch in [0, 1], identical for identical (seed, step)."""
        return self.batch_uint8(step, size).float().div_(255.0)

    def batch_uint8(self, step: int, size: int) -> torch.Tensor:
        """The crops of `batch` as uint8: a GPU run moves 4x fewer bytes and converts there."""
        rng = np.random.default_rng([self.seed, step])
        p = self.patch
        crops = np.empty((size, p, p, 3), dtype=np.uint8)
        for i in range(size):
            img = self.images[rng.integers(len(self.images))]
            top = rng.integers(img.shape[0] - p + 1)
            left = rng.integers(img.shape[1] - p + 1)
            crop = img[top : top + p, left : left + p]
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            if rng.random() < 0.5:
                crop = crop[::-1]
            crops[i] = crop
        return torch.from_numpy(crops).permute(0, 3, 1, 2)

    def levels(self, step: int, size: int, num_levels: int) -> torch.Tensor:
        """Continuous rate-level positions in [0, num_levels-1] for the batch of `step`."""
        rng = np.random.default_rng([self.seed, step, 1])
        return torch.from_numpy(rng.uniform(0, num_levels - 1, size)).float()
