"""`ncodec bounds` end to end with tiny settings, and its one-line user errors."""

import json

import pytest
from click.testing import CliRunner
from PIL import Image
from skimage import data

from ncodec.cli import main

TINY = ["--samples", "2000", "--heldout", "4000", "--steps", "50", "--lower-steps", "5",
        "--lower-batch", "256", "--lower-eval", "1000", "--quiet"]  # fmt: skip


def _run(*args):
    """Invoke the CLI and return the click result."""
    return CliRunner().invoke(main, list(args))


def test_gaussian_writes_json_and_png(tmp_path):
    """JSON has exact/upper/lower curves of {distortion, rate_bits}; a PNG lies beside it."""
    out = tmp_path / "g.json"
    res = _run("bounds", "--source", "gaussian", "--dim", "3", "--variances", "1,0.5,0.2",
               "--distortions", "0.1,0.3", "--out", str(out), *TINY)  # fmt: skip
    assert res.exit_code == 0, res.output
    result = json.loads(out.read_text())
    assert out.with_suffix(".png").stat().st_size > 1000
    for key in ("exact", "upper", "lower"):
        assert result[key] and {"distortion", "rate_bits"} <= set(result[key][0])
    assert len(result["upper"]) == 2
    assert result["source"]["variances"] == [1.0, 0.5, 0.2]
    # the existing output is not overwritten without --force
    res = _run("bounds", "--source", "gaussian", "--out", str(out), *TINY)
    assert res.exit_code == 2 and "exists" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "gaussian", "--variances", "1,-2"], "variances must be"),
        (["--source", "gaussian", "--variances", "1,0"], "variances must be"),
        (["--source", "gaussian", "--variances", "1,x"], "comma-separated"),
        (["--source", "gaussian", "--variances", "1,1", "--distortions", "1.5"], "(0, 1)"),
        (["--source", "gaussian", "--variances", "1,1", "--distortions", "0"], "(0, 1)"),
        ([], "exactly one of"),
    ],
)
def test_user_errors_are_one_line(tmp_path, args, message):
    """Bad inputs exit with code 2 and `ncodec: error: ...`, no traceback."""
    res = _run("bounds", *args, "--out", str(tmp_path / "x.json"), *TINY)
    assert res.exit_code == 2
    assert res.output.startswith("ncodec: error:") and message in res.output
    assert "Traceback" not in res.output


def test_data_errors(tmp_path):
    """An empty data folder and a patch larger than the images are user errors."""
    (tmp_path / "empty").mkdir()
    res = _run("bounds", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "a.json"))
    assert res.exit_code == 2 and "no images" in res.output
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    Image.fromarray(data.astronaut()[:32, :32]).save(imgs / "a.png")
    res = _run("bounds", "--data", str(imgs), "--patch", "64", "--out", str(tmp_path / "b.json"))
    assert res.exit_code == 2 and "larger than every image" in res.output


def test_patches_with_codec_overlay(tmp_path):
    """Patch mode writes bounds on the 0..255 scale and a JPEG curve on the same patches."""
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    Image.fromarray(data.astronaut()[:128, :128]).save(imgs / "a.png")
    Image.fromarray(data.astronaut()[200:328, 200:328]).save(imgs / "b.png")
    out = tmp_path / "p.json"
    res = _run("bounds", "--data", str(imgs), "--patch", "4", "--psnr", "30", "--codecs", "jpeg",
               "--out", str(out), *TINY)  # fmt: skip
    assert res.exit_code == 0, res.output
    result = json.loads(out.read_text())
    assert result["distortion_scale"] == "pixel values 0..255"
    assert result["source"]["dim"] == 16
    assert len(result["codecs"]["jpeg"]) >= 5
    assert all(p["rate_bits"] > 0 for p in result["upper"])
