"""The realism knob of an image codec: a stored head, the beta in a file, decoding with it.

A realism head (`ncodec.models.realism_head`) belongs to one exact base model: it is stored as
realism_data/<base weights hash>.safetensors beside the code (like the bits-back companions), so
any file of that model can be decoded at any beta. A file may carry a default beta in its
header's extra ({"realism": {"beta": B, "head": digest}}); `ncodec decompress --realism B`
overrides it. beta = 0 takes the base decoder's own path: the same pixels, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ncodec.errors import FormatError, InputError
from ncodec.models.companions import companion_path, load_companion
from ncodec.models.fixed_realism import FixedRealismHead
from ncodec.models.realism_head import RealismHead

DATA_DIR = Path(__file__).with_name("realism_data")
"""Heads, named by the weights hash of the base model they belong to."""
EXTRA_KEY = "realism"
"""The header's extra key holding the file's default beta and the head's digest."""
BETA_STEPS = 100
"""beta is stored and applied on a grid of 1/100: the same value everywhere."""


def check_beta(value: Any) -> float:
    """beta as a number in [0, 1] on the 1/100 grid; one-line error otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(f"realism must be a number from 0 to 1, not {value!r}")
    try:
        beta = float(value)
    except ValueError:
        raise InputError(f"realism must be a number from 0 to 1, not {value!r}") from None
    if not 0.0 <= beta <= 1.0:
        raise InputError(f"realism must be from 0 to 1, not {value!r}")
    steps = round(beta * BETA_STEPS)
    if abs(steps - beta * BETA_STEPS) > 1e-6:
        raise InputError(f"realism is set in steps of 0.01, not {value!r}")
    return steps / BETA_STEPS


def save_head(
    state: dict[str, torch.Tensor], base_hash: str, folder: Path, card: dict[str, Any]
) -> Path:
    """Write a trained head for the base model with `base_hash` (atomic)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{base_hash}.safetensors"
    tmp = path.with_suffix(".tmp")
    tensors = {k: v.detach().contiguous().float() for k, v in state.items()}
    save_file(tensors, str(tmp), metadata={"card": json.dumps(card, sort_keys=True)})
    tmp.chmod(0o644)  # package data, readable by every user
    tmp.replace(path)
    return path


class StoredHead:
    """A head file: the float module, its integer twin (built on first use) and its digest."""

    def __init__(self, path: Path) -> None:
        try:
            tensors = load_file(str(path))
        except (SafetensorError, OSError, ValueError) as err:
            raise FormatError(f"cannot read realism head {path.name}: {err}") from None
        digest = hashlib.sha256()
        for name in sorted(tensors):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(tensors[name].numpy()).tobytes())
        self.digest = digest.hexdigest()[:16]
        self.module = RealismHead(
            int(tensors["project.weight"].shape[1]), smooth="smooth.weight" in tensors
        )
        try:
            self.module.load_state_dict(tensors)
        except RuntimeError:
            raise FormatError(f"realism head {path.name} does not fit this code") from None
        self.module.eval()
        self._fixed: FixedRealismHead | None = None

    @property
    def fixed(self) -> FixedRealismHead:
        if self._fixed is None:
            self._fixed = FixedRealismHead(self.module)
        return self._fixed


def has_head(codec: Any) -> bool:
    """Whether a realism head is installed for the codec's weights."""
    return companion_path(codec, DATA_DIR, ".safetensors") is not None


def head_of(codec: Any) -> StoredHead:
    """The realism head of an installed codec (found by its weights hash), cached on it."""
    return load_companion(
        codec, DATA_DIR, ".safetensors", "realism head", "_realism_head", StoredHead
    )


def file_beta(extra: dict[str, Any], head: StoredHead | None = None) -> float:
    """The beta a header asks for (0 without the key); FormatError if malformed or if the
    file names another head than the installed one."""
    value = extra.get(EXTRA_KEY)
    if value is None:
        return 0.0
    if (
        not isinstance(value, dict)
        or set(value) != {"beta", "head"}
        or isinstance(value["beta"], bool)
        or not isinstance(value["beta"], int | float)
        or not isinstance(value["head"], str)
    ):
        raise FormatError("malformed realism field in the header")
    try:
        beta = check_beta(value["beta"])
    except InputError as err:
        raise FormatError(f"header: {err}") from None
    if head is not None and beta > 0 and value["head"] != head.digest:
        raise FormatError(f"file asks for realism head {value['head']}, installed {head.digest}")
    return beta


def realism_extra(beta: float, head: StoredHead) -> dict[str, Any]:
    """The header's extra entry for a default beta."""
    return {EXTRA_KEY: {"beta": beta, "head": head.digest}}
