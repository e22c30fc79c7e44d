"""lidar-octree through api.compress/api.decode: round trips (learned and adaptive contexts),
lossless at a fine step, and one-line errors for bad inputs and files."""

from __future__ import annotations

import numpy as np
import pytest
from clouds import lidar_like

from ncodec import api
from ncodec.errors import FormatError, InputError
from ncodec.format import ImageInfo, NczHeader, PayloadKind, read_ncz, write_ncz
from ncodec.pointcloud.files import PointCloud
from ncodec.pointcloud.quantize import dequantize, quality_to_step, quantize


def expected_points(xyz: np.ndarray, step_mm: float) -> np.ndarray:
    origin = xyz.min(axis=0).astype(np.float64)
    cells = np.unique(quantize(xyz, origin, step_mm), axis=0)
    return dequantize(cells, origin, step_mm)


def sorted_rows(points: np.ndarray) -> np.ndarray:
    return points[np.lexsort(points.T[::-1])]


@pytest.mark.parametrize("contexts", ["learned", "adaptive"])
def test_round_trip_is_the_quantized_cloud(tiny_lidar, contexts):
    xyz = lidar_like(1500)
    data = api.compress(xyz, tiny_lidar, options={"step_mm": 50.0, "contexts": contexts})
    decoded = api.decode(data)
    assert decoded.header.kind == PayloadKind.POINT_CLOUD
    assert decoded.header.payload.step_mm == 50.0
    expected = expected_points(xyz, 50.0)
    assert decoded.data.dtype == np.float32 and decoded.data.shape == expected.shape
    assert np.array_equal(sorted_rows(decoded.data), sorted_rows(expected))


def test_lossless_at_the_finest_step(tiny_lidar):
    xyz = lidar_like(800, seed=3)
    xyz = np.concatenate([xyz, xyz[:50]])  # duplicates collapse
    data = api.compress(PointCloud(xyz), tiny_lidar, quality=100)
    decoded = api.decode(data).data
    step = quality_to_step(100)
    origin = xyz.min(axis=0).astype(np.float64)
    back = np.rint((decoded.astype(np.float64) - origin) / (step / 1000)).astype(np.int64)
    cells = np.unique(quantize(xyz, origin, step), axis=0)
    assert np.array_equal(np.unique(back, axis=0), cells) and len(back) == len(cells)


def test_quality_picks_the_step(tiny_lidar):
    xyz = lidar_like(500)
    coarse = api.compress(xyz, tiny_lidar, quality=30)
    fine = api.compress(xyz, tiny_lidar, quality=80)
    assert len(coarse) < len(fine)
    assert api.decode(coarse).header.payload.step_mm == quality_to_step(30)


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (np.zeros((0, 3), np.float32), {}, "empty"),
        (np.array([[0, np.nan, 0]], np.float32), {}, "finite"),
        (lidar_like(10), {"step_mm": 0}, "positive"),
        (lidar_like(10), {"step_mm": -2.0}, "positive"),
        (lidar_like(10), {"step_mm": float("nan")}, "positive"),
        (lidar_like(10), {"step_mm": 1e-6}, "too fine"),
        (lidar_like(10), {"contexts": "magic"}, "contexts"),
        (lidar_like(10), {"refine": 3}, "no encoder option"),
    ],
)
def test_bad_inputs_are_one_line_errors(tiny_lidar, data, options, message):
    with pytest.raises(InputError, match=message) as err:
        api.compress(data, tiny_lidar, options=options)
    assert "\n" not in str(err.value)


def test_truncated_and_corrupted_files(tiny_lidar):
    data = api.compress(lidar_like(500), tiny_lidar, options={"step_mm": 20.0})
    with pytest.raises(FormatError, match="truncated"):
        api.decode(data[:-9])
    header, streams = read_ncz(data)
    short = write_ncz(header, [streams[0][:-8]])
    with pytest.raises(FormatError) as err:
        api.decode(short)
    assert "\n" not in str(err.value)


def test_wrong_payload_kind(tiny_lidar):
    data = api.compress(lidar_like(200), tiny_lidar, options={"step_mm": 20.0})
    header, streams = read_ncz(data)
    image = NczHeader(header.model, header.weights_hash, ImageInfo(8, 8, "RGB", 50))
    with pytest.raises(FormatError, match="lossy-image payload but model"):
        api.decode(write_ncz(image, streams))


def test_bad_depth_in_header(tiny_lidar):
    data = api.compress(lidar_like(200), tiny_lidar, options={"step_mm": 20.0})
    header, streams = read_ncz(data)
    bad = NczHeader(header.model, header.weights_hash, header.payload, extra={"depth": 40})
    with pytest.raises(FormatError, match="depth"):
        api.decode(write_ncz(bad, streams))
