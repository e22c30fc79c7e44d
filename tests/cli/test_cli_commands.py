"""The command line end to end: real files, real sizes, and one-line errors for bad input."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ncodec.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_clean_error(result, pattern: str) -> None:
    """Non-zero exit, one line on stderr starting with 'ncodec: error:', no traceback."""
    assert result.exit_code != 0
    text = result.output.strip()
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in text.splitlines() if not line.startswith("notice:")]
    assert len(lines) == 1, text
    assert lines[0].startswith("ncodec: error:"), text
    assert re.search(pattern, lines[0], re.IGNORECASE), text


@pytest.fixture
def photo_png(tmp_path, photo) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(photo).save(path)
    return path


def test_compress_reports_the_real_file_size_and_the_decoded_psnr(installed, photo_png, tmp_path):
    out = tmp_path / "photo.ncz"
    result = run("compress", str(photo_png), "-o", str(out), "--model", "tiny-hp", "-q", "80")
    assert result.exit_code == 0, result.output
    size = out.stat().st_size
    h, w = 96, 128
    assert f"{size} bytes" in result.output
    assert f"{8 * size / (h * w):.4f} bpp" in result.output
    reported_psnr = float(re.search(r"PSNR ([\d.]+) dB", result.output).group(1))
    png = tmp_path / "back.png"
    assert run("decompress", str(out), "-o", str(png)).exit_code == 0
    decoded = np.asarray(Image.open(png)).astype(np.float64)
    original = np.asarray(Image.open(photo_png)).astype(np.float64)
    psnr = 10 * math.log10(255**2 / np.mean((decoded - original) ** 2))
    assert abs(psnr - reported_psnr) < 0.006


def test_info_prints_the_header(installed, photo_png, tmp_path):
    out = tmp_path / "p.ncz"
    run("compress", str(photo_png), "-o", str(out), "--model", "tiny-fp", "-q", "33")
    result = run("info", str(out))
    assert result.exit_code == 0
    assert "tiny-fp" in result.output and "33" in result.output and "128" in result.output


def test_models_lists_installed_models(installed):
    result = run("models")
    assert result.exit_code == 0
    assert "tiny-hp" in result.output and "tiny-fp" in result.output


def test_refuses_to_overwrite_without_force(installed, photo_png, tmp_path):
    out = tmp_path / "p.ncz"
    out.write_bytes(b"keep me")
    assert_clean_error(run("compress", str(photo_png), "-o", str(out)), "exists.*--force")
    assert out.read_bytes() == b"keep me"
    assert run("compress", str(photo_png), "-o", str(out), "--force").exit_code == 0
    png = tmp_path / "x.png"
    png.write_bytes(b"keep")
    assert_clean_error(run("decompress", str(out), "-o", str(png)), "exists.*--force")
    assert png.read_bytes() == b"keep"


@pytest.fixture
def good_ncz(installed, photo_png, tmp_path) -> Path:
    out = tmp_path / "good.ncz"
    assert run("compress", str(photo_png), "-o", str(out), "--model", "tiny-hp").exit_code == 0
    return out


def test_bad_compressed_files_give_clear_errors(good_ncz, tmp_path):
    data = good_ncz.read_bytes()
    cases = {
        "empty": (b"", "empty"),
        "truncated": (data[: len(data) // 2], "truncat|corrupt"),
        "wrong-magic": (b"XXXX" + data[4:], "not an .ncz"),
        "text": (b"hello world\n" * 4, "not an .ncz"),
    }
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x10
    cases["flipped"] = (bytes(flipped), "corrupt|checksum")
    for name, (content, pattern) in cases.items():
        path = tmp_path / f"{name}.ncz"
        path.write_bytes(content)
        assert_clean_error(
            run("decompress", str(path), "-o", str(tmp_path / f"{name}.png")), pattern
        )
        assert not (tmp_path / f"{name}.png").exists()


def test_missing_input_and_non_image(installed, tmp_path):
    assert_clean_error(
        run("compress", str(tmp_path / "nope.png"), "-o", str(tmp_path / "a.ncz")),
        "not found|no such",
    )
    text = tmp_path / "notes.png"
    text.write_text("this is not an image")
    assert_clean_error(run("compress", str(text), "-o", str(tmp_path / "b.ncz")), "not an image")
    assert_clean_error(
        run("decompress", str(tmp_path / "nope.ncz"), "-o", str(tmp_path / "c.png")), "no such file"
    )


def test_unknown_model_when_compressing_and_decoding(installed, good_ncz, tmp_path, monkeypatch):
    assert_clean_error(
        run("compress", str(good_ncz), "-o", str(tmp_path / "a.ncz"), "--model", "no-such-model"),
        "not installed|not an image",
    )
    # A file whose model is not installed (here: the install folder is emptied).
    empty = tmp_path / "empty-weights"
    empty.mkdir()
    monkeypatch.setenv("NCODEC_WEIGHTS_PATH", str(empty))
    import ncodec.zoo

    monkeypatch.setattr(ncodec.zoo, "weights_dirs", lambda: [empty])
    assert_clean_error(
        run("decompress", str(good_ncz), "-o", str(tmp_path / "d.png")), "tiny-hp.*not installed"
    )


def test_changed_weights_are_detected(installed, good_ncz, tmp_path, monkeypatch):
    from tests.conftest import make_tiny_weights

    other = tmp_path / "other"
    other.mkdir()
    make_tiny_weights(other, seed=1)
    import ncodec.zoo

    monkeypatch.setattr(ncodec.zoo, "weights_dirs", lambda: [other])
    assert_clean_error(run("decompress", str(good_ncz), "-o", str(tmp_path / "d.png")), "weights")


@pytest.mark.parametrize(
    ("name", "array", "mode_out"),
    [
        ("gray", np.arange(7 * 13, dtype=np.uint8).reshape(7, 13), "L"),
        ("rgba", np.full((9, 11, 4), 200, dtype=np.uint8), "RGB"),
        ("one", np.array([[[10, 20, 30]]], dtype=np.uint8), "RGB"),
    ],
)
def test_odd_images_compress_with_a_notice_and_decode(installed, tmp_path, name, array, mode_out):
    src = tmp_path / f"{name}.png"
    Image.fromarray(array).save(src)
    out = tmp_path / f"{name}.ncz"
    result = run("compress", str(src), "-o", str(out), "--model", "tiny-fp")
    assert result.exit_code == 0, result.output
    if name in ("gray", "rgba"):
        assert "notice:" in result.output
    png = tmp_path / f"{name}-back.png"
    assert run("decompress", str(out), "-o", str(png)).exit_code == 0
    with Image.open(png) as back:
        assert back.mode == mode_out
        assert back.size == (array.shape[1], array.shape[0])


def test_sixteen_bit_png_is_scaled_not_clipped(installed, tmp_path):
    import imagecodecs

    ramp = (np.linspace(0, 65535, 16 * 16).reshape(16, 16)).astype(np.uint16)
    rgb16 = np.stack([ramp, ramp[::-1], ramp.T], axis=-1)
    src = tmp_path / "deep.png"
    src.write_bytes(imagecodecs.png_encode(rgb16))
    out = tmp_path / "deep.ncz"
    result = run("compress", str(src), "-o", str(out), "--model", "tiny-fp")
    assert result.exit_code == 0, result.output
    assert "16-bit" in result.output
