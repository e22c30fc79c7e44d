"""Installed models: `weights/NAME.safetensors` plus a JSON card, found by stable name.

A weights file holds the float weights (`model.*`), the integer coding arrays (`coding.*`) and, in
its metadata, the architecture and config. Names never shift: a file records name and weights hash.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import load as load_bytes
from safetensors.numpy import load_file, save_file

import ncodec.builtin  # noqa: F401  (registers the built-in architectures)
from ncodec.errors import FormatError, ModelNotFoundError
from ncodec.format.weights_hash import weights_hash, weights_hash_of_file
from ncodec.models import FrozenCodec, build_model, get_architecture

WEIGHTS_FORMAT = "ncodec-weights-1"
DEFAULT_MODEL = "hyperprior-mse"
ENV_PATH = "NCODEC_WEIGHTS_PATH"


def weights_dirs() -> list[Path]:
    """Where models are looked up: $NCODEC_WEIGHTS_PATH entries, then the shipped weights.

    The shipped weights are package data (`ncodec/weights/` in an installed wheel; in a checkout
    a link to the repository's `weights/`, the files' one home), then the checkout's `weights/`.
    """
    dirs = [Path(p) for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p]
    here = Path(__file__).resolve().parent
    for shipped in (here / "weights", here.parents[1] / "weights"):
        if shipped.resolve() not in {d.resolve() for d in dirs}:
            dirs.append(shipped)
    return dirs


@dataclass(frozen=True)
class ModelEntry:
    """One installed model: its name, weights file, card and fingerprint."""

    name: str
    path: Path
    card: dict

    @property
    def weights_hash(self) -> str:
        return _hash(str(self.path), self.path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _hash(path: str, mtime_ns: int) -> str:
    return weights_hash_of_file(path)


def installed_models() -> dict[str, ModelEntry]:
    """All models found, first directory wins on a name clash."""
    found: dict[str, ModelEntry] = {}
    for d in weights_dirs():
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.safetensors")):
            name = path.stem
            if name in found:
                continue
            card_path = path.with_suffix(".json")
            card = json.loads(card_path.read_text()) if card_path.exists() else {}
            found[name] = ModelEntry(name, path, card)
    return found


def find_model(name: str | None) -> ModelEntry:
    """The installed model called `name` (default model if None), or a clear error."""
    models = installed_models()
    name = name or (DEFAULT_MODEL if DEFAULT_MODEL in models else next(iter(models), DEFAULT_MODEL))
    if name not in models:
        known = ", ".join(models) or "none"
        raise ModelNotFoundError(f"model '{name}' is not installed (installed: {known})")
    return models[name]


def save_model(path: Path, model: torch.nn.Module, architecture: str, config: dict) -> None:
    """Write float weights + exported integer coding arrays + metadata as one safetensors file."""
    tensors = {
        f"model.{k}": v.detach().cpu().contiguous().numpy() for k, v in model.state_dict().items()
    }
    arrays = get_architecture(architecture).export(model)
    tensors.update({f"coding.{k}": np.ascontiguousarray(v) for k, v in arrays.items()})
    metadata = {
        "format": WEIGHTS_FORMAT,
        "architecture": architecture,
        "config": json.dumps(config),
    }
    # Atomic: a reader never sees a half-written weights file.
    tmp = Path(path).with_name(f".{Path(path).name}.tmp")
    save_file(tensors, str(tmp), metadata=metadata)
    os.replace(tmp, path)


def _safetensors_metadata(raw: bytes) -> dict:
    """The `__metadata__` of a safetensors file held in memory."""
    size = int.from_bytes(raw[:8], "little")
    if len(raw) < 8 + size:
        raise ValueError("truncated header")
    return json.loads(raw[8 : 8 + size]).get("__metadata__") or {}


@lru_cache(maxsize=4)
def _load_codec(path: str, mtime_ns: int) -> FrozenCodec:
    # One read: the fingerprint written into .ncz headers is the hash of exactly the bytes the
    # codec was built from, even if the file is replaced while we run.
    try:
        raw = Path(path).read_bytes()
        meta = _safetensors_metadata(raw)
        tensors = load_bytes(raw)
    except (SafetensorError, OSError, ValueError) as err:
        raise FormatError(f"cannot read model weights {path}: {err}") from err
    if meta.get("format") != WEIGHTS_FORMAT:
        raise FormatError(f"{path} is not an ncodec weights file ({WEIGHTS_FORMAT})")
    architecture = get_architecture(meta.get("architecture", ""))
    model = build_model(architecture.name, json.loads(meta.get("config", "{}")))
    state = {
        k[len("model.") :]: torch.from_numpy(v)
        for k, v in tensors.items()
        if k.startswith("model.")
    }
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise FormatError(f"weights in {path} do not match their architecture") from err
    arrays = {k[len("coding.") :]: v for k, v in tensors.items() if k.startswith("coding.")}
    codec = architecture.freeze(model, arrays)
    codec.weights_hash = weights_hash(raw)
    return codec


def load_model_weights(path: Path) -> dict[str, torch.Tensor]:
    """The float state dict stored in a weights file (for warm-starting training)."""
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as err:
        raise FormatError(f"cannot read model weights {path}: {err}") from err
    return {
        k[len("model.") :]: torch.from_numpy(v)
        for k, v in tensors.items()
        if k.startswith("model.")
    }


def load_codec(entry: ModelEntry) -> FrozenCodec:
    """The ready-to-code model of an installed entry (cached per file version)."""
    return _load_codec(str(entry.path), entry.path.stat().st_mtime_ns)
