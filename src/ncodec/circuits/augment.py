"""Geometric augmentation of 8-bit digits for training circuits: integer shifts, random affine
warps (rotation, scaling, shear, translation) and elastic deformations (Simard et al. 2003).

A circuit trained on a few thousand digits overfits; warped copies are more data without more
digits. Warps are resampled (nearest, bilinear or bicubic) and rounded back to uint8, so the
copies are digits of the same value range; which resampling the held-out rate prefers is
measured, not assumed. Everything is drawn from a seeded `torch.Generator`: the same seed gives
the same copies. Training only: nothing here takes part in coding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F

from ncodec.errors import NcodecError

INTERPOLATIONS = ("nearest", "bilinear", "bicubic")


@dataclass(frozen=True)
class Augment:
    """Random warped copies of every image (the originals are kept beside them)."""

    copies: int = 0
    """Warped copies drawn per image."""
    shift: float = 0.0
    """Largest translation in pixels (uniform in -shift..shift, x and y independently)."""
    rotate: float = 0.0
    """Largest rotation in degrees (uniform)."""
    scale: float = 0.0
    """Largest relative change of size (uniform in 1-scale..1+scale, same in x and y)."""
    shear: float = 0.0
    """Largest horizontal shear factor (uniform)."""
    elastic: float = 0.0
    """Elastic displacement strength in pixels (Simard's alpha; 0: none)."""
    sigma: float = 4.0
    """Smoothing (Gaussian sigma in pixels) of the elastic displacement field."""
    interp: str = "bilinear"
    """Resampling: 'nearest', 'bilinear' or 'bicubic'."""
    match: int = 0
    """1: give each copy its source digit's grey levels, rank by rank (`match_ink`), so smooth
    resampling keeps the real digits' value histogram (bilinear alone blurs it)."""


def parse_augment(spec: str) -> Augment:
    """An `Augment` from 'copies=8,rotate=12,scale=0.1,interp=nearest' (any subset of fields)."""
    names = {f.name: {"int": int, "float": float}.get(str(f.type), str) for f in fields(Augment)}
    values: dict[str, object] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key not in names:
            raise NcodecError(f"bad augmentation {item!r}: expected one of {', '.join(names)}=...")
        try:
            values[key] = value if key == "interp" else names[key](value)
        except ValueError:
            raise NcodecError(f"bad augmentation value {item!r}") from None
    augment = Augment(**values)  # type: ignore[arg-type]
    bad = augment.copies < 0 or augment.sigma <= 0 or augment.match not in (0, 1)
    if augment.interp not in INTERPOLATIONS or bad:
        raise NcodecError(f"bad augmentation {spec!r}")
    return augment


def shifted_copies(images: torch.Tensor, radius: int) -> torch.Tensor:
    """The N x H x W images shifted by every (dy, dx) in -radius..radius (zero fill), all
    (2 radius + 1)^2 copies including the originals (shift 0, 0), copy-major."""
    height, width = images.shape[1:]
    copies = []
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            moved = torch.zeros_like(images)
            ys, yd = (
                slice(max(-dy, 0), height - max(dy, 0)),
                slice(max(dy, 0), height - max(-dy, 0)),
            )
            xs, xd = slice(max(-dx, 0), width - max(dx, 0)), slice(max(dx, 0), width - max(-dx, 0))
            moved[:, yd, xd] = images[:, ys, xs]
            copies.append(moved)
    return torch.cat(copies)


def warped_copies(
    images: torch.Tensor, augment: Augment, generator: torch.Generator
) -> torch.Tensor:
    """`augment.copies` random warps of each N x H x W uint8 image (copy-major, originals not
    included), resampled with zero fill and rounded to uint8."""
    if augment.copies == 0 or len(images) == 0:
        return images[:0]
    height, width = images.shape[1:]
    source = images.to(torch.float64).unsqueeze(1).repeat(augment.copies, 1, 1, 1)
    grid = _affine_grid(len(source), height, width, augment, generator)
    if augment.elastic > 0:
        grid = grid + _elastic_field(len(source), height, width, augment, generator)
    warped = F.grid_sample(
        source, grid, mode=augment.interp, padding_mode="zeros", align_corners=False
    )
    warped = warped.squeeze(1).round().clamp(0, 255).to(torch.uint8)
    return match_ink(warped, images.repeat(augment.copies, 1, 1)) if augment.match else warped


def match_ink(warped: torch.Tensor, sources: torch.Tensor) -> torch.Tensor:
    """Each warped image's pixels, ranked by brightness, get its source's grey levels of the
    same rank (the brightest pixel the source's brightest value, and so on; pixels the warp left
    at zero stay zero): the warp's shape with the real digit's histogram of values, and about its
    amount of ink (a blurring warp's faintest pixels become zero)."""
    flat = warped.reshape(len(warped), -1)
    order = flat.argsort(dim=-1, descending=True, stable=True)
    levels = sources.reshape(len(sources), -1).sort(dim=-1, descending=True).values
    ink = (flat > 0).sum(-1, keepdim=True)
    rank = torch.arange(flat.shape[1]).expand_as(flat)
    value = torch.where(rank < ink, levels, torch.zeros_like(levels))
    return torch.empty_like(flat).scatter_(-1, order, value).reshape(warped.shape)


def augmented(images: torch.Tensor, augment: Augment, seed: int) -> torch.Tensor:
    """The originals followed by their warped copies (all uint8, N (1 + copies) x H x W)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.cat([images, warped_copies(images, augment, generator)])


def _uniform(n: int, bound: float, generator: torch.Generator) -> torch.Tensor:
    return (2 * torch.rand(n, generator=generator, dtype=torch.float64) - 1) * bound


def _affine_grid(
    n: int, height: int, width: int, augment: Augment, generator: torch.Generator
) -> torch.Tensor:
    """Sampling grids (n x H x W x 2, normalised coordinates): for each output pixel the input
    point of a random rotation, scaling, shear and translation about the image centre."""
    angle = _uniform(n, math.radians(augment.rotate), generator)
    size = 1 + _uniform(n, augment.scale, generator)
    shear = _uniform(n, augment.shear, generator)
    move_x = _uniform(n, augment.shift, generator) * 2 / width
    move_y = _uniform(n, augment.shift, generator) * 2 / height
    cos, sin = torch.cos(angle) / size, torch.sin(angle) / size
    # input = rotation @ shear @ output / size - move (the image moves by +move)
    theta = torch.stack(
        [
            torch.stack([cos, cos * shear - sin, -move_x], -1),
            torch.stack([sin, sin * shear + cos, -move_y], -1),
        ],
        1,
    )
    return F.affine_grid(theta, [n, 1, height, width], align_corners=False)


def _elastic_field(
    n: int, height: int, width: int, augment: Augment, generator: torch.Generator
) -> torch.Tensor:
    """Smooth random displacements (n x H x W x 2, normalised coordinates): uniform noise in
    -1..1 per pixel, blurred by a Gaussian of `sigma` pixels, scaled to `elastic` pixels."""
    noise = 2 * torch.rand(n, 2, height, width, generator=generator, dtype=torch.float64) - 1
    smooth = _blur(height, augment.sigma) @ noise @ _blur(width, augment.sigma).T
    field = smooth.permute(0, 2, 3, 1) * augment.elastic
    scale = torch.tensor([2 / width, 2 / height], dtype=torch.float64)
    return field * scale


def _blur(size: int, sigma: float) -> torch.Tensor:
    """Gaussian blur along one axis as a size x size matrix (zero outside the image)."""
    taps = torch.arange(size, dtype=torch.float64)
    kernel = torch.exp(-0.5 * ((taps[:, None] - taps[None, :]) / sigma) ** 2)
    return kernel / kernel.sum(1, keepdim=True).max()
