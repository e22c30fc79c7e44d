"""Split a training checkpoint's model weights into small safetensors shards, and join them back.

A lent GPU machine returns files of at most 16 MB; the model (not the optimizer) travels as
shards plus a JSON with the step, wall time and run config, and `join` rebuilds a checkpoint
that scripts/export_weights.py and `ncodec train --init-from` accept.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

SHARD_BYTES = 15_000_000


def split(checkpoint: Path, out: Path, shard_bytes: int = SHARD_BYTES, force: bool = False) -> None:
    """Write out/model-K.safetensors shards under shard_bytes each and out/checkpoint-meta.json."""
    if not checkpoint.is_file():
        raise SystemExit(f"checkpoint_shards: error: checkpoint not found: {checkpoint}")
    if not force and (out / "checkpoint-meta.json").exists():
        raise SystemExit(f"checkpoint_shards: error: {out} already holds shards (use --force)")
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name, tensor in state["model"].items():
        nbytes = tensor.numel() * tensor.element_size()
        if size and size + nbytes > shard_bytes:
            shards.append({})
            size = 0
        shards[-1][name] = tensor.detach().cpu().contiguous().clone()
        size += nbytes
    out.mkdir(parents=True, exist_ok=True)
    for k, shard in enumerate(shards):
        save_file(shard, out / f"model-{k}.safetensors")
    meta = {key: state[key] for key in ("step", "seconds", "config")}
    meta["shards"] = len(shards)
    (out / "checkpoint-meta.json").write_text(json.dumps(meta, indent=1))
    print(f"{len(shards)} shards, step {state['step']}")


def join(folder: Path, checkpoint: Path, force: bool = False) -> None:
    """Rebuild a model-only checkpoint from the shards and the meta JSON."""
    if checkpoint.exists() and not force:
        raise SystemExit(f"checkpoint_shards: error: {checkpoint} exists (use --force)")
    try:
        meta = json.loads((folder / "checkpoint-meta.json").read_text())
        model: dict[str, torch.Tensor] = {}
        for k in range(meta.pop("shards")):
            model.update(load_file(folder / f"model-{k}.safetensors"))
    except (OSError, ValueError, KeyError, SafetensorError) as err:
        raise SystemExit(
            f"checkpoint_shards: error: incomplete or corrupt shards in {folder}: {err}"
        ) from None
    torch.save({"model": model, **meta}, checkpoint)
    print(f"wrote {checkpoint} at step {meta['step']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("split")
    s.add_argument("checkpoint", type=Path)
    s.add_argument("out", type=Path)
    s.add_argument("--shard-bytes", type=int, default=SHARD_BYTES)
    j = sub.add_parser("join")
    j.add_argument("folder", type=Path)
    j.add_argument("checkpoint", type=Path)
    for p in (s, j):
        p.add_argument("--force", action="store_true", help="overwrite existing output")
    args = parser.parse_args()
    if args.command == "split":
        split(args.checkpoint, args.out, args.shard_bytes, args.force)
    else:
        join(args.folder, args.checkpoint, args.force)


if __name__ == "__main__":
    main()
