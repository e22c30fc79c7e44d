"""Intensity coding of lidar-octree: exact (lossless) and quantized round trips, the interpolation
coder on its own, files without intensity unchanged, the CLI flag, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from clouds import lidar_like

from ncodec import api
from ncodec.cli import main
from ncodec.errors import FormatError, InputError
from ncodec.format import NczHeader, read_ncz, write_ncz
from ncodec.pointcloud import intensity, morton
from ncodec.pointcloud.files import PointCloud, read_points, write_bin
from ncodec.pointcloud.quantize import quantize


def scan(count: int = 1200, seed: int = 0, scale: float = 0.01) -> PointCloud:
    """A LiDAR-like cloud whose intensity varies smoothly with height, in steps of `scale`."""
    xyz = lidar_like(count, seed)
    rng = np.random.default_rng(seed)
    levels = np.clip(np.rint(40 + 10 * xyz[:, 2] + rng.normal(0, 3, count)), 0, 99)
    return PointCloud(xyz, (levels * scale).astype(np.float32))


def by_cell(cloud: PointCloud, origin: np.ndarray, step_mm: float) -> dict[tuple, int]:
    """Intensity bits (float32 as uint32) of each cell of a cloud."""
    cells = quantize(cloud.xyz, origin, step_mm).tolist()
    bits = cloud.intensity.view(np.uint32).tolist()
    return {tuple(c): v for c, v in zip(cells, bits, strict=True)}


def test_lossless_round_trip_is_bit_exact(tiny_lidar):
    cloud = scan()
    data = api.compress(cloud, tiny_lidar, options={"step_mm": 1.0, "intensity": "lossless"})
    decoded = api.decode(data)
    assert decoded.header.payload.intensity
    assert decoded.header.extra["intensity"]["step"] == 0.01
    out = decoded.data
    assert isinstance(out, PointCloud) and len(out) == len(cloud)  # no two points share a cell
    origin = cloud.xyz.min(axis=0).astype(np.float64)
    assert by_cell(out, origin, 1.0) == by_cell(cloud, origin, 1.0)


def test_integer_intensities_pick_step_one():
    values = np.array([0, 3, 255, 17], dtype=np.float32)
    assert intensity.choose_step(values, "lossless") == 1.0
    assert intensity.choose_step(np.float32([0.5, 0.25]), "lossless") == 2.0**-8


def test_quantized_intensity_and_shared_cells(tiny_lidar):
    cloud = scan(seed=1)
    xyz = np.concatenate([cloud.xyz, cloud.xyz[:40]])
    values = np.concatenate([cloud.intensity, np.zeros(40, np.float32)])
    data = api.compress(
        PointCloud(xyz, values), tiny_lidar, options={"step_mm": 1.0, "intensity": 0.05}
    )
    out = api.decode(data).data
    assert len(out) == len(cloud)
    origin = xyz.min(axis=0).astype(np.float64)
    decoded = by_cell(out, origin, 1.0)
    levels = np.rint(values / 0.05).astype(np.int64)
    levels[:40] = (2 * (levels[:40] + levels[-40:]) + 2) // 4  # rounded mean of a shared cell
    expected = PointCloud(cloud.xyz, (levels[: len(cloud)] * 0.05).astype(np.float32))
    assert decoded == by_cell(expected, origin, 1.0)
    error = np.abs(levels[40 : len(cloud)] * 0.05 - cloud.intensity[40:])
    assert error.max() <= 0.025 + 1e-6


@pytest.mark.parametrize("count", [1, 63, 64, 65, 3000])
def test_coder_round_trip_with_outliers(count):
    rng = np.random.default_rng(count)
    levels = 65536
    q = np.cumsum(rng.integers(-3, 4, count)) % levels
    q[rng.random(count) < 0.05] = rng.integers(0, levels, 1)  # residuals far outside RANGE
    data = intensity.encode(q, levels)
    assert np.array_equal(intensity.decode(data, count, levels), q)


def test_coder_uses_the_neighbours():
    count = 20000
    smooth = (np.arange(count) // 500) % 100  # slowly varying levels
    shuffled = np.random.default_rng(0).permutation(smooth)
    assert len(intensity.encode(smooth, 100)) * 4 < len(intensity.encode(shuffled, 100))


def test_geometry_stream_and_files_without_intensity_unchanged(tiny_lidar):
    cloud = scan(seed=2)
    plain = api.compress(cloud, tiny_lidar, options={"step_mm": 20.0})
    both = api.compress(cloud, tiny_lidar, options={"step_mm": 20.0, "intensity": "lossless"})
    (plain_header, plain_streams), (_, streams) = read_ncz(plain), read_ncz(both)
    assert not plain_header.payload.intensity and "intensity" not in plain_header.extra
    assert streams[0] == plain_streams[0] and len(streams) == 2
    assert isinstance(api.decode(plain).data, np.ndarray)


@pytest.mark.parametrize(
    ("data", "setting", "message"),
    [
        (scan(), "abc", "lossless' or a positive step"),
        (scan(), 0, "positive step"),
        (scan(), -0.1, "positive step"),
        (scan(), float("inf"), "positive step"),
        (scan(), 1e-9, "levels"),
        (
            PointCloud(lidar_like(50), np.linspace(0, 1, 50, dtype=np.float32) ** 3),
            "lossless",
            "multiples",
        ),
        (lidar_like(50), "lossless", "needs a point cloud with intensities"),
    ],
)
def test_bad_settings_are_one_line_errors(tiny_lidar, data, setting, message):
    with pytest.raises(InputError, match=message) as err:
        api.compress(data, tiny_lidar, options={"step_mm": 20.0, "intensity": setting})
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "fields",
    [
        None,
        {"step": 0.01, "base": 0},
        {"step": -1.0, "base": 0, "levels": 9},
        {"step": 0.01, "base": 0, "levels": 0},
        {"step": 0.01, "base": True, "levels": 9},
    ],
)
def test_bad_intensity_headers(tiny_lidar, fields):
    data = api.compress(scan(), tiny_lidar, options={"step_mm": 20.0, "intensity": 0.02})
    header, streams = read_ncz(data)
    extra = dict(header.extra)
    extra.pop("intensity")
    if fields is not None:
        extra["intensity"] = fields
    bad = NczHeader(header.model, header.weights_hash, header.payload, extra=extra)
    with pytest.raises(FormatError, match="intensity"):
        api.decode(write_ncz(bad, streams))


def test_corrupt_intensity_streams(tiny_lidar):
    data = api.compress(scan(), tiny_lidar, options={"step_mm": 20.0, "intensity": "lossless"})
    header, streams = read_ncz(data)
    for bad in ([streams[0]], [streams[0], streams[1][:-8]], [streams[0], streams[1] + bytes(4)]):
        with pytest.raises(FormatError) as err:
            api.decode(write_ncz(header, bad))
        assert "\n" not in str(err.value)


def test_cli_intensity_flag(tiny_lidar, tmp_path):
    cloud = scan(seed=4)
    source, coded, out = tmp_path / "s.bin", tmp_path / "s.ncz", tmp_path / "o.bin"
    write_bin(source, cloud)
    args = ["compress", str(source), "-o", str(coded), "--model", tiny_lidar, "--step", "1"]
    result = CliRunner().invoke(main, [*args, "--intensity", "lossless"])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(main, ["decompress", str(coded), "-o", str(out)]).exit_code == 0
    back = read_points(out)
    assert np.array_equal(np.sort(back.intensity), np.sort(cloud.intensity))
    result = CliRunner().invoke(main, [*args, "--intensity", "-1", "--force"])
    assert result.exit_code != 0 and "positive step" in result.output


@pytest.mark.parametrize("order", intensity.ORDERS)
def test_both_point_orders_round_trip(order, monkeypatch):
    cloud = scan(seed=5)
    origin = cloud.xyz.min(axis=0).astype(np.float64)
    cells = np.unique(quantize(cloud.xyz, origin, 20.0), axis=0)
    cells = cells[np.argsort(morton.encode(cells))]
    sensor = np.rint(-origin / 0.02).astype(np.int64)
    q = np.random.default_rng(0).integers(0, 100, len(cells))
    monkeypatch.setattr(intensity, "ORDERS", (order,))
    data, name = intensity.encode_best(q, 100, cells, sensor)
    assert name == order
    assert np.array_equal(intensity.decode_ordered(data, 100, cells, sensor, order), q)
    permutation = intensity.point_order(order, cells, sensor)
    if order == "ring":  # a permutation that follows the rings' elevation
        assert sorted(permutation.tolist()) == list(range(len(cells)))
        d = cells[permutation] - sensor
        slope = d[:, 2] / np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
        assert np.all(np.diff(np.floor(slope * intensity.RING_BINS)) >= 0)


def test_cli_point_clouds_and_standard_streams(tiny_lidar, tmp_path):
    # Standard output takes the .ncz of a cloud; a cloud is never read from standard input
    # nor decoded to standard output (no format to pick): one line each, nothing written.
    source, coded = tmp_path / "s.bin", tmp_path / "s.ncz"
    write_bin(source, scan(seed=6))
    args = ["compress", str(source), "-o", "-", "--model", tiny_lidar]
    piped = CliRunner().invoke(main, args)
    assert piped.exit_code == 0 and piped.stdout_bytes.startswith(b"\x89NCZ"), piped.output[:200]
    coded.write_bytes(piped.stdout_bytes)
    refused = CliRunner().invoke(main, ["decompress", str(coded), "-o", "-"])
    assert refused.exit_code == 2 and "not standard output" in refused.output
    refused = CliRunner().invoke(main, ["compress", "-", "-o", "x.ncz", "--model", tiny_lidar])
    assert refused.exit_code == 2 and "not standard input" in refused.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.bin", "s.ncz"]
