"""The codec protocol: what zoo, api, eval and the CLI may assume of any registered architecture.

An *architecture* builds a trainable module, exports from a trained module the arrays coding needs
(integer tables, gains, ...) and freezes module + arrays into a *frozen codec*. A frozen codec
compresses data of one payload kind into coded streams plus a typed header block and decodes
them back, reading only the stored arrays wherever a symbol's probability is decided, so files
decode bit-exactly on any machine. Nothing outside an architecture's own module looks at its
class: shapes, stream counts and costs all come from here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from torch import nn

from ncodec.format import NczHeader, PayloadKind


@dataclass(frozen=True)
class Encoded:
    """What a frozen codec produced: coded streams, the kind's typed header block, extra fields."""

    streams: list[bytes]
    payload: Any
    """The typed header block of the payload kind (e.g. `ncodec.format.ImageInfo`)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Small model-specific settings the decoder needs (stored as JSON in the header)."""
    trace: Any = None
    """Optional encoder diagnostics (e.g. a refinement trace); never stored in the file."""


class FrozenCodec(ABC):
    """A trained model frozen for coding one payload kind."""

    kind: ClassVar[PayloadKind]
    weights_hash: str = ""
    """Fingerprint of the weights bytes this codec was built from (set by `ncodec.zoo`)."""
    slow_encoder: ClassVar[bool] = False
    """True when every encode is an optimization (minutes): benchmarks then encode once."""

    @abstractmethod
    def compress(
        self, data: Any, quality: int, effort: int = 0, options: Mapping[str, Any] | None = None
    ) -> Encoded:
        """Code `data` at `quality`; `effort` buys a better encoding with more encoder time."""

    @abstractmethod
    def decompress(self, streams: Sequence[bytes], header: NczHeader) -> Any:
        """Decode the streams of a file whose header this codec wrote."""

    def decode_macs(self, header: NczHeader) -> dict[str, float]:
        """Multiply-accumulates per output element of decoding, per part (empty if unknown)."""
        return {}

    def min_stream_bytes(self, header: NczHeader) -> tuple[int, ...]:
        """Fewest bytes each coded stream of a file with this header can have (empty: unknown),
        so a decoder rejects a header that asks for more than its streams hold before it
        allocates anything (`ncodec.coding.limits`)."""
        return ()

    def max_effort(self) -> int:
        """Largest accepted effort (0: the encoder has no effort knob)."""
        return 0

    def effort_options(self) -> tuple[str, ...]:
        """Names of the extra encoder options this codec accepts (e.g. 'refine_precision')."""
        return ()

    def decode_options(self) -> tuple[str, ...]:
        """Names of the decode-time options this codec accepts (e.g. 'realism'): each overrides
        a default that the file may store."""
        return ()

    def with_decode_options(self, header: NczHeader, options: Mapping[str, Any]) -> NczHeader:
        """The header as `decompress` should read it under decode-time options (names already
        checked against `decode_options`); default: unchanged."""
        return header


class Architecture(ABC):
    """A registered family of models: trainable module <-> exported arrays <-> frozen codec.

    Subclasses set `name` and `kind` and override the hooks; register them with
    `@register_architecture` (ncodec.models.registry).
    """

    name: ClassVar[str]
    kind: ClassVar[PayloadKind]

    @classmethod
    @abstractmethod
    def build(cls, config: Mapping[str, Any]) -> nn.Module:
        """A fresh trainable module from its config dict (as stored beside the weights)."""

    @classmethod
    @abstractmethod
    def export(cls, module: nn.Module) -> dict[str, np.ndarray]:
        """Arrays besides the float weights that coding needs, built once from the module."""

    @classmethod
    @abstractmethod
    def freeze(cls, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> FrozenCodec:
        """The frozen codec of a trained module and its exported arrays."""

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        """Config used when none is given."""
        return {}
