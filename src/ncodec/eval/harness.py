"""Run codecs over images and quality ladders, measuring real rate, distortion and speed.

Work is split into (image, codec) tasks; each finished point is appended to the record store at
once, so an interrupted run resumes where it stopped. `jobs > 1` runs tasks in spawned processes.
"""

from __future__ import annotations

import multiprocessing
import platform
import signal
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ncodec.errors import InputError, NcodecError
from ncodec.eval.codec import Codec, check_unique_specs
from ncodec.eval.records import RecordStore, point_key
from ncodec.eval.registry import resolve_codec
from ncodec.eval.timing import configure_threads, timed
from ncodec.io import find_images, load_rgb
from ncodec.metrics import bits_per_pixel, msssim, msssim_db, psnr
from ncodec.niqe import niqe
from ncodec.swd import realism_swd


@dataclass(frozen=True)
class TimingSettings:
    """How encode/decode times are taken: threads per codec, untimed warm-ups, timed repeats."""

    threads: int = 1
    warmup: int = 1
    repeats: int = 3


@dataclass
class EvalRun:
    """Everything a report needs: the codecs, the images used, all records and what was skipped."""

    data_dir: Path
    codecs: list[Codec]
    images: list[str]
    records: list[dict]
    skipped: dict[str, str] = field(default_factory=dict)  # image name -> reason
    failures: list[dict] = field(default_factory=list)  # codec errors on single points
    timing: TimingSettings = field(default_factory=TimingSettings)
    jobs: int = 1


def measure_point(codec: Codec, image: np.ndarray, quality: float, timing: TimingSettings) -> dict:
    """Encode and decode one image at one quality; the rate is the real encoded size."""
    quick = codec.encode_once or codec.precomputed
    encode_runs = (0, 1) if quick else (timing.warmup, timing.repeats)
    encoded = timed(lambda: codec.encode(image, quality), *encode_runs)
    data = encoded.result
    decoded = timed(lambda: codec.decode(data), timing.warmup, timing.repeats, measure_peak=True)
    recon = decoded.result
    if recon.shape != image.shape:
        raise InputError(f"{codec.spec} decoded shape {recon.shape}, expected {image.shape}")
    height, width = image.shape[:2]
    ms = msssim(image, recon)
    record = {
        "quality": quality,
        "bytes": len(data),
        "height": height,
        "width": width,
        "bpp": bits_per_pixel(len(data), height, width),
        "psnr_rgb": psnr(image, recon),
        "ms_ssim_rgb": ms,
        "ms_ssim_db": msssim_db(ms),
        "realism_swd": realism_swd(image, recon),
        "niqe": niqe(recon),
        "encoding_time_s": encoded.wall_s,
        "decoding_time_s": decoded.wall_s,
        "encoding_cpu_s": encoded.cpu_s,
        "decoding_cpu_s": decoded.cpu_s,
        "decode_peak_mem_bytes": decoded.peak_bytes,
        **asdict(timing),
        "encode_warmup": encode_runs[0],
        "encode_repeats": encode_runs[1],
    }
    if codec.precomputed:  # what was timed is reading a file, not encoding it
        record.update(encoding_time_s=None, encoding_cpu_s=None, encode_repeats=0)
    return record


def iter_task(
    image_path: str, codec_text: str, qualities: list[float], timing: TimingSettings
) -> Iterator[dict]:
    """Measure one image with one codec at the given qualities; failures become error records."""
    try:
        codec = resolve_codec(codec_text, timing.threads)  # cheap; never stale (new weights)
    except NcodecError as err:
        yield {
            "image": Path(image_path).name,
            "codec": codec_text,
            "quality": None,
            "error": str(err),
        }
        return
    base = {"image": Path(image_path).name, "codec": codec.spec, "version": codec.version}
    try:
        image = load_rgb(Path(image_path))
    except NcodecError as err:
        yield {**base, "quality": None, "error": str(err)}
        return
    for quality in qualities:
        try:
            yield {**base, **measure_point(codec, image, quality, timing)}
        except Exception as err:  # one failing point must not stop the run
            yield {**base, "quality": quality, "error": f"{type(err).__name__}: {err}"}


def run_task(
    image_path: str, codec_text: str, qualities: list[float], timing: TimingSettings
) -> list[dict]:
    """`iter_task` collected into a list (the unit of work of a worker process)."""
    return list(iter_task(image_path, codec_text, qualities, timing))


def _readable_images(paths: list[Path]) -> tuple[list[Path], dict[str, str]]:
    """Split the images into readable ones and {name: reason} for the rest."""
    good, skipped = [], {}
    for path in paths:
        try:
            load_rgb(path)
            good.append(path)
        except NcodecError as err:
            skipped[path.name] = str(err)
    return good, skipped


def _init_worker(threads: int) -> None:
    """Worker setup: pin threads; leave Ctrl-C to the parent, which terminates the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_threads(threads)


Task = tuple[str, str, list[float], TimingSettings]  # image path, codec spec, qualities, timing


def _run_packed(task: Task) -> list[dict]:
    """`run_task` on one tuple (what Pool.imap_unordered hands a worker)."""
    return run_task(*task)


def _execute(tasks: list[Task], threads: int, jobs: int) -> Iterator[dict]:
    """Yield records of all tasks, in this process or in `jobs` spawned worker processes."""
    if jobs <= 1:
        for task in tasks:
            yield from iter_task(*task)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process holding torch threads
    # Workers inherit an ignored SIGINT from the start (a Ctrl-C reaches the whole process group);
    # the parent alone handles it, and leaving the block terminates the workers at once.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pool = context.Pool(jobs, initializer=_init_worker, initargs=(threads,))
    finally:
        signal.signal(signal.SIGINT, previous)
    with pool:
        # One point per work item: finer progress, and an interrupt loses at most `jobs` points.
        packed = [(path, text, [q], how) for path, text, qualities, how in tasks for q in qualities]
        for records in pool.imap_unordered(_run_packed, packed):
            yield from records


def _as_stored(codecs: list[Codec], records: list[dict]) -> list[Codec]:
    """The codecs with the version that has the most stored points on their ladder (ties: the
    later one), for reports of stored runs, e.g. after newer weights were measured too."""
    ladders = {c.spec: {float(q) for q in c.ladder} for c in codecs}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        if "version" in record and float(record["quality"]) in ladders.get(record["codec"], ()):
            counts[record["codec"]][record["version"]] += 1
    chosen = {}
    for spec, versions in counts.items():
        order = list(versions)  # insertion order = order first stored
        chosen[spec] = max(order, key=lambda v: (versions[v], order.index(v)))
    return [replace(c, version=chosen.get(c.spec, c.version)) for c in codecs]


def run_evaluation(
    data_dir: Path,
    codec_texts: list[str],
    out_dir: Path,
    timing: TimingSettings | None = None,
    jobs: int = 1,
    fresh: bool = False,
    progress: bool = True,
    warn: Callable[[str], None] | None = None,
    timing_images: int | None = None,
    report_only: bool = False,
) -> EvalRun:
    """Measure every codec at every ladder quality on every readable image in `data_dir`.

    With `timing_images=N`, only the first N images (by name) are timed with `timing`; the
    others are encoded and decoded once (warm-up 0, repeats 1), which the records say.
    With `report_only`, nothing is measured: the stored records (of the codec version with the
    most stored points on the ladder) are returned as they are.
    """
    timing = timing or TimingSettings()
    if timing.threads < 1 or jobs < 1 or timing.repeats < 1 or timing.warmup < 0:
        raise InputError("--threads, --jobs and --repeats must be >= 1, --warmup >= 0")
    if report_only and fresh:
        raise InputError("--report-only and --fresh contradict each other")
    if timing_images is not None and timing_images < 0:
        raise InputError("--timing-images must be >= 0")
    configure_threads(timing.threads)
    codecs = [resolve_codec(text, timing.threads) for text in codec_texts]
    check_unique_specs([c.spec for c in codecs])
    paths, skipped = _readable_images(find_images(data_dir))
    for name, reason in skipped.items():
        if warn:
            warn(f"skipping {name}: {reason}")
    if not paths:
        raise InputError(f"{data_dir}: none of the images could be read")

    store = RecordStore(out_dir, {"threads": timing.threads, "machine": platform.node()}, fresh)
    if report_only:
        codecs = _as_stored(codecs, store.load())
    versions = {c.spec: c.version for c in codecs}

    def current(record: dict) -> bool:
        """False for a record of another version of a codec of this run (e.g. retrained
        weights); records without a version predate versioning and count as current."""
        expected = versions.get(record["codec"])
        return expected is not None and record.get("version", expected) == expected

    stored = [r for r in store.load() if r["codec"] in versions]
    done = {point_key(r) for r in stored if current(r)}
    stale = sum(1 for r in stored if not current(r))
    if stale and warn:
        again = "" if report_only else "; they are measured again"
        warn(f"ignoring {stale} stored point(s) of other codec versions{again}")
    once = TimingSettings(threads=timing.threads, warmup=0, repeats=1)
    tasks: list[Task] = []
    total = 0
    for index, path in enumerate(paths):
        how = timing if timing_images is None or index < timing_images else once
        for text, codec in zip(codec_texts, codecs, strict=True):
            todo = [q for q in codec.ladder if (path.name, codec.spec, float(q)) not in done]
            total += len(codec.ladder)
            if todo and not report_only:
                tasks.append((str(path), text, todo, how))
    failures: list[dict] = []
    with tqdm(
        total=total,
        initial=total - sum(len(t[2]) for t in tasks),
        disable=not progress,
        unit="pt",
        desc="eval",
        dynamic_ncols=True,
    ) as bar:
        for record in _execute(tasks, timing.threads, jobs):
            if "error" in record:
                failures.append(record)
                if warn:
                    warn(
                        f"{record['image']} {record['codec']} q={record['quality']}: "
                        f"{record['error']}"
                    )
                bar.update(1 if record["quality"] is not None else 0)
                continue
            store.append(record)
            bar.update(1)

    wanted = {(p.name, c.spec, float(q)) for p in paths for c in codecs for q in c.ladder}
    records = [r for r in store.load() if point_key(r) in wanted and current(r)]
    return EvalRun(
        data_dir=data_dir,
        codecs=codecs,
        images=[p.name for p in paths],
        records=records,
        skipped=skipped,
        failures=failures,
        timing=timing,
        jobs=jobs,
    )
