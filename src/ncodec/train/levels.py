"""Add rate levels (lambdas) to a variable-rate training run without losing its progress.

A new level's gain vectors start on the straight line (in log gain vs log lambda) through the two
nearest trained levels, and its Adam moments are copied from the nearest trained level, so the
run resumes smoothly and the old levels keep exactly their weights.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ncodec.errors import InputError
from ncodec.models import RateLevels, build_model

GAIN_SUFFIXES = ("log_gain", "log_inverse_gain")


def level_positions(old: list[float], new: list[float]) -> list[float]:
    """Position of each new lambda on the old levels' index axis (linear in log lambda,
    extrapolated beyond the ends); old lambdas map to their own integer index."""
    return RateLevels(tuple(old)).positions_of(new)


def _extend_rows(table: torch.Tensor, positions: list[float]) -> torch.Tensor:
    """Rows of `table` (levels, C) evaluated at fractional positions, linearly (and beyond)."""
    rows = []
    for pos in positions:
        low = min(max(math.floor(pos), 0), table.shape[0] - 2)
        frac = pos - low
        rows.append(table[low] * (1 - frac) + table[low + 1] * frac)
    return torch.stack(rows)


def _nearest_rows(table: torch.Tensor, positions: list[float]) -> torch.Tensor:
    """Rows of the nearest trained level (for optimizer moments, which must stay positive)."""
    index = [min(max(round(p), 0), table.shape[0] - 1) for p in positions]
    return table[index].clone()


def add_levels(state: dict[str, Any], new_lambdas: list[float]) -> dict[str, Any]:
    """Return a copy of a training checkpoint with the level set `new_lambdas` (a superset)."""
    config = dict(state["config"])
    old = list(config["lambdas"])
    if sorted(new_lambdas) != list(new_lambdas) or len(set(new_lambdas)) != len(new_lambdas):
        raise InputError("new lambdas must be strictly increasing")
    if not set(old) <= set(new_lambdas):
        raise InputError(f"new lambdas must contain the run's lambdas {old}")
    if len(old) < 2:
        raise InputError("adding levels needs a run with at least two levels")
    positions = level_positions(old, new_lambdas)
    model = dict(state["model"])
    names = [k for k in model if k.endswith(GAIN_SUFFIXES)]
    for name in names:
        model[name] = _extend_rows(model[name], positions)
    built = build_model(config["model"], {"n": config["n"], "m": config["m"], "lambdas": old})
    param_names = [name for name, _ in built.named_parameters()]
    optimizer = _extend_optimizer(state["optimizer"], param_names, names, positions)
    config["lambdas"] = list(new_lambdas)
    return {**state, "model": model, "optimizer": optimizer, "config": config}


def _extend_optimizer(
    opt_state: dict[str, Any], param_names: list[str], gain_names: list[str], positions: list[float]
) -> dict[str, Any]:
    """Extend the Adam moments of the gain parameters; optimizer ids follow `make_optimizer`'s
    order (non-quantile parameters, then quantiles), taken from `named_parameters`."""
    ordered = [n for n in param_names if not n.endswith("quantiles")] + [
        n for n in param_names if n.endswith("quantiles")
    ]
    ids = {name: i for i, name in enumerate(ordered)}
    state = {k: dict(v) for k, v in opt_state["state"].items()}
    for name in gain_names:
        moments = state.get(ids[name])
        if moments is None:
            continue
        for key in ("exp_avg", "exp_avg_sq"):
            moments[key] = _nearest_rows(moments[key], positions)
    return {**opt_state, "state": state}
