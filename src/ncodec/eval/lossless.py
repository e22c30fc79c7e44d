"""`ncodec eval --lossless`: real bits per subpixel and single-thread coding times of lossless
codecs on a folder of 8-bit images, every file decoded and compared with the original.

A codec whose file decodes to other pixels is an error, never a number: the point is stored as
a failure and the command exits non-zero. Records go to the resumable store of the lossy eval
(`OUT/records.jsonl`), keyed by (image, codec), in a folder marked `mode: lossless`.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ncodec.errors import InputError, NcodecError
from ncodec.eval.codec import check_unique_specs
from ncodec.eval.harness import TimingSettings
from ncodec.eval.lossless_codecs import LosslessCodec, resolve_lossless_codec
from ncodec.eval.records import RecordStore
from ncodec.eval.timing import configure_threads, timed
from ncodec.io import find_images
from ncodec.io.arrays import GRAY_NOTICE, is_grayscale_mode
from ncodec.io.images import load_image

ROUND_TRIP_ERROR = "round trip failed: the decoded pixels differ from the original"


class RoundTripError(NcodecError):
    """A lossless codec decoded its own file to different pixels."""


@dataclass
class LosslessRun:
    """The codecs, the images used, their records, what was skipped and what failed."""

    data_dir: Path
    codecs: list[LosslessCodec]
    images: list[str]
    records: list[dict]
    skipped: dict[str, str] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    timing: TimingSettings = field(default_factory=TimingSettings)


def load_exact(path: Path) -> np.ndarray:
    """The image's own 8-bit samples: H x W for gray, H x W x 3 for colour. Anything a lossless
    codec of 8-bit samples could not give back (16-bit, float, alpha) is an InputError."""
    loaded = load_image(path)
    changed = [notice for notice in loaded.notices if notice != GRAY_NOTICE]
    if changed:
        raise InputError(f"not 8-bit gray or RGB ({changed[0]})")
    if is_grayscale_mode(loaded.mode):
        return np.ascontiguousarray(loaded.rgb[:, :, 0])
    return loaded.rgb


def measure_lossless(codec: LosslessCodec, image: np.ndarray, timing: TimingSettings) -> dict:
    """Encode and decode one image (warm-ups, median of repeats); check the exact round trip."""
    encoded = timed(lambda: codec.encode(image), timing.warmup, timing.repeats)
    data = encoded.result
    decoded = timed(lambda: codec.decode(data), timing.warmup, timing.repeats)
    back = decoded.result
    if back.shape != image.shape or not np.array_equal(back, image):
        raise RoundTripError(ROUND_TRIP_ERROR)
    subpixels = int(image.size)
    return {
        "bytes": len(data),
        "height": int(image.shape[0]),
        "width": int(image.shape[1]),
        "channels": 1 if image.ndim == 2 else int(image.shape[2]),
        "subpixels": subpixels,
        "bits_per_subpixel": 8 * len(data) / subpixels,
        "encoding_time_s": encoded.wall_s,
        "decoding_time_s": decoded.wall_s,
        "encoding_cpu_s": encoded.cpu_s,
        "decoding_cpu_s": decoded.cpu_s,
        "warmup": timing.warmup,
        "repeats": timing.repeats,
        "threads": timing.threads,
    }


def _readable(paths: list[Path]) -> tuple[list[tuple[Path, np.ndarray]], dict[str, str]]:
    """The images with exact 8-bit samples, and {name: reason} for the others."""
    good, skipped = [], {}
    for path in paths:
        try:
            good.append((path, load_exact(path)))
        except NcodecError as err:
            skipped[path.name] = str(err)
    return good, skipped


def run_lossless(
    data_dir: Path,
    codec_texts: list[str],
    out_dir: Path,
    timing: TimingSettings | None = None,
    fresh: bool = False,
    progress: bool = True,
    warn: Callable[[str], None] | None = None,
    report_only: bool = False,
) -> LosslessRun:
    """Measure every codec on every readable image of `data_dir` (resuming stored points)."""
    timing = timing or TimingSettings()
    if timing.threads < 1 or timing.repeats < 1 or timing.warmup < 0:
        raise InputError("--threads and --repeats must be >= 1, --warmup >= 0")
    if report_only and fresh:
        raise InputError("--report-only and --fresh contradict each other")
    configure_threads(timing.threads)
    codecs = [resolve_lossless_codec(text, timing.threads) for text in codec_texts]
    check_unique_specs([c.spec for c in codecs])
    images, skipped = _readable(find_images(data_dir))
    for name, reason in skipped.items():
        if warn:
            warn(f"skipping {name}: {reason}")
    if not images:
        raise InputError(f"{data_dir}: none of the images could be read as 8-bit gray or RGB")
    settings = {"threads": timing.threads, "machine": platform.node(), "mode": "lossless"}
    store = RecordStore(out_dir, settings, fresh)
    versions = {c.spec: c.version for c in codecs}

    def key(record: dict) -> tuple[str, str]:
        return record["image"], record["codec"]

    done = {key(r) for r in store.load() if versions.get(r["codec"]) == r.get("version")}
    todo = [
        (path, image, codec)
        for path, image in images
        for codec in codecs
        if (path.name, codec.spec) not in done
    ]
    failures: list[dict] = []
    if not report_only:
        for path, image, codec in tqdm(todo, disable=not progress, unit="pt", desc="lossless"):
            base = {"image": path.name, "codec": codec.spec, "version": codec.version}
            try:
                store.append({**base, "quality": None, **measure_lossless(codec, image, timing)})
            except Exception as err:  # one failing point must not stop the run
                message = (
                    str(err) if isinstance(err, NcodecError) else f"{type(err).__name__}: {err}"
                )
                round_trip = isinstance(err, RoundTripError)
                failures.append({**base, "error": message, "round_trip": round_trip})
                if warn:
                    warn(f"{path.name} {codec.spec}: {message}")
    names = {path.name for path, _ in images}
    records = [
        r
        for r in store.load()
        if r["image"] in names and versions.get(r["codec"]) == r.get("version")
    ]
    return LosslessRun(
        data_dir=data_dir,
        codecs=codecs,
        images=sorted(names),
        records=records,
        skipped=skipped,
        failures=failures,
        timing=timing,
    )
