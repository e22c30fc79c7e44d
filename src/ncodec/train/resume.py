"""Settings of a resumed run: the saved run's identity, this command's per-invocation knobs.

A resumed run keeps its architecture and crop sampling (so resume is exact); an explicitly
given option that contradicts them is an error, never silently ignored.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, fields

from ncodec.errors import InputError
from ncodec.train.loop import TrainConfig

# Fields taken from this command on every resume (budget, logging, where the data lives).
PER_INVOCATION = (
    "steps",
    "out",
    "data",
    "checkpoint_minutes",
    "val_every",
    "precision",
    "max_minutes",
)
# Fields taken from this command only when the option was given explicitly (a warm restart).
OVERRIDABLE = ("lr", "device")
# Fields that define the run; an explicit option must agree with the saved value.
IDENTITY = {
    "model": "model",
    "lmbda": "lambdas",
    "batch_size": "batch_size",
    "patch": "patch",
    "seed": "seed",
    "distortion": "distortion",
    "channels": ("n", "m"),
    "holdout": "holdout",
}


def resume_config(saved: dict, requested: TrainConfig, explicit: set[str]) -> TrainConfig:
    """Merge the saved run.json with this command's settings; `explicit` names the CLI options
    the user typed (not defaults)."""
    known = {f.name for f in fields(TrainConfig)}
    merged = {k: v for k, v in saved.items() if k in known}
    wanted = asdict(requested)
    for option, keys in IDENTITY.items():
        if option not in explicit:
            continue
        keys = keys if isinstance(keys, tuple) else (keys,)
        mine = tuple(wanted[k] for k in keys)
        theirs = tuple(merged.get(k) for k in keys)
        if mine != theirs:
            flag = "--" + option.replace("_", "-")
            show = ",".join(map(str, theirs)) if len(theirs) > 1 else theirs[0]
            raise InputError(
                f"{flag} differs from the run in {requested.out} ({show}); a resumed run keeps "
                "its settings (leave the option out, or start a new run with --init-from)"
            )
    for key in PER_INVOCATION:
        merged[key] = wanted[key]
    for key in OVERRIDABLE:
        if key in explicit:
            if merged.get(key) != wanted[key]:
                print(f"resume: {key} {merged.get(key)} -> {wanted[key]}", file=sys.stderr)
            merged[key] = wanted[key]
    return TrainConfig(**merged)
