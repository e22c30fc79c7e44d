"""What exact arithmetic costs on this CPU: the synthesis' largest layer five ways, one thread.

The layer is the shipped model's third transposed convolution (128 -> 128 channels, 5x5,
stride 2, 128x192 -> 256x384 for a Kodak image). Timed alternately, median CPU time of:
float32 `conv_transpose2d` (the decoder before), float32 sub-pixel phases as four channels-last
convolutions (the fastest float path found, not exact), float64 `conv_transpose2d` and float64
`conv2d` of the stacked sub-pixel kernel on integers (exact, direct), and the exact float64
Winograd F(4x4, 3x3) the fixed-point synthesis uses. Also the GEMM rates behind them.

    python bench/exact_arithmetic_cost.py --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from ncodec.layers import deconv
from ncodec.layers.subpixel import subpixel_kernel
from ncodec.layers.winograd import conv3x3_bands, winograd_kernel


def cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def phases(x: torch.Tensor, kernel: torch.Tensor) -> None:
    """The four sub-pixel phases with only their real taps (3x3, 3x2, 2x3, 2x2)."""
    k = kernel.view(2, 2, -1, *kernel.shape[1:])
    F.conv2d(x, k[0, 0].contiguous(memory_format=torch.channels_last), padding=1)
    F.conv2d(F.pad(x, (0, 1, 1, 1)), k[0, 1, :, :, :, 1:].contiguous())
    F.conv2d(F.pad(x, (1, 1, 0, 1)), k[1, 0, :, :, 1:, :].contiguous())
    F.conv2d(F.pad(x, (0, 1, 0, 1)), k[1, 1, :, :, 1:, 1:].contiguous())


def gemm_rate(dtype: torch.dtype, repeats: int) -> float:
    a, b = torch.randn(512, 1152, dtype=dtype), torch.randn(1152, 4096, dtype=dtype)
    return 2 * 512 * 1152 * 4096 / min(cpu(lambda: a @ b) for _ in range(repeats)) / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layer = deconv(128, 128)
    x = torch.randn(1, 128, 128, 192) * 0.3
    x_cl = x.contiguous(memory_format=torch.channels_last)
    kernel = subpixel_kernel(layer).detach()
    integers = torch.round(x[0].double() * 2**12)
    weight = torch.round(layer.weight.detach().double() * 2**12 / layer.weight.abs().max())
    stacked = subpixel_kernel(layer).double()
    stacked = torch.round(stacked * 4095 / stacked.abs().max())
    transformed = winograd_kernel(stacked)
    with torch.no_grad():
        cases = {
            "float32 conv_transpose2d (decoder before)": lambda: F.conv_transpose2d(
                x, layer.weight, None, 2, 2, 1
            ),
            "float32 sub-pixel phases, channels-last (not exact)": lambda: phases(x_cl, kernel),
            "float64 conv_transpose2d on integers (exact)": lambda: F.conv_transpose2d(
                integers[None], weight, None, 2, 2, 1
            ),
            "float64 stacked sub-pixel conv2d on integers (exact)": lambda: F.conv2d(
                integers[None], stacked, padding=1
            ),
            "float64 Winograd F(4x4,3x3) on integers (exact, now)": lambda: [
                band for _, band in conv3x3_bands(integers, transformed)
            ],
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeats):
            for name, fn in cases.items():
                times[name].append(cpu(fn))
    base = statistics.median(times["float32 conv_transpose2d (decoder before)"])
    print("| largest synthesis layer, one thread | median CPU ms | vs before |\n|---|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {1000 * median:.0f} | {median / base:.2f}x |")
    print(f"\nGEMM 512x1152x4096: float32 {gemm_rate(torch.float32, args.repeats):.1f} GFLOP/s, ")
    print(f"float64 {gemm_rate(torch.float64, args.repeats):.1f} GFLOP/s")


if __name__ == "__main__":
    main()
