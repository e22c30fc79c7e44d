"""Where one decode spends its time: cProfile of `api.decode` on any .ncz file, one thread.

A warm-up decode, then `--repeats` profiled decodes; prints the functions with the most own
time (C kernels, constriction calls and numpy operations appear by name) and the total per
decode. Exploratory: cProfile adds overhead to Python calls, so use the shares, and take decode
times from the benches that time without it (bench/overfit_decode_time.py, bench/lidar_speed.py).

    OMP_NUM_THREADS=1 python bench/decode_profile.py FILE.ncz --repeats 5
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from pathlib import Path

import torch

from ncodec import api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = args.file.read_bytes()
    api.decode(data)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.repeats):
        api.decode(data)
    profile.disable()
    stats = pstats.Stats(profile)
    print(f"{args.file.name}: {stats.total_tt / args.repeats * 1000:.1f} ms per decode (profiled)")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
