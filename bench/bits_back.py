"""Lossy bits-back coding of `hyperprior-mse` on Kodak: real streams and files, one run.

For each quality and each of the 24 Kodak images, all from the same y_hat = round(y * gain):
- `fixed`: z = round(h_a(y) * gain), the encoder's own choice, coded without bits-back
  (a real stream, decoded back here and checked; the api has no file kind for it);
- `single`: a one-image bits-back file as `ncodec compress --bits-back` writes it (empty stack:
  z is the rounded posterior centre, nothing is borrowed);
- `chain`: all 24 images in one bits-back file (decoding order kodim01..24), decoded back and
  checked; each image's share is how much it grew the stack when pushed.
and the shipped codec's plain file (`api.compress`) beside them. PSNR of fixed, single and
chain is the same (the reconstruction depends on y_hat only; checked).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bits_back.py --qualities 1,8,15,29 \
        --out docs/results/bits_back.json
"""

from __future__ import annotations

import argparse
import glob
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ncodec import api
from ncodec.coding import AnsStack
from ncodec.eval.bdrate import bd_rate
from ncodec.format import ImageInfo, NczHeader, read_ncz, write_ncz
from ncodec.models.bits_back import BitsBackHyperprior, decode_chain
from ncodec.models.image_codec import padded_tensor, to_pixels
from ncodec.zoo import find_model, load_codec

MODEL = "hyperprior-mse"
KODAK = "/work/shared/data/kodak/*.png"


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a.astype(np.float64) - b) ** 2)))


def file_bytes(codec, coder, rgb: np.ndarray, quality: int, stream: bytes) -> int:
    """Size of a bits-back-marked .ncz holding this one stream."""
    info = ImageInfo(height=rgb.shape[0], width=rgb.shape[1], mode="RGB", quality=quality)
    header = NczHeader(MODEL, codec.weights_hash, info, codec.kind, coder.extra())
    return len(write_ncz(header, [stream]))


def pixels(codec, y_hat: torch.Tensor, q: int, shape: tuple[int, int]) -> np.ndarray:
    x_hat = codec.synthesizer(q)(y_hat)
    return to_pixels(x_hat, *shape)


def run_quality(codec, coder, images: list[np.ndarray], quality: int) -> dict:
    q = quality - 1
    rows = []
    chain_stack = AnsStack()
    shares = []
    for rgb in reversed(images):  # the last decoded is pushed first
        before = len(chain_stack.to_bytes())
        coder.push(chain_stack, coder.latents(padded_tensor(rgb, 64), q), q)
        shares.append(len(chain_stack.to_bytes()) - before)
    shares.reverse()
    chain_stream = chain_stack.to_bytes()
    start = time.process_time()
    sizes = [((-(-r.shape[0] // 64) * 64, -(-r.shape[1] // 64) * 64), q) for r in images]
    decoded = decode_chain(coder, chain_stream, sizes)
    chain_decode_cpu = time.process_time() - start
    for rgb, y_chain, share, (padded, _) in zip(images, decoded, shares, sizes, strict=True):
        x = padded_tensor(rgb, 64)
        y_hat = coder.latents(x, q)
        with torch.no_grad():
            y0 = codec.module.g_a(x)
            z_fixed = torch.round(codec.module.h_a(y0) * codec.z_gain[q].view(1, -1, 1, 1))
        stack = AnsStack()
        coder.push_given(stack, y_hat, z_fixed.numpy().astype(np.int64), q)
        fixed_stream = stack.to_bytes()
        back, _ = coder.pop_given(AnsStack.from_bytes(fixed_stream), padded, q)
        assert np.array_equal(back, y_hat)
        assert np.array_equal(y_chain.numpy(), y_hat.astype(np.float64))
        single = api.compress_image(rgb, MODEL, quality, options={"bits_back": True})
        single_rgb = api.decompress_image(single)
        plain = api.compress_image(rgb, MODEL, quality)
        plain_rgb = api.decompress_image(plain)
        if not rows:  # the chain's first image: its pixels are the one-image file's
            rec = pixels(codec, y_chain, q, rgb.shape[:2])
            assert np.array_equal(rec, single_rgb)
        n = rgb.shape[0] * rgb.shape[1]
        rows.append(
            {
                "pixels": n,
                "fixed_stream": len(fixed_stream),
                "fixed_file": file_bytes(codec, coder, rgb, quality, fixed_stream),
                "single_file": len(single),
                "single_stream": len(read_ncz(single)[1][0]),
                "chain_share": share,
                "psnr_bits_back": psnr(single_rgb, rgb),
                "plain_file": len(plain),
                "psnr_plain": psnr(plain_rgb, rgb),
            }
        )
    total_pixels = sum(r["pixels"] for r in rows)
    info = ImageInfo(height=images[0].shape[0], width=images[0].shape[1], quality=quality)
    chain_entries = [[r.shape[0], r.shape[1], "RGB", quality] for r in images[1:]]
    chain_file = len(
        write_ncz(
            NczHeader(MODEL, codec.weights_hash, info, codec.kind, coder.extra(chain_entries)),
            [chain_stream],
        )
    )

    def bpp(key: str) -> float:
        return 8 * sum(r[key] for r in rows) / total_pixels

    return {
        "quality": quality,
        "images": len(rows),
        "bpp_plain": bpp("plain_file"),
        "psnr_plain": float(np.mean([r["psnr_plain"] for r in rows])),
        "bpp_fixed_files": bpp("fixed_file"),
        "bpp_fixed_streams": bpp("fixed_stream"),
        "bpp_single_files": bpp("single_file"),
        "bpp_single_streams": bpp("single_stream"),
        "bpp_chain_file": 8 * chain_file / total_pixels,
        "bpp_chain_stream": 8 * len(chain_stream) / total_pixels,
        "psnr_bits_back": float(np.mean([r["psnr_bits_back"] for r in rows])),
        "chain_vs_fixed_streams": len(chain_stream) / sum(r["fixed_stream"] for r in rows) - 1,
        "chain_vs_fixed_files": chain_file / sum(r["fixed_file"] for r in rows) - 1,
        "chain_vs_single_streams": len(chain_stream) / sum(r["single_stream"] for r in rows) - 1,
        "chain_vs_single_files": chain_file / sum(r["single_file"] for r in rows) - 1,
        "single_vs_fixed_files": sum(r["single_file"] for r in rows)
        / sum(r["fixed_file"] for r in rows)
        - 1,
        "first_image_share_vs_fixed": shares[-1] / rows[-1]["fixed_stream"] - 1,
        "chain_decode_cpu_s_per_image": chain_decode_cpu / len(rows),
        "per_image": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--qualities", default="1,8,15,29")
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument(
        "--files",
        default=KODAK,
        help="glob of the images (default Kodak; design choices were made on training photos, "
        "e.g. --files '/work/shared/data/train/bsds500/*' --skip 280)",
    )
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N files")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    codec = load_codec(find_model(MODEL))
    coder = BitsBackHyperprior.of(codec)
    files = sorted(glob.glob(args.files))[args.skip : args.skip + args.images]
    images = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    results = {"model": MODEL, "bits_back_data": coder.companion.digest, "rows": []}
    results["files"] = [Path(f).name for f in files]
    for quality in (int(v) for v in args.qualities.split(",")):
        row = run_quality(codec, coder, images, quality)
        results["rows"].append(row)
        brief = {k: v for k, v in row.items() if k != "per_image"}
        print(json.dumps(brief), flush=True)
        args.out.write_text(json.dumps(results, indent=1))
    rows = results["rows"]
    if len(rows) >= 2:
        plain = ([r["bpp_plain"] for r in rows], [r["psnr_plain"] for r in rows])
        quality = [r["psnr_bits_back"] for r in rows]
        for key in ("bpp_chain_file", "bpp_single_files", "bpp_fixed_files"):
            bd = bd_rate(*plain, [r[key] for r in rows], quality)
            results[f"bd_rate_{key[4:]}_vs_plain_percent"] = bd.value
            print(key, "BD-rate vs the shipped plain files:", bd.value, flush=True)
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
