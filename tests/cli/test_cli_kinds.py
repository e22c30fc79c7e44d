"""The compress/decompress commands pick the data kind from the model: point clouds in and out,
encoder options only where the model takes them, the progress of an optimizing encoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from ncodec.cli import main
from ncodec.pointcloud.files import read_points, write_bin


@pytest.fixture
def scan(tmp_path):
    """A small synthetic LiDAR-like scan (a ring of points on the ground and a wall)."""
    rng = np.random.default_rng(0)
    angles = rng.uniform(0, 2 * np.pi, 3000)
    radius = rng.uniform(5, 30, 3000)
    xyz = np.stack([radius * np.cos(angles), radius * np.sin(angles), rng.normal(-1.7, 0.05, 3000)])
    path = tmp_path / "scan.bin"
    write_bin(path, xyz.T.astype(np.float32))
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_point_cloud_round_trip_with_the_default_point_model(scan, tmp_path):
    packed, ply = tmp_path / "scan.ncz", tmp_path / "back.ply"
    result = run("compress", str(scan), "-o", str(packed), "--step", "50")
    assert result.exit_code == 0, result.output
    assert "bits per input point" in result.output
    result = run("decompress", str(packed), "-o", str(ply))
    assert result.exit_code == 0, result.output
    original, back = read_points(scan).xyz, read_points(ply).xyz
    # every decoded point lies within half a step (25 mm) of an input point
    nearest = np.min(np.abs(original[None, :200] - back[:, None]).max(axis=2), axis=0)
    assert nearest.max() <= 0.025 + 1e-4


def test_options_that_do_not_apply_are_errors(scan, tmp_path, photo):
    png = tmp_path / "photo.png"
    Image.fromarray(photo).save(png)
    result = run("compress", str(scan), "-o", str(tmp_path / "a.ncz"), "--device", "cpu")
    assert result.exit_code == 2 and "--device does not apply" in result.output
    result = run("compress", str(png), "-o", str(tmp_path / "b.ncz"), "--step", "5")
    assert result.exit_code == 2 and "--step does not apply" in result.output
    result = run("compress", str(scan), "-o", str(tmp_path / "c.ncz"), "--step", "-1")
    assert result.exit_code == 2 and "positive number of millimetres" in result.output


def test_a_point_cloud_file_is_not_an_image_and_back(scan, tmp_path):
    packed = tmp_path / "scan.ncz"
    assert run("compress", str(scan), "-o", str(packed), "--step", "80").exit_code == 0
    result = run("decompress", str(packed), "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "cannot write point clouds as '.png'" in result.output
    assert not (tmp_path / "x.png").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_an_encoder_that_fails_at_once_leaves_no_progress_bar(tmp_path, photo):
    # The progress bar opened before the encoder checked its device: the error line came
    # after the remnant "encode: 0it [00:00, ?it/s]" and a carriage return.
    png = tmp_path / "photo.png"
    Image.fromarray(photo).save(png)
    result = run(
        "compress",
        str(png),
        "-o",
        str(tmp_path / "o.ncz"),
        "--model",
        "overfit",
        "--device",
        "cuda",
    )
    assert result.exit_code == 2
    assert (
        result.output
        == "ncodec: error: device 'cuda' was asked for but no CUDA device is available\n"
    )
    assert not (tmp_path / "o.ncz").exists()
