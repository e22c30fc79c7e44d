"""The realism column of `ncodec eval` and the perception–distortion plane at fixed rates."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from ncodec.cli import main
from ncodec.eval.perception import at_rate, perception_points, render_realism_markdown

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_at_rate_interpolates_linearly_in_log_rate_and_never_extrapolates():
    curve = {"bpp": [0.4, 0.1, 0.2], "realism_swd": [0.01, 0.09, 0.05]}
    assert at_rate(curve, "realism_swd", 0.2) == pytest.approx(0.05)
    middle = math.sqrt(0.1 * 0.2)  # halfway in log(bpp)
    assert at_rate(curve, "realism_swd", middle) == pytest.approx(0.07)
    assert at_rate(curve, "realism_swd", 0.05) is None
    assert at_rate(curve, "realism_swd", 0.5) is None
    assert at_rate(curve, "psnr_rgb", 0.2) is None  # metric not measured


def test_plane_points_only_for_curves_with_a_realism_distance():
    curves = {
        "new": {"bpp": [0.1, 0.4], "psnr_rgb": [25.0, 29.0], "realism_swd": [0.08, 0.02]},
        "old": {"bpp": [0.1, 0.4], "psnr_rgb": [25.0, 29.0], "realism_swd": [None, None]},
    }
    points = perception_points(curves, rates=(0.2, 1.0))
    assert list(points) == ["new"]
    assert points["new"]["0.2"]["psnr_rgb"] == pytest.approx(27.0)
    assert points["new"]["0.2"]["realism_swd"] == pytest.approx(0.05)
    assert points["new"]["1"]["realism_swd"] is None
    text = render_realism_markdown(
        {"dataset": {"name": "toy", "n_images": 1}, "perception_distortion": points}
    )
    assert "| new | 0.0500 | 27.00 | – | – | – | – |" in text


def test_eval_records_realism_and_draws_the_plane(image_dir, tmp_path):
    out = tmp_path / "out"
    args = ["eval", str(image_dir), "--codecs", "jpeg:q=5/20/60,webp:q=5/30/70", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--warmup", "0", "--repeats", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    for record in results["per_image"]:
        assert record["realism_swd"] > 0.0
        assert math.isfinite(record["niqe"])  # 192x176: one whole 96x96 patch
    jpeg = results["curves"]["jpeg"]["realism_swd"]
    assert jpeg[0] > jpeg[1] > jpeg[2]  # more bits, closer to the original's patch statistics
    assert set(results["perception_distortion"]) == {"jpeg", "webp"}
    assert "realism_swd" in results["method"]
    assert "| jpeg |" in (out / "realism.md").read_text()
    data = (out / "perception_distortion.png").read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
