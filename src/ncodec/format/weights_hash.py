"""The short weights fingerprint stored in `.ncz` headers: first 16 hex digits of SHA-256."""

from __future__ import annotations

import hashlib
import os

HASH_HEX_DIGITS = 16


def weights_hash(data: bytes) -> str:
    """Fingerprint of weights given as bytes (8 bytes of SHA-256, as 16 lowercase hex digits)."""
    return hashlib.sha256(data).hexdigest()[:HASH_HEX_DIGITS]


def weights_hash_of_file(path: str | os.PathLike[str]) -> str:
    """Fingerprint of a weights file, read in chunks so large files need little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:HASH_HEX_DIGITS]
