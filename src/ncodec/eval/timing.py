"""Thread pinning, wall-clock timing (warm-up + median of repeats) and decode peak memory."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
    "peak resident set size of the whole decoding process during one decode minus its resident "
    "size just before (Linux /proc/self/clear_refs + VmHWM); includes the decoded image and all "
    "native allocations"
)


def configure_threads(threads: int) -> None:
    """Limit torch and the native libraries (OpenMP/BLAS env vars) to `threads` threads."""
    for name in THREAD_ENV_VARS:
        os.environ[name] = str(threads)
    import torch

    torch.set_num_threads(threads)


def timed(fn: Callable[[], T], warmup: int = 1, repeats: int = 3) -> tuple[T, float, float]:
    """Run `fn` `warmup` times untimed, then `repeats` times; return the last result and the
    medians of wall-clock seconds (time.perf_counter) and of process CPU seconds
    (time.process_time: user + system time of all threads of this process)."""
    result = None
    for _ in range(warmup):
        result = fn()
    wall, cpu = [], []
    for _ in range(max(repeats, 1)):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return result, statistics.median(wall), statistics.median(cpu)  # type: ignore[return-value]


def _status_kib(field: str) -> int | None:
    """A `VmXXX:` field of /proc/self/status in KiB, or None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_memory(fn: Callable[[], T]) -> tuple[T, int | None]:
    """Run `fn` once and return its result and the extra peak resident memory in bytes it needed
    (see MEMORY_METHOD), or None where the kernel does not allow resetting the peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        return fn(), None
    before = _status_kib("VmRSS")
    result = fn()
    peak = _status_kib("VmHWM")
    if before is None or peak is None:
        return result, None
    return result, max(peak - before, 0) * 1024
