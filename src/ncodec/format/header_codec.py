"""Header bytes <-> `NczHeader`: writes the 2.0 layout, reads 2.x and (read-only) 1.x.

    2.x: kind u8 | model (u8 len + UTF-8) | weights hash (8 bytes)
         | kind block (varint len + bytes) | extra (varint len + JSON object, 0 = empty)
    1.x: model (u8 len + UTF-8) | weights hash (8 bytes) | height varint | width varint
         | mode (u8 len + ASCII) | quality u8 | extra (varint len + JSON object, 0 = empty)

A newer minor version may append fields after extra (and inside a kind block); readers skip them.
"""

from __future__ import annotations

from ncodec.errors import FormatError
from ncodec.format.extra import decode_extra, encode_extra
from ncodec.format.header import WEIGHTS_HASH_BYTES, NczHeader
from ncodec.format.kind_blocks import decode_block, encode_block, read_lossy_image
from ncodec.format.payloads import KIND_CODES, PayloadKind
from ncodec.format.reader import ByteReader
from ncodec.format.varint import encode_varint
from ncodec.format.version import is_newer_minor

_KINDS = ", ".join(f"{int(kind)} ({kind.label})" for kind in PayloadKind)


def encode_header(header: NczHeader) -> bytes:
    """Serialise a validated header in the 2.0 layout."""
    model = header.model.encode("utf-8")
    block = encode_block(header.payload)
    extra = encode_extra(header.extra)
    return b"".join(
        (
            bytes([header.kind]),
            bytes([len(model)]),
            model,
            bytes.fromhex(header.weights_hash),
            encode_varint(len(block)),
            block,
            encode_varint(len(extra)),
            extra,
        )
    )


def decode_header(data: bytes, version: tuple[int, int]) -> NczHeader:
    """Parse header bytes of a readable `version` (fields are range-checked by the caller)."""
    reader = ByteReader(data, 0, len(data), "invalid header")
    if version[0] == 1:
        kind = PayloadKind.LOSSY_IMAGE
        model, weights_hash = _read_identity(reader)
        payload = read_lossy_image(reader)
    else:
        kind = _read_kind(reader, version)
        model, weights_hash = _read_identity(reader)
        block = reader.take(reader.varint("payload block length"), f"{kind.label} block")
        payload = decode_block(kind, block, version)
    extra = decode_extra(reader.take(reader.varint("extra length"), "extra"))
    reader.finish(version, "header")
    return NczHeader(model, weights_hash, payload, kind, extra, version)


def _read_kind(reader: ByteReader, version: tuple[int, int]) -> PayloadKind:
    code = reader.u8("payload kind")
    if code not in KIND_CODES:
        upgrade = "; upgrade ncodec" if is_newer_minor(version) else ""
        raise FormatError(
            f"unsupported payload kind {code}: this ncodec reads kinds {_KINDS}{upgrade}"
        )
    return PayloadKind(code)


def _read_identity(reader: ByteReader) -> tuple[str, str]:
    """Model name and weights hash (hex), common to every version."""
    model = reader.text("model name")
    return model, reader.take(WEIGHTS_HASH_BYTES, "weights hash").hex()
