"""Encode a folder of images with the overfitted codec, writing `.ncz` files that decode on a CPU.

Images of the same padded size and quality are trained together, `--batch` at a time (each has
its own latents and decoder, so a batch only shares the device); the integer finishing and the
entropy coding always run on the CPU, so a file is the same whichever device trained it.
Resumable: a file that already exists is skipped, and files are written atomically. Each file
gets a line in OUTPUT/manifest.jsonl, so `ncodec eval --codecs files:OUTPUT,avif,...` measures the
files on any machine beside the classical codecs.

    python scripts/overfit_folder.py photos/ out/ --quality 30 60 --effort 1 --device cuda --batch 8
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

import ncodec.models.overfit  # noqa: F401  (registers the architecture)
from ncodec.errors import NcodecError
from ncodec.eval.precomputed import MANIFEST, manifest_entry
from ncodec.format import ImageInfo, NczHeader, write_ncz
from ncodec.io.discovery import find_images
from ncodec.io.images import load_image
from ncodec.models.image_codec import image_tensor, pad_to_multiple
from ncodec.models.overfit.codec import DEVICES, FrozenOverfit
from ncodec.models.overfit.encoder import Recipe, encode_batch
from ncodec.zoo import find_model, load_codec


def _jobs(images: list[Path], qualities: list[int], out_dir: Path) -> list[tuple[Path, int, Path]]:
    """(image, quality, output) of every file still to write."""
    jobs = []
    for path in images:
        for q in qualities:
            target = out_dir / f"{path.stem}.q{q}.ncz"
            if not target.exists():
                jobs.append((path, q, target))
    return jobs


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--quality", type=int, nargs="+", default=[75])
    parser.add_argument("--effort", type=int, default=0, help="0: the default level")
    parser.add_argument("--device", choices=DEVICES, default="cpu")
    parser.add_argument("--batch", type=int, default=1, help="images trained together")
    parser.add_argument("--model", default="overfit")
    parser.add_argument("--recursive", action="store_true")
    args = parser.parse_args()
    try:
        entry = find_model(args.model)
        codec = load_codec(entry)
        if not isinstance(codec, FrozenOverfit):
            raise NcodecError(f"model {args.model!r} is not an overfit model")
        if not 0 <= args.effort <= codec.max_effort():
            raise NcodecError(f"effort must be from 0 to {codec.max_effort()}")
        if args.device == "cuda" and not torch.cuda.is_available():
            raise NcodecError("no CUDA device is available")
        if any(not 1 <= q <= 100 for q in args.quality) or args.batch < 1:
            raise NcodecError("qualities must be 1..100 and --batch at least 1")
        args.output.mkdir(parents=True, exist_ok=True)
        jobs = _jobs(find_images(args.input, args.recursive), args.quality, args.output)
    except (NcodecError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(jobs)} files to write ({args.model}, effort {args.effort}, {args.device})")
    loaded = {}
    groups: dict[tuple, list] = {}
    for path, q, target in jobs:
        image = loaded.get(path) or load_image(path)
        loaded[path] = image
        x = pad_to_multiple(image_tensor(image.rgb), codec.stride)
        groups.setdefault((tuple(x.shape[-2:]), q), []).append((image, x, q, target))
    recipe = Recipe(iterations=codec.config.iterations(args.effort))
    manifest = args.output / MANIFEST  # what `ncodec eval --codecs files:OUTPUT` reads
    done = 0
    for (_, q), members in groups.items():
        for start in range(0, len(members), args.batch):
            chunk = members[start : start + args.batch]
            began = time.perf_counter()
            results = encode_batch(
                codec.bank,
                torch.cat([x for _, x, _, _ in chunk]),
                [image.rgb.shape[:2] for image, _, _, _ in chunk],
                [codec.rate_lambda(q)] * len(chunk),
                recipe,
                device=args.device,
            )
            seconds = time.perf_counter() - began
            for (image, _, _, target), (stream, trace) in zip(chunk, results, strict=True):
                h, w = image.rgb.shape[:2]
                info = ImageInfo(height=h, width=w, mode=image.mode, quality=q)
                header = NczHeader(entry.name, codec.weights_hash, info, codec.kind)
                data = write_ncz(header, [stream])
                _write_atomic(target, data)
                note = (
                    f"{args.model} effort {args.effort} on {args.device}: {trace.iterations} "
                    f"iterations, {seconds / len(chunk):.1f} s per image in batches of {len(chunk)}"
                )
                with manifest.open("a") as handle:
                    handle.write(manifest_entry(target, q, image.rgb, note))
                done += 1
                print(f"[{done}/{len(jobs)}] {target.name}: {8 * len(data) / (h * w):.4f} bpp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
