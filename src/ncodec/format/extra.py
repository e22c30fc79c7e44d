"""The header's `extra` field: small model-specific settings as a compact, bounded JSON object.

Nesting is bounded (MAX_EXTRA_DEPTH) on both sides, so a hostile file can never make the reader
recurse deeply; a RecursionError from the JSON parser is still caught as a second line of defence.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ncodec.errors import FormatError, InputError
from ncodec.format.reader import decode_utf8

MAX_EXTRA_DEPTH = 16
"""Deepest accepted nesting of objects and arrays ({"a": 1} is depth 1, {"a": [1]} depth 2)."""

_TOO_DEEP = f"extra is nested more than {MAX_EXTRA_DEPTH} levels deep"


def extra_problem(extra: Any) -> str | None:
    """Describe what makes `extra` unwritable (wrong type, key type, depth), or return None."""
    if not isinstance(extra, dict):
        return f"extra must be a dict, got {type(extra).__name__}"
    if any(not isinstance(key, str) for key in extra):
        return "extra keys must be strings"
    if _depth_exceeds(extra, MAX_EXTRA_DEPTH):
        return _TOO_DEEP
    return None


def encode_extra(extra: dict[str, Any]) -> bytes:
    """Compact, deterministic JSON for a checked extra dict; empty dict -> zero bytes."""
    if not extra:
        return b""
    try:
        text = json.dumps(
            extra, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError, RecursionError) as err:
        raise InputError(f"cannot write .ncz: extra is not JSON-serialisable: {err}") from None
    return text.encode("utf-8")


def decode_extra(raw: bytes) -> dict[str, Any]:
    """Parse the extra field: nothing, or a non-empty UTF-8 JSON object without duplicate keys."""
    if not raw:
        return {}
    text = decode_utf8(raw, "extra")
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_object_without_duplicates,
        )
    except RecursionError:
        raise FormatError(f"invalid header: {_TOO_DEEP}") from None
    except ValueError as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise FormatError(f"invalid header: extra is not valid JSON ({reason})") from None
    if not isinstance(value, dict) or not value:
        raise FormatError("invalid header: extra must be a non-empty JSON object")
    if _depth_exceeds(value, MAX_EXTRA_DEPTH):
        raise FormatError(f"invalid header: {_TOO_DEEP}")
    return value


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-standard JSON constant {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of the float range")
    return value


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True if dicts/lists nest deeper than `limit`; iterative, stops early (safe on cycles)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (dict, list, tuple)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
