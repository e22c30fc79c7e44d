"""Architecture name -> registered `Architecture`: how a weights file's metadata becomes a codec.

Architectures register with a decorator (as in CompressAI's registry), so a new one is one module
plus `@register_architecture`; nothing else needs to know its class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np
from torch import nn

from ncodec.errors import ModelNotFoundError
from ncodec.models.protocol import Architecture, FrozenCodec

ARCHITECTURES: dict[str, type[Architecture]] = {}
"""Every registered architecture by name (filled as their modules are imported)."""

A = TypeVar("A", bound=type[Architecture])


def register_architecture(cls: A) -> A:
    """Class decorator: make an `Architecture` subclass available under its `name`."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} needs a non-empty class attribute `name`")
    known = ARCHITECTURES.get(name)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise TypeError(f"architecture name {name!r} is already taken by {known.__qualname__}")
    ARCHITECTURES[name] = cls
    return cls


def get_architecture(name: str) -> type[Architecture]:
    """The registered architecture called `name`, or a one-line error naming the known ones."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ModelNotFoundError(f"unknown architecture '{name}' (known: {known})") from None


def build_model(architecture: str, config: Mapping[str, Any] | None = None) -> nn.Module:
    """Instantiate an architecture's trainable module from its name and config dict; the module
    remembers its architecture name (`module.architecture`) for export and freezing."""
    arch = get_architecture(architecture)
    module = arch.build({**arch.default_config(), **dict(config or {})})
    module.architecture = architecture
    return module


def architecture_of(module: nn.Module) -> type[Architecture]:
    """The registered architecture a module was built by."""
    name = getattr(module, "architecture", None)
    if not isinstance(name, str):
        raise ModelNotFoundError(
            f"{type(module).__name__} was not built by a registered architecture"
        )
    return get_architecture(name)


def export_arrays(module: nn.Module) -> dict[str, np.ndarray]:
    """The coding arrays of a trained module (stored beside its weights)."""
    return architecture_of(module).export(module)


def freeze(module: nn.Module, arrays: Mapping[str, np.ndarray] | None = None) -> FrozenCodec:
    """The frozen codec of a trained module; exports its arrays first unless they are given."""
    arch = architecture_of(module)
    return arch.freeze(module, arch.export(module) if arrays is None else arrays)
