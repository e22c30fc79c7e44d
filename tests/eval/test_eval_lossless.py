"""`ncodec eval --lossless`: real file sizes per subpixel, exact round trips, learned lossless
models beside the classical codecs, bad round trips as errors, resume."""

from __future__ import annotations

import json
from pathlib import Path

import imagecodecs
import numpy as np
import pytest
from click.testing import CliRunner

from ncodec.cli import main
from ncodec.errors import InputError
from ncodec.eval import lossless
from ncodec.eval.harness import TimingSettings
from ncodec.eval.lossless import run_lossless
from ncodec.eval.lossless_codecs import LosslessCodec, resolve_lossless_codec
from ncodec.eval.records import RECORDS_FILE

FAST = TimingSettings(threads=1, warmup=0, repeats=1)
FAST_ARGS = ["--warmup", "0", "--repeats", "1", "--no-progress"]


@pytest.fixture
def mixed_dir(tmp_path: Path, eval_photo: np.ndarray) -> Path:
    """A colour photo crop and a 28x28 gray digit-like image (8-bit PNGs)."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "photo.png").write_bytes(imagecodecs.png_encode(eval_photo[:64, :80]))
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255
    digit[6:22, 11] = 90
    (folder / "digit.png").write_bytes(imagecodecs.png_encode(digit))
    return folder


def eval_lossless(data: Path, out: Path, *extra: str):
    """Invoke `ncodec eval --lossless` with fast timing."""
    args = ["eval", str(data), "--lossless", "--out", str(out), *FAST_ARGS, *extra]
    return CliRunner().invoke(main, args)


def test_classical_rates_are_real_file_bytes_per_subpixel(mixed_dir, tmp_path):
    result = eval_lossless(mixed_dir, tmp_path / "out")
    assert result.exit_code == 0, result.output
    records = [
        json.loads(line) for line in (tmp_path / "out" / RECORDS_FILE).read_text().splitlines()
    ]
    assert {r["codec"] for r in records} == {"png", "webp-lossless", "jpegxl-lossless"}
    assert len(records) == 6
    photo = imagecodecs.png_decode((mixed_dir / "photo.png").read_bytes())
    for record in records:
        channels = 1 if record["image"] == "digit.png" else 3
        assert record["channels"] == channels
        assert record["bits_per_subpixel"] == 8 * record["bytes"] / record["subpixels"]
        assert record["subpixels"] == record["height"] * record["width"] * channels
        if record["codec"] == "png" and record["image"] == "photo.png":
            assert record["bytes"] == len(imagecodecs.png_encode(photo, level=9))
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    png = next(r for r in results["codecs"] if r["codec"] == "png")
    png_records = [r for r in records if r["codec"] == "png"]
    total = sum(r["bytes"] for r in png_records)
    assert png["bits_per_subpixel"] == 8 * total / sum(r["subpixels"] for r in png_records)
    assert "| webp-lossless |" in (tmp_path / "out" / "lossless.md").read_text()
    assert (tmp_path / "out" / "lossless.png").stat().st_size > 0


def test_a_codec_that_does_not_round_trip_is_an_error_not_a_number(
    mixed_dir, tmp_path, monkeypatch
):
    def broken(text: str, threads: int = 1) -> LosslessCodec:
        """png whose decoder changes one pixel."""
        codec = resolve_lossless_codec(text, threads)

        def decode(data: bytes) -> np.ndarray:
            pixels = codec.decode(data).copy()
            pixels.flat[0] ^= 1
            return pixels

        return LosslessCodec(codec.spec, codec.encode, decode, codec.version)

    monkeypatch.setattr(lossless, "resolve_lossless_codec", broken)
    result = eval_lossless(mixed_dir, tmp_path / "out", "--codecs", "png")
    assert result.exit_code != 0
    assert "round trip failed for png" in result.output
    assert (
        not (tmp_path / "out" / RECORDS_FILE).exists()
        or not (tmp_path / "out" / RECORDS_FILE).read_text()
    )
    assert "round trip failed" in (tmp_path / "out" / "lossless.md").read_text()


def test_a_learned_digit_model_codes_digits_and_refuses_photos(mixed_dir, tmp_path):
    warnings: list[str] = []
    run = run_lossless(
        mixed_dir,
        ["png", "ncodec:pc-mnist"],
        tmp_path / "out",
        FAST,
        progress=False,
        warn=warnings.append,
    )
    learned = [r for r in run.records if r["codec"] == "ncodec:pc-mnist"]
    assert [r["image"] for r in learned] == ["digit.png"]
    assert learned[0]["channels"] == 1 and learned[0]["bytes"] > 37  # a whole .ncz
    assert [f["image"] for f in run.failures] == ["photo.png"]
    assert not run.failures[0]["round_trip"]
    assert any("colour image" in w for w in warnings)


def test_resume_measures_nothing_twice(mixed_dir, tmp_path, monkeypatch):
    run_lossless(mixed_dir, ["png"], tmp_path / "out", FAST, progress=False)
    calls: list = []
    original = lossless.measure_lossless
    monkeypatch.setattr(
        lossless, "measure_lossless", lambda *a: calls.append(a[0].spec) or original(*a)
    )
    run = run_lossless(
        mixed_dir, ["png", "jpegxl-lossless"], tmp_path / "out", FAST, progress=False
    )
    assert calls == ["jpegxl-lossless", "jpegxl-lossless"]
    assert len(run.records) == 4


def test_images_that_are_not_exact_8_bit_are_skipped(mixed_dir, tmp_path):
    deep = np.arange(28 * 28, dtype=np.uint16).reshape(28, 28) * 80
    (mixed_dir / "deep.png").write_bytes(imagecodecs.png_encode(deep))
    warnings: list[str] = []
    run = run_lossless(
        mixed_dir, ["png"], tmp_path / "out", FAST, progress=False, warn=warnings.append
    )
    assert "deep.png" in run.skipped and run.images == ["digit.png", "photo.png"]
    assert any("deep.png" in w for w in warnings)


@pytest.mark.parametrize(
    ("codecs", "extra", "message"),
    [
        ("jpeg", [], "unknown lossless codec 'jpeg'"),
        ("webp-lossless:method=9", [], "outside the valid range"),
        ("png:effort=3", [], "unknown option 'effort'"),
        ("ncodec:hyperprior-mse", [], "not a lossless model"),
        ("png", ["--anchor", "png"], "--lossless takes none of"),
    ],
)
def test_bad_lossless_options_are_one_line_errors(mixed_dir, tmp_path, codecs, extra, message):
    result = eval_lossless(mixed_dir, tmp_path / "out", "--codecs", codecs, *extra)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_lossy_eval_folder_is_not_mixed_with_lossless_records(image_dir, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    lossy = runner.invoke(
        main, ["eval", str(image_dir), "--codecs", "jpeg:q=30/70", "--out", str(out), *FAST_ARGS]
    )
    assert lossy.exit_code == 0, lossy.output
    with pytest.raises(InputError, match="other settings"):
        run_lossless(image_dir, ["png"], out, FAST, progress=False)
