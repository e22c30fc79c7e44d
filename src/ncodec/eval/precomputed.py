"""Files encoded elsewhere as a harness codec: `files:DIR`.

Some encoders are too slow to run inside an evaluation on this machine (the overfitted codec at
high effort trains for minutes per image, and is best run in batches on a lent GPU). They write
their `.ncz` files and a manifest; `ncodec eval --codecs files:DIR,avif,...` then measures those
files like any codec: the rate is the file's size, the distortion and the decode time are
measured here, beside the classical codecs of the same run. Encode times are not measured (they
belong to another machine); the manifest's note about them is kept in the records.

The manifest, DIR/manifest.jsonl, has one JSON object per file: `file` (a name in DIR), `quality`,
`source_sha256` (`pixels_sha256` of the image it encodes, so a file is never scored against the
wrong image) and optionally `encode_note`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ncodec import api
from ncodec.errors import InputError, NcodecError
from ncodec.eval.codec import Codec, CodecSpec, check_known_options
from ncodec.format.container import read_header

MANIFEST = "manifest.jsonl"


def pixels_sha256(rgb: np.ndarray) -> str:
    """A digest of an image's pixels and shape (the key a precomputed file is found by)."""
    pixels = np.ascontiguousarray(rgb, dtype=np.uint8)
    digest = hashlib.sha256(repr(pixels.shape).encode())
    digest.update(pixels.tobytes())
    return digest.hexdigest()


def manifest_entry(file: Path, quality: float, rgb: np.ndarray, encode_note: str = "") -> str:
    """One manifest line (with its newline) for `file`, which encodes `rgb` at `quality`."""
    entry = {"file": file.name, "quality": quality, "source_sha256": pixels_sha256(rgb)}
    if encode_note:
        entry["encode_note"] = encode_note
    return json.dumps(entry) + "\n"


def _read_manifest(folder: Path) -> dict[tuple[str, float], dict]:
    """{(source_sha256, quality): entry} of a folder's manifest; malformed lines are errors."""
    path = folder / MANIFEST
    try:
        lines = path.read_text().splitlines()
    except OSError as err:
        raise InputError(f"files:{folder}: cannot read {MANIFEST}: {err.strerror}") from None
    entries: dict[tuple[str, float], dict] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            key = (str(entry["source_sha256"]), float(entry["quality"]))
            name = Path(str(entry["file"])).name
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{path}:{number}: not a manifest entry") from None
        entries[key] = {**entry, "file": name}
    if not entries:
        raise InputError(f"files:{folder}: {MANIFEST} lists no files")
    return entries


def _version(folder: Path, entries: dict[tuple[str, float], dict]) -> str:
    """Model name and weights hash of the files (all must agree), for the records' version."""
    identities = set()
    for entry in entries.values():
        try:
            header = read_header((folder / entry["file"]).read_bytes())
        except (OSError, NcodecError) as err:
            raise InputError(f"files:{folder}: {entry['file']}: {err}") from None
        identities.add((header.model, header.weights_hash[:16]))
    if len(identities) > 1:
        raise InputError(f"files:{folder}: the files come from different models or weights")
    model, weights = identities.pop()
    return f"precomputed files ({model}, weights {weights})"


def precomputed_codec(spec: CodecSpec) -> Codec:
    """The files of folder `spec.arg` as a codec whose ladder is the manifest's qualities."""
    check_known_options(spec.options, [], "files")
    if spec.arg is None:
        raise InputError("files: give the folder, e.g. files:runs/overfit-kodak")
    folder = Path(spec.arg)
    entries = _read_manifest(folder)
    version = _version(folder, entries)

    def encode(image: np.ndarray, quality: float) -> bytes:
        """The bytes of the file that encodes this image at this quality."""
        entry = entries.get((pixels_sha256(image), float(quality)))
        if entry is None:
            raise InputError(f"files:{folder}: no file encodes this image at quality {quality:g}")
        return (folder / entry["file"]).read_bytes()

    def decode(data: bytes) -> np.ndarray:
        """Decode `.ncz` bytes to HxWx3 uint8 RGB."""
        return np.ascontiguousarray(api.decompress_image(data), dtype=np.uint8)

    qualities = sorted({quality for _, quality in entries})
    notes = sorted({e["encode_note"] for e in entries.values() if e.get("encode_note")})
    return Codec(
        spec=f"files:{folder.name}",
        encode=encode,
        decode=decode,
        ladder=tuple(int(q) if q.is_integer() else q for q in qualities),
        quality_range=(min(qualities), max(qualities)),
        version=version,
        settings={"folder": str(folder), "encode_notes": notes},
        quality_meaning="the quality the files were encoded at",
        precomputed=True,
    )
