"""Time the lidar-octree kernels on a replay of one real decode: steadier than whole decodes.

    OMP_NUM_THREADS=1 python bench/lidar_kernel_replay.py capture SCAN.ncz CALLS.pkl
    OMP_NUM_THREADS=1 python bench/lidar_kernel_replay.py replay CALLS.pkl BUILD [BUILD ...]

`capture` decodes the file once and records every call of `ncodec.pointcloud._kernels` with its
arguments (arrays stored once per distinct content). `replay` runs the recorded calls through
each BUILD (a folder holding a built `_kernels*.so`, e.g. a copy of an older build) in turn,
`--repeat` times, and prints per kernel the smallest total CPU seconds over the repeats and a
digest of every output array: builds that compute the same values print the same digest. The
builds alternate within each repeat, so a drift of the machine's speed (this VM's is 10-30 %
between whole-decode runs minutes apart) hits them alike.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import pickle
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from ncodec import api
from ncodec.errors import NcodecError
from ncodec.pointcloud import (
    codec,  # noqa: F401  (registers lidar-octree)
    kernels,
)
from ncodec.pointcloud.scratch import aligned_empty

#: How many trailing arguments of each kernel are outputs (written, not read).
OUTPUTS = {"first_layer": 1, "split_weights": 2, "wide_weights": 1, "next_level": 3}


class _Recorder:
    """Stands in for the kernel module: records each call's inputs (outputs as their shape and
    dtype only), then makes the call."""

    def __init__(self, module: ModuleType) -> None:
        self.module, self.calls, self.arrays = module, [], {}

    def _keep(self, value: object) -> object:
        """Arrays by content (the tables repeat across calls), sequences element-wise."""
        if isinstance(value, np.ndarray):
            key = hashlib.blake2b(value.tobytes(), digest_size=16).hexdigest()
            key = (key, value.dtype.str, value.shape)
            self.arrays.setdefault(key, value.copy())
            return ("array", key)
        if isinstance(value, (list, tuple)):
            return type(value)(self._keep(v) for v in value)
        return value

    def __getattr__(self, name: str) -> object:
        function = getattr(self.module, name)

        def record(*args: object) -> object:
            inputs = len(args) - OUTPUTS[name]
            kept = [self._keep(a) for a in args[:inputs]]
            kept += [("output", a.dtype.str, a.shape) for a in args[inputs:]]
            self.calls.append((name, kept))
            return function(*args)

        return record


def capture(scan: Path, out: Path) -> None:
    """Decode `scan` once with the compiled kernels and store their calls in `out`."""
    module = kernels.KERNELS.compiled()
    if module is None:
        sys.exit("lidar_kernel_replay: the compiled kernels are not built or switched off")
    recorder = _Recorder(module)
    kernels.KERNELS._module = recorder
    try:
        api.decode(scan.read_bytes())
    finally:
        kernels.KERNELS._module = module
    partial = out.with_name(out.name + ".partial")
    with open(partial, "wb") as f:
        pickle.dump({"calls": recorder.calls, "arrays": recorder.arrays}, f, protocol=5)
    os.replace(partial, out)  # no half-written file under the final name
    print(f"{len(recorder.calls)} calls, {len(recorder.arrays)} distinct arrays -> {out}")


def _load_build(folder: Path) -> ModuleType:
    """The `_kernels` extension built in `folder`."""
    found = sorted(folder.glob("_kernels*.so")) + sorted(folder.glob("_kernels*.pyd"))
    if not found:
        sys.exit(f"lidar_kernel_replay: no _kernels build in {folder}")
    spec = importlib.util.spec_from_file_location("_kernels", found[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _materialize(value: object, arrays: dict) -> object:
    """The recorded argument: its array (shared by the calls that read it), or a new output."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "array":
        return arrays[value[1]]
    if isinstance(value, tuple) and len(value) == 3 and value[0] == "output":
        return aligned_empty(value[2], value[1])
    if isinstance(value, (list, tuple)):
        return type(value)(_materialize(v, arrays) for v in value)
    return value


def _aligned_copy(array: np.ndarray) -> np.ndarray:
    """A copy of `array` that starts on a cache line."""
    copy = aligned_empty(array.shape, array.dtype)
    copy[...] = array
    return copy


def replay(calls_path: Path, builds: list[Path], repeat: int) -> None:
    """Per build: smallest total CPU seconds per kernel over `repeat` runs, output digest."""
    with open(calls_path, "rb") as f:
        recorded = pickle.load(f)
    calls = recorded["calls"]
    # On cache lines, as the decoder allocates its tables and buffers (ncodec.pointcloud.scratch).
    arrays = {key: _aligned_copy(a) for key, a in recorded["arrays"].items()}
    modules = [(folder, _load_build(folder)) for folder in builds]
    best: dict[Path, dict[str, float]] = {folder: {} for folder in builds}
    digests: dict[Path, str] = {}
    for run in range(repeat):
        for folder, module in modules:
            totals: dict[str, float] = {}
            digest = hashlib.sha256()
            for name, recorded_args in calls:
                args = [_materialize(a, arrays) for a in recorded_args]
                function = getattr(module, name)
                start = time.process_time()
                function(*args)
                totals[name] = totals.get(name, 0.0) + time.process_time() - start
                if run == 0:
                    for output in args[len(args) - OUTPUTS[name] :]:
                        digest.update(output.tobytes())
            if run == 0:
                digests[folder] = digest.hexdigest()[:16]
            for name, seconds in totals.items():
                best[folder][name] = min(best[folder].get(name, float("inf")), seconds)
    for folder, _ in modules:
        times = ", ".join(f"{name} {seconds:.3f}" for name, seconds in best[folder].items())
        print(
            f"{folder}: {times}; sum {sum(best[folder].values()):.3f} s; outputs {digests[folder]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("scan", type=Path)
    cap.add_argument("out", type=Path)
    rep = sub.add_parser("replay")
    rep.add_argument("calls", type=Path)
    rep.add_argument("builds", type=Path, nargs="+")
    rep.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.command == "replay" and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        if args.command == "capture":
            capture(args.scan, args.out)
        else:
            replay(args.calls, args.builds, args.repeat)
    except (OSError, NcodecError, pickle.UnpicklingError, KeyError, EOFError) as err:
        sys.exit(f"lidar_kernel_replay: error: {err}")


if __name__ == "__main__":
    main()
