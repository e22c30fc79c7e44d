"""Point cloud files: KITTI `.bin`, PLY and PCD (ASCII and binary) in, `.bin` and PLY out.

Every reader returns a checked `PointCloud`; anything it cannot read (wrong size, unsupported
encoding, missing x/y/z, NaN or infinite coordinates, no points) is a one-line `InputError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ncodec.errors import InputError
from ncodec.io.inputs import check_input_file
from ncodec.pointcloud import ply_pcd

SUFFIXES = (".bin", ".ply", ".pcd")


@dataclass(frozen=True)
class PointCloud:
    """Points (N, 3) float32 and, if the file had one, an intensity (N,) float32 per point."""

    xyz: np.ndarray
    intensity: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "xyz", check_points(self.xyz))
        if self.intensity is not None:
            values = np.asarray(self.intensity, dtype=np.float32).reshape(-1)
            if values.shape[0] != self.xyz.shape[0]:
                raise InputError(f"{values.shape[0]} intensities for {self.xyz.shape[0]} points")
            if not np.all(np.isfinite(values)):
                raise InputError("intensities must be finite (found NaN or infinity)")
            object.__setattr__(self, "intensity", values)

    def __len__(self) -> int:
        return int(self.xyz.shape[0])


def check_points(xyz: object) -> np.ndarray:
    """Points as a C-contiguous (N, 3) float32 array with N >= 1, all finite; else InputError."""
    if isinstance(xyz, PointCloud):
        return xyz.xyz
    try:
        array = np.asarray(xyz)
    except (TypeError, ValueError):
        raise InputError("points must be an (N, 3) array of numbers") from None
    if array.dtype.kind not in "iuf" or array.ndim != 2 or array.shape[1] != 3:
        raise InputError(f"points must be an (N, 3) array of numbers, got shape {array.shape}")
    if array.shape[0] == 0:
        raise InputError("the point cloud is empty")
    array = np.ascontiguousarray(array, dtype=np.float32)
    if not np.all(np.isfinite(array)):
        raise InputError("point coordinates must be finite (found NaN or infinity)")
    return array


def read_points(path: str | os.PathLike[str]) -> PointCloud:
    """Read a `.bin` (KITTI N x 4 float32), `.ply` or `.pcd` file into a checked PointCloud."""
    source = check_input_file(path, allow_empty=True)
    suffix = source.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"cannot read {source}: unknown point cloud suffix (use .bin, .ply, .pcd)")
    try:
        raw = source.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {source}: {err.strerror or err}") from None
    try:
        if suffix == ".bin":
            xyz, intensity = _parse_bin(raw)
        elif suffix == ".ply":
            xyz, intensity = ply_pcd.parse_ply(raw)
        else:
            xyz, intensity = ply_pcd.parse_pcd(raw)
        return PointCloud(xyz, intensity)
    except InputError as err:
        raise InputError(f"cannot read {source}: {err}") from None


def _parse_bin(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """KITTI Velodyne layout: little-endian float32 x, y, z, intensity per point."""
    if len(raw) == 0:
        raise InputError("the point cloud is empty")
    if len(raw) % 16:
        raise InputError(f"{len(raw)} bytes is not a whole number of 16-byte KITTI points")
    values = np.frombuffer(raw, dtype="<f4").reshape(-1, 4).astype(np.float32)
    return values[:, :3], values[:, 3]


OUTPUT_SUFFIXES = (".bin", ".ply")
"""Point-cloud files this package writes."""


def bin_bytes(cloud: PointCloud | np.ndarray) -> bytes:
    """KITTI `.bin` bytes (N x 4 float32; intensity 0 where the cloud has none)."""
    cloud = cloud if isinstance(cloud, PointCloud) else PointCloud(cloud)
    out = np.zeros((len(cloud), 4), dtype="<f4")
    out[:, :3] = cloud.xyz
    if cloud.intensity is not None:
        out[:, 3] = cloud.intensity
    return out.tobytes()


def ply_bytes(cloud: PointCloud | np.ndarray, binary: bool = True) -> bytes:
    """PLY bytes (binary little-endian or ASCII) with float x, y, z (and intensity)."""
    cloud = cloud if isinstance(cloud, PointCloud) else PointCloud(cloud)
    return ply_pcd.format_ply(cloud.xyz, cloud.intensity, binary)


def cloud_bytes(cloud: PointCloud | np.ndarray, suffix: str) -> bytes:
    """The bytes of a point-cloud file named by its suffix (.bin or .ply)."""
    suffix = suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise InputError(f"cannot write point clouds as {suffix!r} (use .bin or .ply)")
    return bin_bytes(cloud) if suffix == ".bin" else ply_bytes(cloud)


def write_bin(path: str | os.PathLike[str], cloud: PointCloud | np.ndarray) -> None:
    """Write KITTI `.bin` (intensity 0 where the cloud has none)."""
    Path(path).write_bytes(bin_bytes(cloud))


def write_ply(
    path: str | os.PathLike[str], cloud: PointCloud | np.ndarray, binary: bool = True
) -> None:
    """Write a PLY file (binary little-endian or ASCII) with float x, y, z (and intensity)."""
    Path(path).write_bytes(ply_bytes(cloud, binary))
