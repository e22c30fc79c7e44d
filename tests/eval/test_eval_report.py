"""Averaged curves, BD table, reference curves, plots and the `ncodec eval` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ncodec.cli import main
from ncodec.errors import InputError
from ncodec.eval.aggregate import average_curves, complete_images
from ncodec.eval.harness import TimingSettings, run_evaluation
from ncodec.eval.reference import load_reference
from ncodec.eval.registry import resolve_codec
from ncodec.eval.report import build_results, choose_anchor, render_bd_markdown
from ncodec.eval.timing import timed

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FAST = ["--warmup", "0", "--repeats", "1", "--no-progress"]


def write_reference(path: Path) -> Path:
    """A reference file whose "half-jpeg" curve is our JPEG ladder at exactly half the rate."""
    path.write_text(
        json.dumps(
            {
                "curves": {
                    "toy": {"bpp": [0.2, 0.5, 1.0, 2.0], "psnr_rgb": [26, 30, 34, 38]},
                    "toy-ms": {
                        "bpp": [0.2, 1.0],
                        "psnr_rgb": [26, 34],
                        "ms_ssim_rgb": [0.9, 0.99],
                    },
                }
            }
        )
    )
    return path


def test_averages_are_per_image_means_over_complete_images():
    jpeg = resolve_codec("jpeg:q=10/50")
    records = [
        {
            "image": "a",
            "codec": "jpeg",
            "quality": 10,
            "bpp": 0.2,
            "psnr_rgb": 30.0,
            "ms_ssim_rgb": 0.9,
        },
        {
            "image": "b",
            "codec": "jpeg",
            "quality": 10,
            "bpp": 0.4,
            "psnr_rgb": 34.0,
            "ms_ssim_rgb": 0.99,
        },
        {
            "image": "a",
            "codec": "jpeg",
            "quality": 50,
            "bpp": 1.0,
            "psnr_rgb": 40.0,
            "ms_ssim_rgb": 0.99,
        },
    ]  # image b lacks q=50: it is not complete
    assert complete_images(records, [jpeg], ["a", "b"]) == ["a"]
    both = average_curves(records[:2], [resolve_codec("jpeg:q=10")], ["a", "b"])["jpeg"]
    assert both["bpp"] == [pytest.approx(0.3)]
    assert both["psnr_rgb"] == [pytest.approx(32.0)]  # mean of per-image PSNR, not of MSE
    assert both["ms_ssim_db"] == [pytest.approx(-10 * __import__("math").log10(1 - 0.945))]


def test_reference_curves_are_labelled_and_filtered(tmp_path):
    path = write_reference(tmp_path / "ref.json")
    curves = load_reference(path)
    assert set(curves) == {"toy (published)", "toy-ms (published)"}
    assert curves["toy-ms (published)"]["ms_ssim_db"] == [pytest.approx(10), pytest.approx(20)]
    assert list(load_reference(path, ["toy"])) == ["toy (published)"]
    with pytest.raises(InputError, match="no curve named 'nope'"):
        load_reference(path, ["nope"])
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(InputError, match="not a reference curve file"):
        load_reference(tmp_path / "bad.json")


def test_anchor_choice():
    assert choose_anchor(None, ["webp", "jpeg"], []) == "jpeg"
    assert choose_anchor(None, ["webp"], []) == "webp"
    assert choose_anchor("bpg444", ["jpeg"], ["bpg444 (published)"]) == "bpg444 (published)"
    with pytest.raises(InputError, match="--anchor 'x'"):
        choose_anchor("x", ["jpeg"], [])


def test_results_and_bd_table(image_dir, tmp_path):
    run = run_evaluation(
        image_dir,
        ["jpeg:q=20/50/80", "webp:q=20/50/80"],
        tmp_path / "out",
        TimingSettings(warmup=0, repeats=1),
        progress=False,
    )
    reference = load_reference(write_reference(tmp_path / "ref.json"))
    results, rows = build_results(run, "jpeg", reference)
    assert results["dataset"]["n_images"] == 2
    assert results["curves"]["jpeg"]["quality"] == [20, 50, 80]
    assert results["codecs"]["webp"]["settings"]["lossless"] is False
    by_name = {row.name: row for row in rows}
    assert by_name["jpeg"].bd_rate_psnr.value == pytest.approx(0.0, abs=1e-9)
    assert by_name["toy (published)"].decode_cpu_s is None  # timed elsewhere: not reported
    assert by_name["webp"].decode_cpu_s > 0
    text = render_bd_markdown(results, rows)
    assert "| **jpeg** (anchor) | +0.0 |" in text
    assert "toy (published)" in text
    assert "libwebp" in text
    assert "timing: median of 1 after 0 warm-up" in text


def test_cli_end_to_end_writes_all_outputs(image_dir, tmp_path):
    out = tmp_path / "out"
    ref = write_reference(tmp_path / "ref.json")
    args = [
        "eval",
        str(image_dir),
        "--codecs",
        "jpeg:q=20/50/80,avif:q=20/50/80",
        "--out",
        str(out),
        "--reference",
        str(ref),
        *FAST,
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert set(results["curves"]) == {"jpeg", "avif"}
    assert len(results["per_image"]) == 2 * 6
    assert results["method"]["timing"]["repeats"] == 1
    assert "avif" in (out / "bd_rate.md").read_text()
    for name in ("rd_psnr.png", "rd_msssim.png", "speed_vs_bdrate.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--codecs", "gif"], "unknown codec 'gif'"),
        (["--codecs", "jpeg:q=101"], "outside the valid range"),
        (["--codecs", "jpeg", "--anchor", "webp"], "--anchor 'webp'"),
        (["--reference-curves", "x"], "needs --reference"),
    ],
)
def test_cli_user_errors_are_one_line_exit_2(image_dir, tmp_path, extra, message):
    result = CliRunner().invoke(main, ["eval", str(image_dir), "--out", str(tmp_path), *extra])
    assert result.exit_code == 2
    assert result.output.startswith("ncodec: error: ")
    assert message in result.output
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_cli_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["eval", str(tmp_path / "empty"), "--codecs", "jpeg"])
    assert result.exit_code == 2
    assert "no images found" in result.output


def test_timed_keeps_the_last_result_and_runs_warmup_plus_repeats():
    values = iter([1, 2, 3, 4])
    measured = timed(lambda: next(values), warmup=1, repeats=3)
    assert measured.result == 4
    assert measured.wall_s >= 0 and measured.cpu_s >= 0
    assert measured.peak_bytes is None


def test_timed_sees_the_peak_memory_of_a_large_allocation():
    import numpy as np

    measured = timed(lambda: float(np.ones(20_000_000).sum()), 0, 1, measure_peak=True)  # 160 MB
    assert measured.result == 20_000_000.0
    if measured.peak_bytes is None:
        pytest.skip("kernel does not allow resetting the peak RSS")
    assert 150e6 < measured.peak_bytes < 400e6
