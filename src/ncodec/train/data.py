"""Training images held in memory; reproducible random crops: batch k depends only on (seed, k)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ncodec.errors import InputError
from ncodec.io import find_images as find_image_files
from ncodec.io import load_rgb


def find_images(dirs: Sequence[str | Path]) -> list[Path]:
    """The training set: images under the folders (recursive), each folder sorted, folders in
    the order given. The holdout is the last K files, so this order must never change."""
    return find_image_files(dirs, recursive=True)


def load_training_image(path: Path) -> np.ndarray:
    """HxWx3 uint8 pixels as stored: no EXIF rotation, as the committed runs were trained."""
    return load_rgb(path, exif_orientation=False)


class CropDataset:
    """Images in RAM; `batch(step)` draws random crops and flips from a step-seeded generator."""

    def __init__(self, files: Sequence[Path], patch: int, seed: int) -> None:
        self.patch = patch
        self.seed = seed
        self.images = [load_training_image(f) for f in files]
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
