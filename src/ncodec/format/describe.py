"""`describe`: a readable summary of an `.ncz` header, per payload kind (for `ncodec info`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ncodec.format.header import NczHeader
from ncodec.format.payloads import (
    ImageInfo,
    LosslessImageInfo,
    Payload,
    PointCloudInfo,
    TensorInfo,
)


def describe(
    header: NczHeader, streams: Sequence[bytes] | None = None, file_size: int | None = None
) -> dict[str, Any]:
    """Header fields by kind, plus stream sizes, file size and bits per pixel/element/point."""
    info: dict[str, Any] = {
        "format": "ncz {}.{}".format(*header.format_version),
        "kind": header.kind.label if header.kind is not None else None,
        "model": header.model,
        "weights_hash": header.weights_hash,
        **payload_fields(header.payload),
    }
    if header.extra:
        info["extra"] = dict(header.extra)
    if streams is not None:
        info["stream_bytes"] = [len(stream) for stream in streams]
    if file_size is not None:
        info["file_bytes"] = file_size
        rate = rate_unit(header.payload)
        if rate:
            info[f"bits_per_{rate[0]}"] = 8 * file_size / rate[1]
        if streams is not None:
            info["container_overhead_bytes"] = file_size - sum(len(s) for s in streams)
    return info


def payload_fields(payload: Payload) -> dict[str, Any]:
    """The fields of one payload description, named as `ncodec info` shows them."""
    if isinstance(payload, ImageInfo):
        return {
            "width": payload.width,
            "height": payload.height,
            "mode": payload.mode,
            "quality": payload.quality,
        }
    if isinstance(payload, LosslessImageInfo):
        return {
            "width": payload.width,
            "height": payload.height,
            "mode": payload.mode,
            "pixels_crc32": f"{payload.pixels_crc32:08x}",
        }
    if isinstance(payload, TensorInfo):
        return {"shape": list(payload.shape), "dtype": payload.dtype, "elements": payload.elements}
    if not isinstance(payload, PointCloudInfo):
        return {"payload": repr(payload)}
    return {
        "points": payload.point_count,
        "bbox_min": list(payload.bbox_min),
        "bbox_max": list(payload.bbox_max),
        "step_mm": payload.step_mm,
        "intensity": payload.intensity,
    }


def rate_unit(payload: Payload) -> tuple[str, int] | None:
    """What a rate is counted per ('pixel', 'element', 'point') and how many there are."""
    if isinstance(payload, ImageInfo | LosslessImageInfo):
        return "pixel", payload.height * payload.width
    if isinstance(payload, TensorInfo):
        return "element", payload.elements
    if isinstance(payload, PointCloudInfo):
        return "point", payload.point_count
    return None
