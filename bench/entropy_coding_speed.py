"""Entropy-coding speed on a Kodak-sized hyperprior latent: ncodec (constriction) vs CompressAI.

Codes 192 x 32 x 48 Gaussian-conditional symbols whose per-element scale indexes come from
CompressAI's 64-entry log-spaced scale table (0.11 .. 256), with ncodec's `encode`/`decode`
and with CompressAI's C++ `RansEncoder.encode_with_indexes` / `RansDecoder.decode_with_indexes`
on the same symbols and the same integer tables, in the same process, runs interleaved.
Also measures the coding overhead (real size vs ideal -log2 P) on 1M Gaussian/Laplace symbols,
and the streaming coder (`AnsStack`) on a 16-symbol first-order Markov chain coded with one table
per previous symbol: its size vs the ideal, and the cost of coding one symbol at a time.

Run under the benchmark venv (it has CompressAI): `bash bench/entropy_coding_speed.sh`.
"""

from __future__ import annotations

import argparse
import bisect
import glob
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
from scipy import special

from ncodec.coding import (
    AnsStack,
    CdfTables,
    DecodeOrderWriter,
    decode,
    encode,
    gaussian_tables,
    laplace_tables,
    scale_table,
    tables_from_pmf,
)

LATENT_SHAPE = (192, 32, 48)  # Kodak 768x512 image, 16x downsampled, 192 channels
COMPRESSAI_PRECISION = 16  # CompressAI's rANS works with 16-bit probabilities only
MARKOV_ALPHABET = 16


def load_compressai_ans() -> ModuleType:
    """CompressAI's compiled rANS module, loaded directly when `import compressai` fails."""
    try:
        from compressai import ans

        return ans
    except ImportError:
        pass
    for entry in sys.path:
        found = glob.glob(os.path.join(entry, "compressai", "ans*.so"))
        if found:
            loader = importlib.machinery.ExtensionFileLoader("compressai.ans", found[0])
            spec = importlib.util.spec_from_loader("compressai.ans", loader)
            module = importlib.util.module_from_spec(spec)
            loader.exec_module(module)
            return module
    raise SystemExit("CompressAI is not installed here: run bench/entropy_coding_speed.sh")


def realistic_latent(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(symbols, scale indexes) like a trained hyperprior's: most channels nearly inactive.

    70 % of elements get a scale log-uniform in 0.11..0.6 (switched-off channels), 30 %
    log-uniform in 0.6..40; index = first table scale >= scale (CompressAI's rule).
    """
    shape = LATENT_SHAPE
    active = rng.random(shape) < 0.3
    log_scale = np.where(
        active,
        rng.uniform(np.log(0.6), np.log(40.0), shape),
        rng.uniform(np.log(0.11), np.log(0.6), shape),
    )
    scales = np.exp(log_scale)
    table = scale_table()
    indexes = np.minimum(np.searchsorted(table, scales), table.size - 1).astype(np.int32)
    symbols = np.rint(rng.normal(size=shape) * scales).astype(np.int32)
    return symbols, indexes


def median_ms(samples: list[tuple[float, float]], column: int = 0) -> float:
    """Median of one column (0 wall, 1 CPU) of (wall, CPU) timings in seconds, as milliseconds."""
    return round(1000 * statistics.median(sample[column] for sample in samples), 3)


def timed(function: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call; CPU time is robust to a busy box."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def speed(runs: int, seed: int) -> dict:
    """Encode/decode timings and sizes for ncodec (P=24 and P=16) and CompressAI (P=16)."""
    ans = load_compressai_ans()
    rng = np.random.default_rng(seed)
    symbols, indexes = realistic_latent(rng)
    tables = {
        "ncodec_p24": gaussian_tables(scale_table()),
        "ncodec_p16": gaussian_tables(scale_table(), precision=COMPRESSAI_PRECISION),
    }
    t16: CdfTables = tables["ncodec_p16"]
    cdfs = [row[: length + 1].tolist() for row, length in zip(t16.cdf, t16.lengths, strict=True)]
    cdf_sizes = (t16.lengths + 1).tolist()  # CompressAI: entries incl. 0 and 2**16
    offsets = t16.offsets.tolist()
    flat_symbols, flat_indexes = symbols.reshape(-1), indexes.reshape(-1)
    encoder, decoder = ans.RansEncoder(), ans.RansDecoder()

    def cai_encode_lists(sym: list, idx: list) -> bytes:
        return encoder.encode_with_indexes(sym, idx, cdfs, cdf_sizes, offsets)

    def cai_decode_lists(data: bytes, idx: list) -> list:
        return decoder.decode_with_indexes(data, idx, cdfs, cdf_sizes, offsets)

    def cai_encode() -> bytes:  # what a numpy caller pays: array -> list conversion included
        return cai_encode_lists(flat_symbols.tolist(), flat_indexes.tolist())

    def cai_decode(data: bytes) -> np.ndarray:
        out = cai_decode_lists(data, flat_indexes.tolist())
        return np.asarray(out, dtype=np.int32).reshape(symbols.shape)

    sym_list, idx_list = flat_symbols.tolist(), flat_indexes.tolist()
    streams = {name: encode(symbols, indexes, t) for name, t in tables.items()}
    streams["compressai"] = cai_encode()
    for name, t in tables.items():
        assert np.array_equal(decode(streams[name], indexes, t), symbols), name
    assert np.array_equal(cai_decode(streams["compressai"]), symbols)

    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(runs):  # interleaved, so background load hits every coder alike
        for name, t in tables.items():
            times.setdefault(f"{name}_encode", []).append(
                timed(lambda t=t: encode(symbols, indexes, t))
            )
            times.setdefault(f"{name}_decode", []).append(
                timed(lambda t=t, n=name: decode(streams[n], indexes, t))
            )
        times.setdefault("compressai_encode", []).append(timed(cai_encode))
        times.setdefault("compressai_decode", []).append(
            timed(lambda: cai_decode(streams["compressai"]))
        )
        times.setdefault("compressai_encode_lists_only", []).append(
            timed(lambda: cai_encode_lists(sym_list, idx_list))
        )
        times.setdefault("compressai_decode_lists_only", []).append(
            timed(lambda: cai_decode_lists(streams["compressai"], idx_list))
        )

    table_scales = scale_table()[indexes]
    lo = special.ndtr((-np.abs(symbols) + 0.5) / table_scales)
    ideal_bits = float(-np.log2(lo - special.ndtr((-np.abs(symbols) - 0.5) / table_scales)).sum())
    coders = {}
    for name in ("ncodec_p24", "ncodec_p16", "compressai"):
        coders[name] = {
            "encode_ms": median_ms(times[f"{name}_encode"]),
            "decode_ms": median_ms(times[f"{name}_decode"]),
            "encode_cpu_ms": median_ms(times[f"{name}_encode"], 1),
            "decode_cpu_ms": median_ms(times[f"{name}_decode"], 1),
            "bytes": len(streams[name]),
            "bits_per_symbol": round(8 * len(streams[name]) / symbols.size, 5),
            "overhead_vs_ideal_percent": round(100 * (8 * len(streams[name]) / ideal_bits - 1), 4),
        }
    for step in ("encode", "decode"):
        samples = times[f"compressai_{step}_lists_only"]
        coders["compressai"][f"{step}_ms_without_list_conversion"] = median_ms(samples)
        coders["compressai"][f"{step}_cpu_ms_without_list_conversion"] = median_ms(samples, 1)
    return {
        "latent_shape": list(LATENT_SHAPE),
        "symbols": int(symbols.size),
        "scale_table": "exp(linspace(log 0.11, log 256, 64)), CompressAI's default",
        "symbol_source": "70% scales log-U(0.11, 0.6), 30% log-U(0.6, 40); index = first table "
        "scale >= scale; symbol = round(N(0, scale^2))",
        "ideal_bits_under_table_scales": round(ideal_bits),
        "runs": runs,
        "timing": "medians of interleaved warm runs, wall-clock (*_ms) and process CPU time "
        "(*_cpu_ms); ncodec encode includes grouping by table, decode returns an int32 array; "
        "CompressAI includes numpy <-> list conversion unless marked without",
        "coders": coders,
    }


def overhead(num_symbols: int, seed: int) -> dict:
    """Real stream size vs the ideal -log2 P on Gaussian and Laplace sources, random scales."""
    rng = np.random.default_rng(seed)
    scales = np.exp(np.linspace(np.log(0.5), np.log(50.0), 48))
    indexes = rng.integers(0, scales.size, num_symbols)
    s = scales[indexes]
    result = {}
    for family in ("gaussian", "laplace"):
        if family == "gaussian":
            symbols = np.rint(rng.normal(size=num_symbols) * s).astype(np.int64)
            a = -np.abs(symbols)
            pmf = special.ndtr((a + 0.5) / s) - special.ndtr((a - 0.5) / s)
            builder = gaussian_tables
        else:
            symbols = np.rint(rng.laplace(size=num_symbols) * s).astype(np.int64)
            a = np.abs(symbols).astype(np.float64)
            top = np.where(a == 0, 1 - np.exp(-0.5 / s), 0.5 * np.exp(-(a - 0.5) / s))
            pmf = top - np.where(a == 0, 0.0, 0.5 * np.exp(-(a + 0.5) / s))
            builder = laplace_tables
        ideal = float(-np.log2(pmf).sum())
        per_precision = {}
        for precision in (16, 24):
            real = 8 * len(encode(symbols, indexes, builder(scales, precision=precision)))
            per_precision[f"p{precision}"] = {
                "real_bits": real,
                "overhead_percent": round(100 * (real / ideal - 1), 5),
            }
        result[family] = {"symbols": num_symbols, "ideal_bits": round(ideal), **per_precision}
    result["scales"] = "48 log-spaced in 0.5..50, one per symbol uniformly at random"
    return result


def markov_chain(matrix: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A sample path of the chain with transition `matrix`, started after state 0."""
    cumulative = [np.cumsum(row).tolist() for row in matrix]
    path, state = [], 0
    for u in rng.random(length).tolist():
        state = min(bisect.bisect_right(cumulative[state], u), len(matrix) - 1)
        path.append(state)
    return np.array(path, dtype=np.int64)


def streaming(num_symbols: int, sequential: int, seed: int) -> dict:
    """AnsStack on a Markov chain: size vs ideal (one vectorized push), per-symbol coding cost."""
    rng = np.random.default_rng(seed)
    matrix = rng.dirichlet(np.full(MARKOV_ALPHABET, 0.4), size=MARKOV_ALPHABET)
    tables = tables_from_pmf(matrix, np.zeros(MARKOV_ALPHABET), 0)
    chain = markov_chain(matrix, num_symbols, rng)
    previous = np.concatenate([[0], chain[:-1]])
    stack = AnsStack()
    stack.push(chain, previous, tables)
    ideal = float(-np.log2(matrix[previous, chain]).sum())

    head, contexts = chain[:sequential], previous[:sequential]
    writer = DecodeOrderWriter()

    def write_one_by_one() -> None:
        for symbol, context in zip(head.tolist(), contexts.tolist(), strict=True):
            writer.write(np.array([symbol]), np.array([context]), tables)
        writer.to_stack()

    def pop_one_by_one(data: bytes) -> list[int]:
        popper, decoded, state = AnsStack.from_bytes(data), [], 0
        for _ in range(sequential):
            state = int(popper.pop(np.array([state]), tables)[0])
            decoded.append(state)
        return decoded

    write_time = timed(write_one_by_one)
    data = writer.to_bytes()
    pop_time = timed(lambda: pop_one_by_one(data))
    assert pop_one_by_one(data) == head.tolist()
    return {
        "source": f"First-order Markov chain over {MARKOV_ALPHABET} symbols, transition rows "
        "Dirichlet(0.4); table = previous symbol, precision 24",
        "symbols": num_symbols,
        "ideal_bits": round(ideal),
        "real_bits": stack.num_bits(),
        "overhead_percent": round(100 * (stack.num_bits() / ideal - 1), 5),
        "sequential_symbols": sequential,
        "encode_us_per_symbol": round(1e6 * write_time[0] / sequential, 2),
        "encode_cpu_us_per_symbol": round(1e6 * write_time[1] / sequential, 2),
        "decode_us_per_symbol": round(1e6 * pop_time[0] / sequential, 2),
        "decode_cpu_us_per_symbol": round(1e6 * pop_time[1] / sequential, 2),
    }


def machine() -> dict:
    """CPU, load and library versions, so the numbers can be read in context."""
    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {"python": platform.python_version()}
    for package in ("numpy", "constriction", "compressai", "torch", "scipy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "load_average_at_start": list(os.getloadavg()),
        "versions": versions,
    }


def write_markdown(result: dict, path: Path) -> None:
    """A short human-readable summary next to the JSON."""
    speed_part, info = result["speed"], result["machine"]
    lines = [
        "# Entropy coding speed: ncodec (constriction ANS) vs CompressAI rANS",
        "",
        f"Latent {' x '.join(map(str, speed_part['latent_shape']))} = {speed_part['symbols']} "
        f"Gaussian-conditional symbols, 64-entry scale table; {speed_part['symbol_source']}.",
        f"Machine: {info['cpu']}, {info['cores']} cores, load average at start "
        f"{info['load_average_at_start'][0]:.1f}: the box is shared, so wall-clock times can be "
        "inflated and noisy; the process CPU times in parentheses are the reliable measure. "
        "Runs are interleaved, so every coder sees the same load.",
        f"Median of {speed_part['runs']} warm runs. Written by `bench/entropy_coding_speed.py`.",
        "",
        "| coder | precision | encode ms (CPU) | decode ms (CPU) | bytes | bits/sym | vs ideal |",
        "|---|---|---|---|---|---|---|",
    ]
    labels = {
        "ncodec_p24": ("ncodec", 24),
        "ncodec_p16": ("ncodec", 16),
        "compressai": ("CompressAI rANS", 16),
    }
    for name, (label, precision) in labels.items():
        c = speed_part["coders"][name]
        lines.append(
            f"| {label} | {precision} | {c['encode_ms']} ({c['encode_cpu_ms']}) | "
            f"{c['decode_ms']} ({c['decode_cpu_ms']}) | {c['bytes']} | "
            f"{c['bits_per_symbol']} | {c['overhead_vs_ideal_percent']:+.3f} % |"
        )
    cai = speed_part["coders"]["compressai"]
    lines += [
        "",
        f"CompressAI times include numpy -> list conversion, as its Python callers pay it; "
        f"the C++ calls alone take {cai['encode_ms_without_list_conversion']} ms "
        f"({cai['encode_cpu_ms_without_list_conversion']} ms CPU) to encode and "
        f"{cai['decode_ms_without_list_conversion']} ms "
        f"({cai['decode_cpu_ms_without_list_conversion']} ms CPU) to decode. Same integer tables "
        "at precision 16 give byte-identical sizes for both coders.",
        "",
        "## Coding overhead (real size vs ideal -log2 P of the discretized density)",
        "",
        "| source | symbols | overhead at precision 16 | overhead at precision 24 (default) |",
        "|---|---|---|---|",
    ]
    for family in ("gaussian", "laplace"):
        o = result["overhead"][family]
        lines.append(
            f"| {family} | {o['symbols']} | {o['p16']['overhead_percent']:+.4f} % | "
            f"{o['p24']['overhead_percent']:+.4f} % |"
        )
    lines.append(f"\nScales: {result['overhead']['scales']}.")
    m = result["streaming"]
    lines += [
        "",
        "## Streaming coder (AnsStack): a context model",
        "",
        f"{m['source']}. {m['symbols']} symbols in one push: {m['real_bits']} bits vs ideal "
        f"{m['ideal_bits']} (-sum log2 p(x_t | x_t-1) under the float transitions), "
        f"{m['overhead_percent']:+.4f} %.",
        "",
        f"One symbol per call ({m['sequential_symbols']} symbols, as an autoregressive decoder "
        f"must): encode {m['encode_us_per_symbol']} us/symbol ({m['encode_cpu_us_per_symbol']} "
        f"CPU) through `DecodeOrderWriter`, decode {m['decode_us_per_symbol']} us/symbol "
        f"({m['decode_cpu_us_per_symbol']} CPU): Python and numpy call overhead, so a model "
        "should pop as many symbols per call as its context structure allows.",
    ]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    """Parse arguments, run both measurements, write JSON and Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per coder (median)")
    parser.add_argument("--seed", type=int, default=0, help="seed of all generated symbols")
    parser.add_argument(
        "--overhead-symbols",
        type=int,
        default=1_000_000,
        help="symbols of the overhead and Markov-chain size measurements",
    )
    parser.add_argument(
        "--sequential-symbols",
        type=int,
        default=20_000,
        help="symbols coded one call each in the streaming measurement",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("docs/results/entropy_coding_speed.json"),
        help="JSON result path; the Markdown summary goes beside it (.md)",
    )
    args = parser.parse_args()
    result = {"machine": machine()}
    result["speed"] = speed(args.runs, args.seed)
    result["overhead"] = overhead(args.overhead_symbols, args.seed)
    result["streaming"] = streaming(args.overhead_symbols, args.sequential_symbols, args.seed)
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    write_markdown(result, args.out.with_suffix(".md"))
    print(json.dumps(result["speed"]["coders"], indent=2))


if __name__ == "__main__":
    main()
