"""Train the realism head of hyperprior-mse (issue 19's beta knob) and export it.

    python scripts/train_realism.py cache  --out RUN [--count 1000]
    python scripts/train_realism.py train  --out RUN --steps 3000 [--resume] [--max-minutes M]
    python scripts/train_realism.py export --out RUN

Training photos: ../shared/data/train (ImageNet and BSDS500), except the last 24 BSDS500 photos,
held out for validation (PSNR and the patch SWD at beta 0, 0.5 and 1 on their centre crops).
Kodak is never read. The base model stays frozen; `export` writes the head as
src/ncodec/models/realism_data/<base weights hash>.safetensors (a decode-side add-on of that
exact model).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from ncodec.api import load_model
from ncodec.models.realism import DATA_DIR, save_head
from ncodec.swd import realism_swd_set
from ncodec.train.checkpoint import load_checkpoint
from ncodec.train.data import CropDataset, find_images, load_training_image
from ncodec.train.realism_task import RealismTask, base_latents, build_cache, save_cache
from ncodec.train.trainer import LoopSettings, Trainer

TRAIN = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "train"
HELD_OUT = 24
CACHE_CROP = 256
LEVELS = tuple(range(0, 58))
"""Rate-level indexes of the training crops (qualities 1-58: about 0.1-0.5 bpp on photos)."""
VALIDATION_LEVEL = 20
WEIGHTS = {"mse": 2.0e-3, "adv": 0.15, "fm": 5.0}


def split_files() -> tuple[list[Path], list[Path]]:
    """(training files, held-out files): the last 24 BSDS500 photos are held out."""
    imagenet = find_images([TRAIN / "imagenet"])
    bsds = find_images([TRAIN / "bsds500"])
    return imagenet + bsds[:-HELD_OUT], bsds[-HELD_OUT:]


def base_module() -> torch.nn.Module:
    module = load_model("hyperprior-mse").module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def cache_command(out: Path, count: int) -> None:
    path = out / "cache.pt"
    if path.exists():
        print(f"{path} exists")
        return
    out.mkdir(parents=True, exist_ok=True)
    train, _ = split_files()
    data = CropDataset(train, CACHE_CROP, seed=11)
    cache = build_cache(base_module(), data, count, LEVELS, seed=11)
    save_cache(cache, path)
    print(f"wrote {path}: {count} crops")


def make_validator(base: torch.nn.Module):
    """PSNR and pooled SWD of held-out centre crops at beta 0, 0.5, 1."""
    _, held = split_files()
    crops = []
    for f in held:
        image = load_training_image(f)
        top = (image.shape[0] - CACHE_CROP) // 2
        left = (image.shape[1] - CACHE_CROP) // 2
        crops.append(image[top : top + CACHE_CROP, left : left + CACHE_CROP])
    x = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255.0
    data = {"x": x}
    with torch.no_grad():
        level = torch.full((x.shape[0],), float(VALIDATION_LEVEL))
        cache = base_latents(base, x, level)
    data.update(cache)

    @torch.no_grad()
    def validate(model: torch.nn.Module, step: int) -> dict:
        result = {}
        pixels = torch.round(data["x0"].clamp(0, 1) * 255) / 255
        originals = [c.astype(np.float64) for c in crops]
        for beta in (0.0, 0.5, 1.0):
            b = torch.full((x.shape[0],), beta)
            out = model["head"](pixels, data["y_hat"], b).clamp(0, 1)
            mse = float(((out - x) ** 2).mean())
            recon = (torch.round(out * 255).permute(0, 2, 3, 1).numpy()).astype(np.float64)
            swd = realism_swd_set(list(zip(originals, list(recon), strict=True)))
            result[f"psnr_b{beta}"] = round(10 * np.log10(1 / mse), 3)
            result[f"swd_b{beta}"] = round(swd, 5)
        print(json.dumps({"step": step, **result}), flush=True)
        return result

    return validate


def train_command(args: argparse.Namespace) -> None:
    cache = torch.load(args.out / "cache.pt")  # tensors only
    weights = dict(WEIGHTS, adv=args.adv, fm=args.fm)
    task = RealismTask(cache, args.crop, args.batch, seed=5, weights=weights, smooth=args.smooth)
    settings = LoopSettings(
        steps=args.steps,
        out=args.out,
        lr=args.lr,
        seed=5,
        checkpoint_minutes=3.0,
        log_every=10,
        val_every=args.val_every,
        max_minutes=args.max_minutes,
    )
    config = {
        "task": "realism-head",
        "weights": weights,
        "crop": args.crop,
        "batch": args.batch,
        "smooth": args.smooth,
        "init_from": str(args.init_from) if args.init_from else None,
    }
    trainer = Trainer(task, settings, config, validate=make_validator(base_module()))

    def init(state) -> None:
        """Warm start from another run's head and discriminator (new layers keep their init)."""
        saved = load_checkpoint(args.init_from / "checkpoint.pt")
        state.model.load_state_dict(saved["model"], strict=False)

    trainer.run(trainer.start(args.resume, init if args.init_from else None))


def export_command(out: Path, target: Path) -> None:
    saved = load_checkpoint(out / "checkpoint.pt")
    state = {k[len("head.") :]: v for k, v in saved["model"].items() if k.startswith("head.")}
    codec = load_model("hyperprior-mse")
    path = save_head(state, codec.weights_hash, target, {"step": saved["step"], **saved["config"]})
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["cache", "train", "export"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--adv", type=float, default=WEIGHTS["adv"])
    parser.add_argument("--fm", type=float, default=WEIGHTS["fm"])
    parser.add_argument("--val-every", type=int, default=250)
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--smooth", action="store_true", help="full-resolution output conv")
    parser.add_argument("--init-from", type=Path, default=None, help="warm start from RUN")
    parser.add_argument("--target", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    if args.command == "cache":
        cache_command(args.out, args.count)
    elif args.command == "train":
        train_command(args)
    else:
        export_command(args.out, args.target)


if __name__ == "__main__":
    main()
