"""I.i.d. sample sources for the bounds: Gaussian vectors and image patches from a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ncodec.bounds.exact import check_variances
from ncodec.errors import InputError
from ncodec.io import find_images, load_rgb


def default_variances(dim: int, seed: int = 0) -> np.ndarray:
    """Variances drawn uniformly from (0, 2) with a fixed seed (the issue's test source)."""
    if dim < 1:
        raise InputError(f"dimension must be >= 1, got {dim}")
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 2.0, size=dim).clip(min=1e-6)


@dataclass(frozen=True)
class GaussianSource:
    """Zero-mean Gaussian vectors with independent coordinates of the given variances."""

    variances: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "variances", check_variances(self.variances))

    @property
    def dim(self) -> int:
        """Number of dimensions."""
        return int(self.variances.size)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw n vectors as an (n, dim) float32 array."""
        z = rng.standard_normal((n, self.dim))
        return (z * np.sqrt(self.variances)).astype(np.float32)


def load_patch_image(path: Path, gray: bool) -> np.ndarray:
    """An image as float32 HxW (gray, ITU-R 601 luma as Pillow computes it) or HxWx3, 0..1 scale.

    Pixels as stored (no EXIF rotation), as the committed bounds results were sampled.
    """
    rgb = load_rgb(path, exif_orientation=False)
    pixels = np.asarray(Image.fromarray(rgb).convert("L")) if gray else rgb
    return pixels.astype(np.float32) / 255.0


@dataclass(frozen=True)
class PatchSource:
    """Random square patches (flattened, 0..1 scale) drawn uniformly from a folder of images.

    `gray=True` gives patch² dimensions per sample, otherwise 3·patch² (RGB interleaved).
    """

    folder: str | Path
    patch: int
    gray: bool = True
    max_images: int | None = None

    @property
    def dim(self) -> int:
        """Number of dimensions of one flattened patch."""
        return self.patch * self.patch * (1 if self.gray else 3)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw n patches, spread evenly over (a random subset of) the images, as (n, dim)."""
        if self.patch < 1:
            raise InputError(f"patch size must be >= 1, got {self.patch}")
        files = find_images(self.folder, recursive=True)
        if self.max_images is not None and len(files) > self.max_images:
            files = [files[i] for i in rng.choice(len(files), self.max_images, replace=False)]
        counts = np.bincount(rng.integers(0, len(files), size=n), minlength=len(files))
        out = []
        usable = 0
        for path, count in zip(files, counts, strict=True):
            img = load_patch_image(path, self.gray)
            h, w = img.shape[:2]
            if h < self.patch or w < self.patch:
                continue
            usable += 1
            if count == 0:
                continue
            ys = rng.integers(0, h - self.patch + 1, size=count)
            xs = rng.integers(0, w - self.patch + 1, size=count)
            for y, x in zip(ys, xs, strict=True):
                out.append(img[y : y + self.patch, x : x + self.patch].reshape(-1))
        if usable == 0:
            raise InputError(f"patch size {self.patch} is larger than every image in {self.folder}")
        while len(out) < n:  # counts drawn for too-small images: top up from the usable ones
            out.extend(self.sample(n - len(out), rng))
        return np.stack(out[:n]).astype(np.float32)
