"""Foreign-file recognition for error messages, and the weights fingerprint stored in headers."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from ncodec.format import weights_hash, weights_hash_of_file
from ncodec.format.sniff import sniff_foreign


def _encoded(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("image_format", "name"),
    [
        ("PNG", "a PNG image"),
        ("JPEG", "a JPEG image"),
        ("GIF", "a GIF image"),
        ("BMP", "a BMP image"),
        ("TIFF", "a TIFF image"),
        ("WEBP", "a WebP image"),
        ("PPM", "a PNM (PBM/PGM/PPM) image"),
    ],
)
def test_real_image_files_are_recognised(image_format, name):
    assert sniff_foreign(_encoded(image_format)) == name


def test_text_and_unknown_binary():
    assert sniff_foreign("héllo wörld\n".encode()) == "a text file"
    assert sniff_foreign(b"\x00\x01\x02\x03") is None
    assert sniff_foreign(b"") is None


def test_weights_hash_is_the_sha256_prefix(tmp_path):
    assert weights_hash(b"") == "e3b0c44298fc1c14"
    payload = bytes(range(256)) * 5000
    path = tmp_path / "weights.safetensors"
    path.write_bytes(payload)
    assert weights_hash_of_file(path) == hashlib.sha256(payload).hexdigest()[:16]
    assert weights_hash_of_file(path) == weights_hash(payload)
