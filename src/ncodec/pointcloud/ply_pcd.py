"""Parsing and formatting of PLY and PCD bytes (ASCII and binary); errors are InputErrors.

Only the vertex/point fields x, y, z and an optional intensity (`intensity`, `i`, `scalar_*`
or `reflectance`) are kept; other fields and later PLY elements are skipped.
"""

from __future__ import annotations

import numpy as np

from ncodec.errors import InputError

PLY_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}  # fmt: skip
PCD_TYPES = {
    ("F", 4): "f4", ("F", 8): "f8", ("I", 1): "i1", ("I", 2): "i2", ("I", 4): "i4",
    ("I", 8): "i8", ("U", 1): "u1", ("U", 2): "u2", ("U", 4): "u4", ("U", 8): "u8",
}  # fmt: skip
INTENSITY_NAMES = ("intensity", "i", "reflectance", "scalar_intensity", "remission")
MAX_HEADER = 1 << 16

Parsed = tuple[np.ndarray, np.ndarray | None]


def _header_lines(raw: bytes, end_marker: bytes, what: str) -> tuple[list[str], int]:
    """Header lines up to and including the line that starts with `end_marker`, and its end."""
    position, lines = 0, []
    while True:
        stop = raw.find(b"\n", position)
        if stop < 0 or stop > MAX_HEADER:
            raise InputError(f"truncated or missing {what} header")
        line = raw[position:stop].decode("ascii", errors="replace").strip()
        lines.append(line)
        position = stop + 1
        if line.encode().startswith(end_marker):
            return lines, position


def _take_fields(records: np.ndarray, names: list[str]) -> Parsed:
    """x, y, z as float32 (N, 3) and the first intensity-like field from a structured array."""
    if not {"x", "y", "z"} <= set(names):
        raise InputError("the points have no x, y, z fields")
    xyz = np.stack([records[n].astype(np.float64) for n in "xyz"], axis=1)
    xyz = xyz.astype(np.float32)
    intensity = next((n for n in INTENSITY_NAMES if n in names), None)
    values = None if intensity is None else records[intensity].astype(np.float32)
    return xyz, values


def _ascii_table(body: bytes, count: int, width: int) -> np.ndarray:
    """The first `count` rows of whitespace-separated numbers, `width` per row, as float64."""
    try:
        numbers = np.array(body.split()[: count * width], dtype=np.float64)
    except ValueError:
        raise InputError("a value in the ASCII data is not a number") from None
    if numbers.size < count * width:
        raise InputError(f"truncated: {numbers.size // max(width, 1)} of {count} points")
    return numbers.reshape(count, width)


def _binary_records(body: bytes, dtype: np.dtype, count: int) -> np.ndarray:
    """`count` packed records of `dtype` from the start of `body`."""
    need = dtype.itemsize * count
    if len(body) < need:
        raise InputError(f"truncated: {len(body)} data bytes, {need} needed for {count} points")
    return np.frombuffer(body, dtype=dtype, count=count)


def parse_ply(raw: bytes) -> Parsed:
    """Points of the `vertex` element of a PLY file (ascii, binary little or big endian)."""
    if not raw.startswith(b"ply"):
        raise InputError("not a PLY file (no 'ply' magic)")
    lines, start = _header_lines(raw, b"end_header", "PLY")
    encoding, count, names, types, in_vertex, seen_vertex = None, None, [], [], False, False
    for line in lines[1:-1]:
        words = line.split()
        if not words or words[0] in ("comment", "obj_info"):
            continue
        if words[0] == "format" and len(words) >= 2:
            encoding = words[1]
        elif words[0] == "element" and len(words) == 3:
            in_vertex = words[1] == "vertex" and not seen_vertex
            if in_vertex:
                seen_vertex = True
                count = _count(words[2])
            elif not seen_vertex:
                raise InputError("PLY elements before 'vertex' are not supported")
        elif words[0] == "property" and in_vertex:
            if len(words) != 3 or words[1] not in PLY_TYPES:
                raise InputError(f"unsupported vertex property '{line}'")
            types.append(PLY_TYPES[words[1]])
            names.append(words[2])
    if encoding not in ("ascii", "binary_little_endian", "binary_big_endian"):
        raise InputError(f"unsupported PLY format {encoding!r}")
    if count is None:
        raise InputError("the PLY file has no vertex element")
    if count == 0:
        raise InputError("the point cloud is empty")
    body = raw[start:]
    if encoding == "ascii":
        table = _ascii_table(body, count, len(names))
        records = {n: table[:, i] for i, n in enumerate(names)}
        return _take_fields(records, names)  # type: ignore[arg-type]
    order = "<" if encoding == "binary_little_endian" else ">"
    dtype = np.dtype([(n, order + t) for n, t in zip(names, types, strict=True)])
    return _take_fields(_binary_records(body, dtype, count), names)


def parse_pcd(raw: bytes) -> Parsed:
    """Points of a PCD file (DATA ascii or binary; binary_compressed is not supported)."""
    lines, start = _header_lines(raw, b"DATA", "PCD")
    fields: dict[str, list[str]] = {}
    for line in lines:
        words = line.split()
        if words and not words[0].startswith("#"):
            fields[words[0].upper()] = words[1:]
    names = fields.get("FIELDS", [])
    sizes, kinds = fields.get("SIZE", []), fields.get("TYPE", [])
    counts = fields.get("COUNT", ["1"] * len(names))
    if not names or not (len(names) == len(sizes) == len(kinds) == len(counts)):
        raise InputError("PCD header: FIELDS, SIZE, TYPE and COUNT do not match")
    count = _count((fields.get("POINTS") or ["-1"])[0])
    if count == 0:
        raise InputError("the point cloud is empty")
    data = (fields.get("DATA") or [""])[0].lower()
    columns, dtype_fields = [], []
    for name, size, kind, repeat in zip(names, sizes, kinds, counts, strict=True):
        key = (kind.upper(), _count(size))
        if key not in PCD_TYPES:
            raise InputError(f"unsupported PCD field type {kind}{size}")
        width = _count(repeat)
        columns += [name] + [f"{name}_{k}" for k in range(1, width)]
        dtype_fields += [(c, "<" + PCD_TYPES[key]) for c in columns[len(dtype_fields) :]]
    if data == "ascii":
        table = _ascii_table(raw[start:], count, len(columns))
        return _take_fields({n: table[:, i] for i, n in enumerate(columns)}, columns)  # type: ignore[arg-type]
    if data == "binary":
        return _take_fields(_binary_records(raw[start:], np.dtype(dtype_fields), count), columns)
    raise InputError(f"unsupported PCD DATA encoding {data!r} (use ascii or binary)")


def _count(text: str) -> int:
    """A non-negative integer header field, or InputError."""
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"bad count {text!r} in the header") from None
    if value < 0:
        raise InputError(f"bad count {text!r} in the header")
    return value


def format_ply(xyz: np.ndarray, intensity: np.ndarray | None, binary: bool) -> bytes:
    """PLY bytes for float32 x, y, z (and intensity), binary little-endian or ASCII."""
    names = ["x", "y", "z"] + ([] if intensity is None else ["intensity"])
    header = [
        "ply",
        f"format {'binary_little_endian' if binary else 'ascii'} 1.0",
        "comment written by ncodec",
        f"element vertex {xyz.shape[0]}",
        *[f"property float {n}" for n in names],
        "end_header",
    ]
    table = xyz if intensity is None else np.column_stack([xyz, intensity])
    table = np.ascontiguousarray(table, dtype="<f4")
    head = ("\n".join(header) + "\n").encode()
    if binary:
        return head + table.tobytes()
    rows = "\n".join(" ".join(repr(float(v)) for v in row) for row in table.astype(np.float32))
    return head + rows.encode() + b"\n"
