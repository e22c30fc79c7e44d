"""Realism distance without a pretrained network: sliced Wasserstein distance (SWD) between the
multi-scale patch distributions of a reconstruction and of its original.

After Karras et al. (2018, "Progressive growing of GANs", section 5): each image is split into a
Laplacian pyramid (5-tap binomial filter, reflect borders); at every level, 7x7 RGB patches
(147-vectors) are taken at fixed positions; both patch sets are normalised per colour channel
with the *original's* mean and standard deviation at that level (so a loss of contrast, e.g.
blur, counts, and levels weigh alike); each set is projected onto fixed random unit directions,
and the 1-D Wasserstein-1 distance of every projection (mean absolute difference of the sorted
values) is averaged over directions and then over levels. Lower is closer to the original's
patch statistics; an image against itself gives exactly 0.

Deterministic: the patch positions and directions come from numpy's legacy `RandomState`
(whose streams numpy keeps frozen) seeded with fixed integers and the image shape, so they are
the same on any machine and numpy version; all arithmetic is float64. The only machine
dependence is the summation order of the matrix product (BLAS), which can move the last bits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

PATCH = 7
"""Patch side in pixels at every pyramid level (Karras et al.)."""

LEVELS = 4
"""Laplacian bands (finest first) before the low-pass residual, when the image is large enough."""

PATCHES_PER_LEVEL = 4096
"""Patches sampled per level and image (all positions when a level has fewer)."""

DIRECTIONS = 128
"""Random 1-D projections of the 147-dimensional patch vectors."""

SEED = 20180101
"""Seed of the fixed patch positions and projection directions."""

_KERNEL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
_MIN_SIDE = 2 * PATCH  # a level is used only if both sides are at least this


def separable_filter(plane: np.ndarray, kernel: np.ndarray = _KERNEL) -> np.ndarray:
    """An odd-length filter along both of the first two axes of an HxWxC array (float64),
    reflect borders; the default is the 5-tap binomial low-pass of the pyramid."""
    r = len(kernel) // 2
    out = np.pad(plane, ((r, r), (0, 0), (0, 0)), mode="reflect")
    out = sum(k * out[i : i + plane.shape[0]] for i, k in enumerate(kernel))
    out = np.pad(out, ((0, 0), (r, r), (0, 0)), mode="reflect")
    return sum(k * out[:, i : i + plane.shape[1]] for i, k in enumerate(kernel))


def _expand(small: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Upsample by 2 (zero insertion, then the filter times 2 along each axis), crop to `shape`."""
    up = np.zeros((2 * small.shape[0], 2 * small.shape[1], small.shape[2]))
    up[::2, ::2] = small
    return separable_filter(up, 2.0 * _KERNEL)[: shape[0], : shape[1]]


def pyramid_bands(shape: tuple[int, ...], levels: int = LEVELS) -> int:
    """How many band-pass levels an image of `shape` gets: at most `levels`, and each level's
    low-pass image keeps at least two patches on a side."""
    side, bands = min(shape[:2]), 0
    while bands < levels and side >= 2 * _MIN_SIDE:
        side, bands = (side + 1) // 2, bands + 1
    return bands


def laplacian_pyramid(image: np.ndarray, levels: int = LEVELS) -> list[np.ndarray]:
    """`pyramid_bands` band-pass levels, finest first, then the low-pass residual; float64 on
    the 0..255 scale."""
    current = np.asarray(image, dtype=np.float64)
    if current.ndim == 2:
        current = current[:, :, None]
    bands = []
    for _ in range(pyramid_bands(current.shape, levels)):
        low = separable_filter(current)[::2, ::2]
        bands.append(current - _expand(low, current.shape))
        current = low
    bands.append(current)
    return bands


def _positions(shape: tuple[int, ...], level: int, count: int) -> np.ndarray:
    """Fixed top-left corners of the patches at one level: a function of seed, level, shape."""
    n_rows, n_cols = shape[0] - PATCH + 1, shape[1] - PATCH + 1
    total = n_rows * n_cols
    if total <= count:
        return np.arange(total)
    rng = np.random.RandomState([SEED, level, shape[0], shape[1]])
    return np.sort(rng.choice(total, size=count, replace=False))


def patch_descriptors(
    image: np.ndarray, levels: int = LEVELS, count: int = PATCHES_PER_LEVEL
) -> list[np.ndarray]:
    """Per pyramid level, an N x (7*7*C) array of patches at the fixed positions (unnormalised)."""
    sets = []
    for level, band in enumerate(laplacian_pyramid(image, levels)):
        windows = np.lib.stride_tricks.sliding_window_view(band, (PATCH, PATCH), axis=(0, 1))
        rows, cols = np.divmod(_positions(band.shape, level, count), windows.shape[1])
        sets.append(windows[rows, cols].reshape(len(rows), -1))  # copies only the chosen ones
    return sets


def _directions(dim: int, count: int = DIRECTIONS) -> np.ndarray:
    """`count` fixed random unit vectors of dimension `dim`, as columns."""
    dirs = np.random.RandomState([SEED, dim]).standard_normal((dim, count))
    return dirs / np.linalg.norm(dirs, axis=0, keepdims=True)


def _normalise(descriptors: np.ndarray, channels: int, mean: np.ndarray, std: np.ndarray):
    """Subtract the per-channel mean and divide by the per-channel std (the reference's)."""
    shaped = descriptors.reshape(len(descriptors), channels, -1)
    return ((shaped - mean[:, None]) / std[:, None]).reshape(len(descriptors), -1)


def _channel_stats(descriptors: np.ndarray, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std over all patches and pixels (std floored: flat images)."""
    shaped = descriptors.reshape(len(descriptors), channels, -1)
    mean = shaped.mean(axis=(0, 2))
    std = np.maximum(shaped.std(axis=(0, 2)), 1e-3)  # 0..255 scale: a thousandth of a level
    return mean, std


def sliced_wasserstein(reference: np.ndarray, other: np.ndarray, channels: int) -> float:
    """SWD of two equally sized patch sets, both normalised with the reference's statistics."""
    if reference.shape != other.shape:
        raise ValueError(f"patch sets differ in shape: {reference.shape} vs {other.shape}")
    mean, std = _channel_stats(reference, channels)
    dirs = _directions(reference.shape[1])
    projected_ref = np.sort(_normalise(reference, channels, mean, std) @ dirs, axis=0)
    projected_other = np.sort(_normalise(other, channels, mean, std) @ dirs, axis=0)
    return float(np.mean(np.abs(projected_ref - projected_other)))


def swd_levels(reference: np.ndarray, reconstruction: np.ndarray) -> list[float]:
    """Per pyramid level (finest first, low-pass last), the SWD of two images of equal shape."""
    return swd_set_levels([(reference, reconstruction)])


def realism_swd(reference: np.ndarray, reconstruction: np.ndarray) -> float:
    """Realism distance of one reconstruction to its original: SWD averaged over the levels.

    Images are HxWxC (or HxW) arrays on the 0..255 scale of the same shape; 0 for identical.
    """
    return float(np.mean(swd_levels(reference, reconstruction)))


def swd_set_levels(pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> list[float]:
    """Per level, the SWD between the pooled patches of all originals and of all reconstructions.

    Each pair must share its shape; the whole set uses the pyramid depth of its smallest image.
    """
    pairs = list(pairs)
    if not pairs:
        raise ValueError("no image pairs given")
    for reference, reconstruction in pairs:
        if np.shape(reference) != np.shape(reconstruction):
            raise ValueError(f"shape mismatch: {np.shape(reference)} vs {np.shape(reconstruction)}")
    channels = {1 if np.ndim(ref) == 2 else np.shape(ref)[2] for ref, _ in pairs}
    if len(channels) != 1:
        raise ValueError(f"images differ in channel count: {sorted(channels)}")
    n_channels = channels.pop()
    levels = min(pyramid_bands(np.shape(ref)) for ref, _ in pairs)
    per_ref = [patch_descriptors(ref, levels) for ref, _ in pairs]
    per_rec = [patch_descriptors(rec, levels) for _, rec in pairs]
    return [
        sliced_wasserstein(
            np.concatenate([sets[level] for sets in per_ref]),
            np.concatenate([sets[level] for sets in per_rec]),
            n_channels,
        )
        for level in range(levels + 1)
    ]


def realism_swd_set(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """Realism distance of a set: SWD of the pooled patch distributions, averaged over levels."""
    return float(np.mean(swd_set_levels(pairs)))
