"""`ncodec compress --lossless` / `decompress`: RGB and gray PNGs come back identical; 16-bit,
float and empty inputs, and --lossless with a lossy model, are one-line errors."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ncodec.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def image(height: int, width: int, channels: int) -> np.ndarray:
    rng = np.random.default_rng(height * width + channels)
    ramp = np.add.outer(np.arange(height), 2 * np.arange(width))[:, :, None]
    pixels = np.clip(ramp + rng.integers(0, 30, (height, width, channels)), 0, 255)
    pixels = pixels.astype(np.uint8)
    return pixels[:, :, 0] if channels == 1 else pixels


@pytest.mark.parametrize("channels, mode", [(3, "RGB"), (1, "L")])
def test_png_round_trips_exactly(tmp_path, channels, mode):
    pixels = image(37, 51, channels)
    Image.fromarray(pixels, mode).save(tmp_path / "in.png")
    result = run("compress", str(tmp_path / "in.png"), "-o", str(tmp_path / "a.ncz"), "--lossless")
    assert result.exit_code == 0, result.output
    assert "bits per subpixel, lossless" in result.output
    result = run("decompress", str(tmp_path / "a.ncz"), "-o", str(tmp_path / "back.png"))
    assert result.exit_code == 0, result.output
    assert "lossless" in result.output
    restored = Image.open(tmp_path / "back.png")
    assert restored.mode == mode
    np.testing.assert_array_equal(np.asarray(restored), pixels)


def test_bad_inputs_are_one_line_errors_and_write_nothing(tmp_path):
    deep = (np.arange(24 * 30, dtype=np.uint16).reshape(24, 30) * 90).astype(np.uint16)
    (tmp_path / "deep.png").write_bytes(imagecodecs.png_encode(deep))
    (tmp_path / "float.tif").write_bytes(
        imagecodecs.tiff_encode(np.linspace(0, 1, 24 * 30, dtype=np.float32).reshape(24, 30))
    )
    (tmp_path / "empty.png").write_bytes(b"")
    for name in ("deep.png", "float.tif", "empty.png"):
        out = tmp_path / f"{name}.ncz"
        result = run("compress", str(tmp_path / name), "-o", str(out), "--lossless")
        assert result.exit_code != 0, name
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ncodec: error:"), result.output
        assert "Traceback" not in result.output
        assert not out.exists()
    Image.fromarray(image(8, 8, 3)).save(tmp_path / "ok.png")
    result = run(
        "compress",
        str(tmp_path / "ok.png"),
        "-o",
        str(tmp_path / "x.ncz"),
        "--lossless",
        "--model",
        "hyperprior-mse",
    )
    assert result.exit_code != 0 and "lossless-image model" in result.output
