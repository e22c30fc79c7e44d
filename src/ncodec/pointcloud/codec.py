"""The `lidar-octree` architecture: point cloud geometry as an octree with learned contexts.

`compress(points, quality, effort, options)`: options `step_mm` (quantization step in
millimetres; without it the quality picks one, see `quality_to_step`) and `contexts`
(`learned`, the default, or `adaptive`, the non-learned ablation). The single stream holds the
octree's occupancy bytes; `decompress` returns the (N, 3) float32 cell positions (duplicates
removed, N = the header's point count).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from torch import nn

from ncodec.errors import FormatError, InputError
from ncodec.format import NczHeader, PayloadKind, PointCloudInfo
from ncodec.models.protocol import Architecture, Encoded, FrozenCodec
from ncodec.models.registry import register_architecture
from ncodec.pointcloud import geometry, octree
from ncodec.pointcloud.adaptive import AdaptiveContexts
from ncodec.pointcloud.context import FEATURE_MAX, FEATURES
from ncodec.pointcloud.files import PointCloud, check_points
from ncodec.pointcloud.integer_mlp import IntegerMLP
from ncodec.pointcloud.learned import LearnedContexts
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


class FrozenLidarCodec(FrozenCodec):
    """Codes the geometry of one point cloud per file."""

    kind = PayloadKind.POINT_CLOUD

    def __init__(self, network: IntegerMLP) -> None:
        self.network = network

    def effort_options(self) -> tuple[str, ...]:
        return ("step_mm", "contexts")

    def _contexts(self, kind: str) -> Any:
        return LearnedContexts(self.network) if kind == "learned" else AdaptiveContexts()

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
        stream = geometry.encode(tree, step, sensor, self._contexts(kind))
        info = PointCloudInfo(
            point_count=len(leaves),
            bbox_min=tuple(float(v) for v in origin),
            bbox_max=tuple(float(v) for v in xyz.max(axis=0)),
            step_mm=step,
        )
        return Encoded([stream], info, {"depth": depth, "contexts": kind})

    def decompress(self, streams: Sequence[bytes], header: NczHeader) -> np.ndarray:
        """The decoded points (N, 3) float32."""
        info = header.payload
        if not isinstance(info, PointCloudInfo):
            raise FormatError("not a point-cloud file")
        extra = header.extra or {}
        depth, kind = extra.get("depth"), extra.get("contexts", "learned")
        if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= MAX_DEPTH:
            raise FormatError(f"invalid header: octree depth {depth!r}")
        if kind not in CONTEXT_KINDS:
            raise FormatError(f"invalid header: unknown contexts {kind!r}")
        if len(streams) != 1:
            raise FormatError(f"point-cloud file has {len(streams)} streams, expected 1")
        origin = np.array(info.bbox_min, dtype=np.float64)
        sensor = geometry.sensor_cell(origin, info.step_mm)
        cells = geometry.decode(streams[0], depth, info.step_mm, sensor, self._contexts(kind))
        if len(cells) != info.point_count:
            raise FormatError(
                f"corrupt geometry: {len(cells)} points decoded, header says {info.point_count}"
            )
        return dequantize(cells, origin, info.step_mm)


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
