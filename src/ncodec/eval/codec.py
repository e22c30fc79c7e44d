"""What the harness needs from any codec, and the `name:key=value` spec strings that select one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ncodec.errors import InputError

Quality = float


@dataclass(frozen=True)
class Codec:
    """A lossy image codec at one setting: encode at a quality to file bytes, decode them back."""

    spec: str  # canonical spec string, e.g. "avif:speed=6"; the key of every record
    encode: Callable[[np.ndarray, Quality], bytes]
    decode: Callable[[bytes], np.ndarray]
    ladder: tuple[Quality, ...]  # qualities swept for the R-D curve
    quality_range: tuple[Quality, Quality]  # inclusive range of valid qualities
    version: str
    settings: dict[str, object] = field(default_factory=dict)
    quality_meaning: str = ""
    encode_once: bool = False
    """Encoding is an optimization (minutes): time one untimed-warm-up-free encode only."""
    precomputed: bool = False
    """`encode` reads a file encoded elsewhere: encode times are not measured (None)."""
    precomputed: bool = False
    """`encode` reads a file encoded elsewhere: its encode times are not measured (None)."""


@dataclass(frozen=True)
class CodecSpec:
    """A parsed `name[:key=value...]` string; `arg` is a bare value such as a model name."""

    name: str
    options: dict[str, str]
    arg: str | None = None


def parse_spec(text: str) -> CodecSpec:
    """Parse `avif:speed=0`, `jpeg:q=10/50/90` or `ncodec:MODEL:q=30/60` into its parts."""
    parts = [p.strip() for p in text.strip().split(":")]
    name = parts[0].lower()
    if not name:
        raise InputError(f"empty codec name in {text!r}")
    options: dict[str, str] = {}
    arg: str | None = None
    for part in parts[1:]:
        if "=" in part:
            key, _, value = part.partition("=")
            if not key or not value:
                raise InputError(f"malformed codec option {part!r} in {text!r} (use key=value)")
            options[key.strip().lower()] = value.strip()
        elif part and arg is None:
            arg = part
        else:
            raise InputError(f"malformed codec spec {text!r} (use name[:key=value...])")
    return CodecSpec(name, options, arg)


def split_codec_list(text: str, option: str = "--codecs") -> list[str]:
    """Split a comma-separated list option, dropping blanks and duplicates, keeping order."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise InputError(f"{option} is empty")
    return list(dict.fromkeys(items))


def check_unique_specs(specs: Sequence[str]) -> None:
    """Refuse a run that lists one codec setting twice (its records would collide)."""
    if len(set(specs)) != len(specs):
        raise InputError(f"a codec setting is listed twice: {', '.join(specs)}")


def parse_ladder(
    text: str, quality_range: tuple[Quality, Quality], codec_name: str
) -> tuple[Quality, ...]:
    """Parse a `q=5/10/50` ladder override and check every value lies in the codec's range."""
    values: list[Quality] = []
    for item in text.split("/"):
        try:
            value = float(item)
        except ValueError:
            raise InputError(f"{codec_name}: quality {item!r} is not a number") from None
        low, high = quality_range
        if not low <= value <= high:
            raise InputError(
                f"{codec_name}: quality {item} is outside the valid range {low:g}..{high:g}"
            )
        values.append(int(value) if value.is_integer() else value)
    return tuple(sorted(set(values)))


def int_option(
    options: dict[str, str], key: str, default: int, valid: Sequence[int], codec_name: str
) -> int:
    """Read an integer codec option and check it against its valid values."""
    if key not in options:
        return default
    try:
        value = int(options[key])
    except ValueError:
        raise InputError(f"{codec_name}: {key}={options[key]!r} is not an integer") from None
    if value not in valid:
        raise InputError(
            f"{codec_name}: {key}={value} is outside the valid range {min(valid)}..{max(valid)}"
        )
    return value


def check_known_options(options: dict[str, str], known: Sequence[str], codec_name: str) -> None:
    """Refuse options a codec does not understand (a typo must not silently change nothing)."""
    unknown = sorted(set(options) - set(known))
    if unknown:
        allowed = ", ".join(known)
        raise InputError(f"{codec_name}: unknown option {unknown[0]!r} (known: {allowed})")
