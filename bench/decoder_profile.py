"""Where decoding time goes, old and new side by side in one single-thread process.

For each image (encoded once at one quality) times, alternating and taking medians: entropy
decoding of z and y; the integer hyper-synthesis with direct float64 convolutions (before) and
with its exact Winograd path (now); the float32 synthesis (before) and the fixed-point synthesis
(now), this one also layer by layer. Prints a Markdown table.

    python bench/decoder_profile.py ../shared/data/kodak --every 6
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections import defaultdict
from pathlib import Path

import torch

from ncodec import api
from ncodec.entropy import FactorizedDensity, GaussianConditional
from ncodec.format.container import read_ncz
from ncodec.io import find_images, load_rgb
from ncodec.zoo import find_model, load_codec


def cpu_seconds(fn, repeats: int) -> float:
    """Median process CPU time of `fn()`."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def profile_image(codec, old_hyper, data: bytes, repeats: int) -> dict[str, float]:
    """Median CPU seconds of each decoding stage of one file."""
    header, streams = read_ncz(data)
    q, stride = header.quality - 1, codec.stride
    padded = (-(-header.height // stride) * stride, -(-header.width // stride) * stride)
    _, z_shape = codec.latent_shapes(padded)
    z = FactorizedDensity.decompress(streams[0], codec.z_tables, z_shape)
    inverse, y_inverse = codec.z_inverse_gain_fixed[q], codec.y_inverse_gain[q]
    indexes, means = codec._hyper_params(z, q)
    y = GaussianConditional.decompress(streams[1], means, indexes, codec.y_tables)
    y_float = y.float() * y_inverse.view(1, -1, 1, 1)
    synthesis = codec.synthesis
    synthesis(y, y_inverse, q)  # builds and caches the quality's weights
    timed = {
        "entropy z": lambda: FactorizedDensity.decompress(streams[0], codec.z_tables, z_shape),
        "hyper-synthesis, direct (before)": lambda: old_hyper(z, inverse),
        "hyper-synthesis, Winograd (now)": lambda: codec.hyper_synthesis(z, inverse),
        "entropy y": lambda: GaussianConditional.decompress(
            streams[1], means, indexes, codec.y_tables
        ),
        "synthesis, float32 (before)": lambda: codec.module.g_s(y_float),
        "synthesis, fixed point (now)": lambda: synthesis(y, y_inverse, q),
    }
    result = {name: cpu_seconds(fn, repeats) for name, fn in timed.items()}
    x = torch.round(y[0].double() * 2.0**synthesis.input_bits)
    for i, layer in enumerate(synthesis.layers):
        start = time.process_time()
        x = layer(x, y_inverse, q) if i == 0 else layer(x)
        name = f"  layer {i}: {type(layer).__name__} -> {tuple(x.shape)}"
        result[name] = time.process_time() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("--model", default="hyperprior-mse")
    parser.add_argument("--quality", type=int, default=50)
    parser.add_argument("--every", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    codec = load_codec(find_model(args.model))
    old_hyper = copy.copy(codec.hyper_synthesis)
    old_hyper.layers = [copy.copy(layer) for layer in codec.hyper_synthesis.layers]
    for layer in old_hyper.layers:
        layer.transformed = None
    stages: dict[str, list[float]] = defaultdict(list)
    for path in find_images(args.data)[:: args.every]:
        data = api.compress_image(load_rgb(path), args.model, args.quality)
        with torch.no_grad():
            for name, seconds in profile_image(codec, old_hyper, data, args.repeats).items():
                stages[name].append(seconds)
    print(f"| stage ({len(stages['entropy z'])} images, median CPU ms) | ms |\n|---|---:|")
    for name, values in stages.items():
        print(f"| {name} | {1000 * statistics.median(values):.1f} |")


if __name__ == "__main__":
    main()
