"""Companion files: data that belongs to one exact set of model weights (bits-back tables, a
realism head), stored beside the code and named by the weights hash, loaded once per codec."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ncodec.errors import ModelNotFoundError

T = TypeVar("T")


def companion_path(codec: Any, folder: Path, suffix: str) -> Path | None:
    """The codec's companion file in `folder` (None if its weights have none)."""
    path = folder / f"{codec.weights_hash}{suffix}"
    return path if codec.weights_hash and path.is_file() else None


def load_companion(
    codec: Any, folder: Path, suffix: str, what: str, attribute: str, load: Callable[[Path], T]
) -> T:
    """`load(path)` of the codec's companion, cached on the codec as `attribute`;
    ModelNotFoundError (one line) if its weights have none."""
    cached = getattr(codec, attribute, None)
    if cached is None:
        path = companion_path(codec, folder, suffix)
        if path is None:
            raise ModelNotFoundError(
                f"model weights {codec.weights_hash or '(unsaved)'} have no {what}"
            )
        cached = load(path)
        setattr(codec, attribute, cached)
    return cached
