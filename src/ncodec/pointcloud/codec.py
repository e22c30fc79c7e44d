"""The `lidar-octree` architecture: point cloud geometry as an octree with learned contexts.

`compress(points, quality, effort, options)`: options `step_mm` (quantization step in
millimetres; without it the quality picks one, see `quality_to_step`), `contexts` (`learned`,
the default, or `adaptive`, the non-learned ablation) and `intensity` (`"lossless"` or a step
in the intensity's unit; the input must then be a PointCloud with intensities). The first
stream holds the octree's occupancy bytes, the second (with intensity) the points' intensity
levels (`ncodec.pointcloud.intensity`; step, base and level count in the header's extra
`intensity`). `decompress` returns the (N, 3) float32 cell positions (duplicates removed,
N = the header's point count), or a PointCloud of those positions and their intensities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from torch import nn

from ncodec.errors import FormatError, InputError
from ncodec.format import NczHeader, PayloadKind, PointCloudInfo
from ncodec.models.protocol import Architecture, Encoded, FrozenCodec
from ncodec.models.registry import register_architecture
from ncodec.pointcloud import geometry, intensity, morton, octree
from ncodec.pointcloud.adaptive import AdaptiveContexts
from ncodec.pointcloud.context import FEATURE_MAX, FEATURES
from ncodec.pointcloud.files import PointCloud, check_points
from ncodec.pointcloud.integer_mlp import IntegerMLP
from ncodec.pointcloud.learned import LearnedContexts, SplitContexts
from ncodec.pointcloud.model import OccupancyNetwork, export_integer
from ncodec.pointcloud.quantize import (
    MAX_DEPTH,
    check_step,
    depth_for,
    dequantize,
    quality_to_step,
    quantize,
)

CONTEXT_KINDS = ("learned", "adaptive")
CODING = 3
"""How learned contexts code a byte: 1 (header without "coding"), one 255-way symbol; 3, a
9-way symbol then, for several children, a 247-way one (`ncodec.pointcloud.learned`), both
from contexts with the 5x5x5 neighbourhood (`ncodec.pointcloud.far`). Coding 2, the third
release's files (the 9-way split from 96 context features), needs that release."""
EARLIER_CODINGS = {2: "the third release"}


class FrozenLidarCodec(FrozenCodec):
    """Codes the geometry of one point cloud per file."""

    kind = PayloadKind.POINT_CLOUD

    def __init__(self, network: IntegerMLP) -> None:
        self.network = network

    def effort_options(self) -> tuple[str, ...]:
        return ("step_mm", "contexts", "intensity")

    def _contexts(self, kind: str, coding: int = CODING) -> Any:
        if kind != "learned":
            return AdaptiveContexts()
        return SplitContexts(self.network) if coding == CODING else LearnedContexts(self.network)

    def compress(
        self, data: Any, quality: int, effort: int = 0, options: Mapping[str, Any] | None = None
    ) -> Encoded:
        """Quantize, build the octree and code it; `data` is a PointCloud or (N, 3) array."""
        options = dict(options or {})
        xyz = data.xyz if isinstance(data, PointCloud) else check_points(data)
        step = check_step(options.get("step_mm", quality_to_step(quality)))
        kind = options.get("contexts", "learned")
        if kind not in CONTEXT_KINDS:
            raise InputError(f"contexts must be one of {', '.join(CONTEXT_KINDS)}, got {kind!r}")
        origin = xyz.min(axis=0).astype(np.float64)
        cells = quantize(xyz, origin, step)
        depth = depth_for(cells)
        tree, leaves = octree.build(cells, depth)
        sensor = geometry.sensor_cell(origin, step)
        coding = CODING if self.network.split else 1
        streams = [geometry.encode(tree, step, sensor, self._contexts(kind, coding))]
        info = PointCloudInfo(
            point_count=len(leaves),
            bbox_min=tuple(float(v) for v in origin),
            bbox_max=tuple(float(v) for v in xyz.max(axis=0)),
            step_mm=step,
        )
        extra: dict[str, Any] = {"depth": depth, "contexts": kind}
        if kind == "learned" and self.network.split:
            extra["coding"] = CODING
        if options.get("intensity") is not None:
            stream, extra["intensity"] = _encode_intensity(
                data, cells, leaves, sensor, options["intensity"]
            )
            streams.append(stream)
            info = replace(info, intensity=True)
        return Encoded(streams, info, extra)

    def decompress(self, streams: Sequence[bytes], header: NczHeader) -> np.ndarray | PointCloud:
        """The decoded points (N, 3) float32, or a PointCloud if the file has intensities."""
        info = header.payload
        if not isinstance(info, PointCloudInfo):
            raise FormatError("not a point-cloud file")
        extra = header.extra or {}
        depth, kind = extra.get("depth"), extra.get("contexts", "learned")
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= MAX_DEPTH:
            raise FormatError(f"invalid header: octree depth {depth!r}")
        if kind not in CONTEXT_KINDS:
            raise FormatError(f"invalid header: unknown contexts {kind!r}")
        coding = extra.get("coding", 1)
        if not isinstance(coding, bool) and coding in EARLIER_CODINGS:
            raise FormatError(
                f"occupancy coding {coding} was written by {EARLIER_CODINGS[coding]} of "
                "lidar-octree; decode it with that release"
            )
        if isinstance(coding, bool) or coding not in (1, CODING):
            raise FormatError(f"invalid header: unknown occupancy coding {coding!r}")
        quantization = intensity.check_header(extra.get("intensity")) if info.intensity else None
        expected = 2 if info.intensity else 1
        if len(streams) != expected:
            raise FormatError(f"point-cloud file has {len(streams)} streams, expected {expected}")
        origin = np.array(info.bbox_min, dtype=np.float64)
        sensor = geometry.sensor_cell(origin, info.step_mm)
        cells = geometry.decode(
            streams[0], depth, info.step_mm, sensor, self._contexts(kind, coding)
        )
        if len(cells) != info.point_count:
            raise FormatError(
                f"corrupt geometry: {len(cells)} points decoded, header says {info.point_count}"
            )
        points = dequantize(cells, origin, info.step_mm)
        if not info.intensity:
            return points
        step, base, level_count, order = quantization
        levels = intensity.decode_ordered(streams[1], level_count, cells, sensor, order)
        return PointCloud(points, intensity.decoded_values(levels, base, step))


def _encode_intensity(
    data: Any, cells: np.ndarray, leaves: np.ndarray, sensor: np.ndarray, setting: object
) -> tuple[bytes, dict[str, Any]]:
    """The intensity stream of the points (`cells`: theirs, `leaves`: the decoded cells) and
    its header fields (step, base, levels, order)."""
    values = data.intensity if isinstance(data, PointCloud) else None
    if values is None:
        raise InputError("intensity coding needs a point cloud with intensities (.bin, .ply)")
    step = intensity.choose_step(values, intensity.parse_setting(setting))
    levels, base, level_count = intensity.quantize(values, step)
    cell = np.unique(morton.encode(cells), return_inverse=True)[1].reshape(-1)
    per_cell = intensity.per_cell(levels, cell, len(leaves))
    stream, order = intensity.encode_best(per_cell, level_count, leaves, sensor)
    return stream, {"step": step, "base": base, "levels": level_count, "order": order}


@register_architecture
class LidarOctreeArchitecture(Architecture):
    """Octree occupancy coding with a fixed-point context MLP."""

    name = "lidar-octree"
    kind = PayloadKind.POINT_CLOUD

    @classmethod
    def build(cls, config: Mapping[str, Any]) -> nn.Module:
        return OccupancyNetwork(**config)

    @classmethod
    def export(cls, module: nn.Module) -> dict[str, np.ndarray]:
        return export_integer(module)

    @classmethod
    def freeze(cls, module: nn.Module, arrays: Mapping[str, np.ndarray]) -> FrozenCodec:
        return FrozenLidarCodec(IntegerMLP(arrays, FEATURE_MAX))

    @classmethod
    def default_config(cls) -> dict[str, Any]:
        return {"hidden": 64, "layers": 2}


assert FEATURE_MAX.shape == (FEATURES,)
