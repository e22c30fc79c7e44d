"""`ncodec compress/decompress --model` with a circuit: a PNG digit and npz/npy batches round-trip
exactly; 16-bit, float, colour, wrongly sized and empty inputs are one-line errors."""

from __future__ import annotations

import io

import imagecodecs
import numpy as np
import pytest
from circuit_strokes import strokes
from click.testing import CliRunner
from PIL import Image

from ncodec.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_png_digit_and_npz_batch_round_trip(pc_installed, tmp_path):
    digit = strokes(1, seed=4)[0]
    (tmp_path / "d.png").write_bytes(imagecodecs.png_encode(digit))
    result = run(
        "compress", str(tmp_path / "d.png"), "--model", "pc-tiny", "-o", str(tmp_path / "d.ncz")
    )
    assert result.exit_code == 0, result.output
    assert "bits per pixel" in result.output
    result = run("decompress", str(tmp_path / "d.ncz"), "-o", str(tmp_path / "e.png"))
    assert result.exit_code == 0, result.output
    restored = Image.open(tmp_path / "e.png")
    assert restored.mode == "L"
    np.testing.assert_array_equal(np.asarray(restored), digit)

    batch = strokes(20, seed=6)
    np.savez(tmp_path / "b.npz", x=batch)
    result = run(
        "compress", str(tmp_path / "b.npz"), "--model", "pc-tiny", "-o", str(tmp_path / "b.ncz")
    )
    assert result.exit_code == 0 and "20 images" in result.output, result.output
    assert run("decompress", str(tmp_path / "b.ncz"), "-o", str(tmp_path / "c.npz")).exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "c.npz")["x"], batch)
    refused = run("decompress", str(tmp_path / "b.ncz"), "-o", str(tmp_path / "c.png"))
    assert refused.exit_code != 0 and "write them to .npz" in refused.output


def _png(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, format="TIFF" if array.dtype == np.float32 else "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deep.png", _png(strokes(1)[0].astype(np.uint16) * 257), "8-bit grayscale"),
        ("float.tif", _png(strokes(1)[0].astype(np.float32) / 255), "8-bit grayscale"),
        ("big.png", _png(np.zeros((32, 32), np.uint8)), "28x28"),
        (
            "colour.png",
            _png(np.dstack([strokes(1)[0], np.zeros((28, 28, 2), np.uint8)])),
            "grayscale",
        ),
        ("empty.npz", None, "empty"),
    ],
)
def test_bad_inputs_are_one_line_errors_and_write_nothing(
    pc_installed, tmp_path, name, content, message
):
    source = tmp_path / name
    if content is None:
        np.savez(source, x=np.zeros((0, 28, 28), np.uint8))
    else:
        source.write_bytes(content)
    result = run("compress", str(source), "--model", "pc-tiny", "-o", str(tmp_path / "out.ncz"))
    assert result.exit_code != 0
    assert message in result.output and result.output.count("\n") == 1, result.output
    assert not (tmp_path / "out.ncz").exists()


def test_npy_batches_and_single_digits_round_trip(pc_installed, tmp_path):
    batch = strokes(5, seed=8)
    np.save(tmp_path / "b.npy", batch)
    result = run(
        "compress", str(tmp_path / "b.npy"), "--model", "pc-tiny", "-o", str(tmp_path / "b.ncz")
    )
    assert result.exit_code == 0 and "5 images" in result.output, result.output
    assert run("decompress", str(tmp_path / "b.ncz"), "-o", str(tmp_path / "c.npy")).exit_code == 0
    restored = np.load(tmp_path / "c.npy", allow_pickle=False)
    np.testing.assert_array_equal(restored, batch)

    np.save(tmp_path / "one.npy", batch[2])  # H x W: a batch of one
    result = run(
        "compress", str(tmp_path / "one.npy"), "--model", "pc-tiny", "-o", str(tmp_path / "1.ncz")
    )
    assert result.exit_code == 0 and "1 image of" in result.output, result.output
    assert run("decompress", str(tmp_path / "1.ncz"), "-o", str(tmp_path / "1.png")).exit_code == 0
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "1.png")), batch[2])


def test_a_digit_file_without_a_model_names_the_digit_models(tmp_path):
    np.savez(tmp_path / "b.npz", x=strokes(2, seed=1))
    result = run("compress", str(tmp_path / "b.npz"), "-o", str(tmp_path / "b.ncz"))
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "holds digits" in result.output and "--model pc-mnist" in result.output
    assert not (tmp_path / "b.ncz").exists()


@pytest.mark.parametrize("content", ["text", "pickle", "npz"])
def test_npy_files_that_are_not_plain_arrays_are_one_line_errors(pc_installed, tmp_path, content):
    source = tmp_path / "x.npy"
    if content == "pickle":
        np.save(source, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif content == "npz":  # a zip archive under an .npy name: np.load opens it as an archive
        with source.open("wb") as handle:
            np.savez(handle, x=strokes(2, seed=2))
    else:
        source.write_bytes(b"not numpy at all\n")
    result = run("compress", str(source), "--model", "pc-tiny", "-o", str(tmp_path / "out.ncz"))
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "not a complete .npy file of a plain array" in result.output
    assert not (tmp_path / "out.ncz").exists()
