"""Thread pinning, wall-clock timing (warm-up + median of repeats) and decode peak memory."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "RAYON_NUM_THREADS",
)

MEMORY_METHOD = (
    "rise of the process's peak resident set size during the first timed decode above its "
    "resident size just before (Linux /proc/self/clear_refs + VmHWM). Memory the process already "
    "holds from earlier calls (heap kept by malloc) is not counted, so decoders with small, "
    "reused buffers show ~0: a lower bound on the decoder's working memory, meaningful for "
    "large allocations such as a neural decoder's tensors"
)


def configure_threads(threads: int) -> None:
    """Limit torch and the native libraries (OpenMP/BLAS env vars) to `threads` threads."""
    for name in THREAD_ENV_VARS:
        os.environ[name] = str(threads)
    import torch

    torch.set_num_threads(threads)


@dataclass(frozen=True)
class Timed(Generic[T]):
    """The result of a timed function and its medians; `peak_bytes` from the first timed run."""

    result: T
    wall_s: float
    cpu_s: float
    peak_bytes: int | None = None


def timed(
    fn: Callable[[], T], warmup: int = 1, repeats: int = 3, measure_peak: bool = False
) -> Timed[T]:
    """Run `fn` `warmup` times untimed, then `repeats` times; keep the last result and the
    medians of wall-clock seconds (time.perf_counter) and of process CPU seconds
    (time.process_time: user + system time of all threads of this process). With
    `measure_peak`, also the extra peak memory of the first timed run (see MEMORY_METHOD)."""
    result = None
    for _ in range(warmup):
        result = fn()
    wall, cpu = [], []
    peak = None
    for index in range(max(repeats, 1)):
        baseline = reset_peak_memory() if measure_peak and index == 0 else None
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
        if baseline is not None:
            peak = peak_memory_since(baseline)
    return Timed(result, statistics.median(wall), statistics.median(cpu), peak)  # type: ignore[arg-type]


def _status_kib(field: str) -> int | None:
    """A `VmXXX:` field of /proc/self/status in KiB, or None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_memory() -> int | None:
    """Reset the kernel's peak-RSS mark to the current RSS and return that RSS in KiB, or None
    where this is not possible (non-Linux, restricted /proc)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _status_kib("VmRSS")


def peak_memory_since(baseline_kib: int) -> int | None:
    """Bytes by which the peak RSS rose above `baseline_kib` since `reset_peak_memory`."""
    peak = _status_kib("VmHWM")
    return None if peak is None else max(peak - baseline_kib, 0) * 1024
