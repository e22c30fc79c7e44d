"""Code one image with one codec at a byte budget, decode it, and score the result."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from ncodec.compare.search import match_size
from ncodec.eval.codec import Codec
from ncodec.metrics import bits_per_pixel, msssim, psnr

FILE_SUFFIXES = {
    "jpeg": ".jpg",
    "jpeg2000": ".j2k",
    "webp": ".webp",
    "avif": ".avif",
    "jpegxl": ".jxl",
    "ncodec": ".ncz",
}
"""File extension of each codec family (the part of the spec before the first ':')."""


@dataclass(frozen=True)
class Entry:
    """One codec's result on the page: its file, its decoded pixels and their scores."""

    spec: str
    version: str
    quality: int
    fits: bool
    data: bytes
    decoded: np.ndarray
    bpp: float
    psnr: float
    msssim: float
    decode_ms: float
    """Median wall-clock time of one decode."""
    decode_cpu_ms: float
    """Median process CPU time of one decode (all threads; steadier on a shared machine)."""

    @property
    def suffix(self) -> str:
        """Extension of the coded file, e.g. '.avif'."""
        return FILE_SUFFIXES.get(self.spec.split(":")[0], ".bin")


def measure(codec: Codec, image: np.ndarray, budget: int, repeats: int = 3) -> Entry:
    """Find the codec's quality for `budget` bytes, decode the file and time `repeats` decodes
    (median; the first decode, untimed, warms up)."""
    match = match_size(lambda q: codec.encode(image, q), codec.quality_range, budget)
    decoded = np.ascontiguousarray(codec.decode(match.data), dtype=np.uint8)
    if decoded.ndim == 2:
        decoded = np.repeat(decoded[:, :, None], 3, axis=2)
    wall, cpu = [], []
    for _ in range(max(repeats, 1)):
        start, start_cpu = time.perf_counter(), time.process_time()
        codec.decode(match.data)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    height, width = image.shape[:2]
    return Entry(
        spec=codec.spec,
        version=codec.version,
        quality=match.quality,
        fits=match.fits,
        data=match.data,
        decoded=decoded,
        bpp=bits_per_pixel(len(match.data), height, width),
        psnr=psnr(image, decoded),
        msssim=msssim(image, decoded),
        decode_ms=1e3 * statistics.median(wall),
        decode_cpu_ms=1e3 * statistics.median(cpu),
    )
