"""Point cloud files: KITTI .bin, PLY and PCD (ASCII and binary) round-trip; bad files fail in
one line."""

from __future__ import annotations

import numpy as np
import pytest

from ncodec.errors import InputError
from ncodec.pointcloud.files import PointCloud, check_points, read_points, write_bin, write_ply

XYZ = np.array([[0.5, -1.25, 2.0], [3.0, 4.0, -5.5], [1e-3, 7.0, 0.0]], dtype=np.float32)
INTENSITY = np.array([0.1, 0.5, 0.9], dtype=np.float32)


def test_bin_round_trip(tmp_path):
    write_bin(tmp_path / "a.bin", PointCloud(XYZ, INTENSITY))
    cloud = read_points(tmp_path / "a.bin")
    assert np.array_equal(cloud.xyz, XYZ) and np.array_equal(cloud.intensity, INTENSITY)


@pytest.mark.parametrize("binary", [True, False])
def test_ply_round_trip(tmp_path, binary):
    write_ply(tmp_path / "a.ply", PointCloud(XYZ, INTENSITY), binary=binary)
    cloud = read_points(tmp_path / "a.ply")
    assert np.array_equal(cloud.xyz, XYZ) and np.array_equal(cloud.intensity, INTENSITY)


def test_ply_big_endian_double_with_faces(tmp_path):
    header = (
        "ply\nformat binary_big_endian 1.0\nelement vertex 3\nproperty double x\n"
        "property double y\nproperty double z\nproperty uchar red\nelement face 0\n"
        "property list uchar int vertex_indices\nend_header\n"
    )
    table = np.zeros(3, dtype=[("x", ">f8"), ("y", ">f8"), ("z", ">f8"), ("red", "u1")])
    for i, axis in enumerate("xyz"):
        table[axis] = XYZ[:, i]
    (tmp_path / "b.ply").write_bytes(header.encode() + table.tobytes())
    cloud = read_points(tmp_path / "b.ply")
    assert np.array_equal(cloud.xyz, XYZ) and cloud.intensity is None


def pcd_bytes(data: str) -> bytes:
    header = (
        "# .PCD v0.7\nVERSION 0.7\nFIELDS x y z intensity\nSIZE 4 4 4 4\nTYPE F F F F\n"
        f"COUNT 1 1 1 1\nWIDTH 3\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS 3\nDATA {data}\n"
    )
    table = np.column_stack([XYZ, INTENSITY]).astype("<f4")
    if data == "ascii":
        body = "\n".join(" ".join(repr(float(v)) for v in row) for row in table).encode()
    else:
        body = table.tobytes()
    return header.encode() + body


@pytest.mark.parametrize("data", ["ascii", "binary"])
def test_pcd(tmp_path, data):
    (tmp_path / "a.pcd").write_bytes(pcd_bytes(data))
    cloud = read_points(tmp_path / "a.pcd")
    assert np.array_equal(cloud.xyz, XYZ) and np.array_equal(cloud.intensity, INTENSITY)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.bin", b"", "empty"),
        ("odd.bin", b"\0" * 20, "not a whole number"),
        ("short.ply", write_ply.__name__.encode(), "not a PLY file"),
        ("trunc.pcd", pcd_bytes("binary")[:-5], "truncated"),
        (
            "zip.pcd",
            pcd_bytes("binary").replace(b"DATA binary", b"DATA binary_compressed"),
            "unsupported",
        ),
        ("nan.bin", np.array([[np.nan, 0, 0, 0]], "<f4").tobytes(), "finite"),
        ("noz.pcd", pcd_bytes("ascii").replace(b"FIELDS x y z", b"FIELDS x y w"), "no x, y, z"),
        ("pts.txt", b"1 2 3", "unknown point cloud suffix"),
    ],
)
def test_bad_files_are_one_line_input_errors(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        read_points(tmp_path / name)
    assert "\n" not in str(err.value)


def test_truncated_binary_ply(tmp_path):
    write_ply(tmp_path / "a.ply", XYZ)
    raw = (tmp_path / "a.ply").read_bytes()
    (tmp_path / "a.ply").write_bytes(raw[:-3])
    with pytest.raises(InputError, match="truncated"):
        read_points(tmp_path / "a.ply")


@pytest.mark.parametrize(
    "points", [np.zeros((0, 3)), np.zeros((4, 2)), np.array([[0.0, np.inf, 0.0]]), "abc"]
)
def test_bad_arrays(points):
    with pytest.raises(InputError):
        check_points(points)
