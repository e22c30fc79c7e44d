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
from safetensors.torch import load_file, save_file

SHARD_BYTES = 15_000_000


def split(checkpoint: Path, out: Path) -> None:
    """Write out/model-K.safetensors shards under SHARD_BYTES each and out/checkpoint-meta.json."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name, tensor in state["model"].items():
        nbytes = tensor.numel() * tensor.element_size()
        if size and size + nbytes > SHARD_BYTES:
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


def join(folder: Path, checkpoint: Path) -> None:
    """Rebuild a model-only checkpoint from the shards and the meta JSON."""
    meta = json.loads((folder / "checkpoint-meta.json").read_text())
    model: dict[str, torch.Tensor] = {}
    for k in range(meta.pop("shards")):
        model.update(load_file(folder / f"model-{k}.safetensors"))
    torch.save({"model": model, **meta}, checkpoint)
    print(f"wrote {checkpoint} at step {meta['step']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("split")
    s.add_argument("checkpoint", type=Path)
    s.add_argument("out", type=Path)
    j = sub.add_parser("join")
    j.add_argument("folder", type=Path)
    j.add_argument("checkpoint", type=Path)
    args = parser.parse_args()
    if args.command == "split":
        split(args.checkpoint, args.out)
    else:
        join(args.folder, args.checkpoint)


if __name__ == "__main__":
    main()
