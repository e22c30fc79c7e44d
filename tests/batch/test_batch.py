"""`ncodec batch`: planning, resumable runs and failures, on an in-process Dask cluster.

The same commands on a local cluster of two worker processes, interrupted and resumed, are in
test_batch_cluster.py (`make test-multiprocess`).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ncodec import api
from ncodec.batch.plan import plan_jobs
from ncodec.cli import main
from ncodec.errors import InputError

FAST = ["--in-process", "--no-progress", "--workers", "2"]


@pytest.fixture
def photos(photo, tmp_path):
    """Three small photos, one in a subfolder."""
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    Image.fromarray(photo).save(folder / "a.png")
    Image.fromarray(np.ascontiguousarray(photo[:, ::-1])).save(folder / "b.png")
    Image.fromarray(np.ascontiguousarray(photo[::-1])).save(folder / "sub" / "c.png")
    return folder


def _batch(*args):
    result = CliRunner().invoke(main, ["batch", *args, *FAST])
    return result


def test_plan_from_folder_and_manifest(photos, tmp_path):
    out = tmp_path / "out"
    plan = plan_jobs("compress", photos, out)
    assert [j.target for j in plan.todo] == [
        str(out / "a.ncz"),
        str(out / "b.ncz"),
        str(out / "sub" / "c.ncz"),
    ]
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "c.ncz").write_bytes(b"done")
    manifest = photos / "list.txt"
    manifest.write_text("# two of them\nsub/c.png\n\na.png\n")
    plan = plan_jobs("eval", manifest, out)
    assert [j.source for j in plan.todo] == [str(photos / "sub/c.png"), str(photos / "a.png")]
    plan = plan_jobs("compress", manifest, out)
    assert plan.finished == [out / "sub" / "c.ncz"] and len(plan.todo) == 1
    manifest.write_text("a.png\nmissing.png\n")
    with pytest.raises(InputError, match="missing file"):
        plan_jobs("compress", manifest, out)
    Image.open(photos / "a.png").save(photos / "a.bmp")
    with pytest.raises(InputError, match="would both write"):
        plan_jobs("compress", photos, out)


def test_compress_resume_decompress_eval(installed, photos, tmp_path):
    out = tmp_path / "ncz"
    result = _batch("compress", str(photos), "--out", str(out), "--model", "tiny-hp", "-q", "40")
    assert result.exit_code == 0, result.output
    coded = sorted(out.rglob("*.ncz"))
    assert [p.relative_to(out).as_posix() for p in coded] == ["a.ncz", "b.ncz", "sub/c.ncz"]
    pixels = api.load_image_array(np.asarray(Image.open(photos / "a.png")))
    expected = api.compress(pixels, "tiny-hp", 40)
    assert (out / "a.ncz").read_bytes() == expected  # same file as a single compress

    (out / "b.ncz").unlink()  # as if the run had been interrupted before b
    before = (out / "a.ncz").stat().st_mtime_ns
    again = _batch("compress", str(photos), "--out", str(out), "--model", "tiny-hp", "-q", "40")
    assert again.exit_code == 0 and "2 finished earlier, 1 to do" in again.output
    assert (out / "b.ncz").exists() and (out / "a.ncz").stat().st_mtime_ns == before

    pngs = tmp_path / "png"
    result = _batch("decompress", str(out), "--out", str(pngs))
    assert result.exit_code == 0, result.output
    with Image.open(pngs / "sub" / "c.png") as im:
        assert im.size == (128, 96)

    evals = tmp_path / "eval"
    result = _batch("eval", str(photos), "--out", str(evals), "--model", "tiny-fp")
    assert result.exit_code == 0, result.output
    summary = json.loads((evals / "summary.json").read_text())
    assert summary["images"] == 3 and summary["models"] == ["tiny-fp"]
    record = json.loads((evals / "a.json").read_text())
    assert record["bytes"] > 0 and record["psnr"] > 5 and record["ms_ssim"] is None  # < 161 px


def test_failures_are_reported_and_the_rest_is_done(installed, photos, tmp_path):
    coded = tmp_path / "ncz"
    assert _batch("compress", str(photos), "--out", str(coded), "--model", "tiny-hp").exit_code == 0
    damaged = bytearray((coded / "a.ncz").read_bytes())
    damaged[-6] ^= 0xFF
    (coded / "a.ncz").write_bytes(bytes(damaged))
    result = _batch("decompress", str(coded), "--out", str(tmp_path / "png"))
    assert result.exit_code == 2
    assert "a.ncz: corrupted" in result.output and "1 of 3 files failed" in result.output
    assert sorted(p.name for p in (tmp_path / "png").rglob("*.png")) == ["b.png", "c.png"]


def test_user_mistakes_are_one_line(installed, photos, tmp_path):
    for args, message in (
        (["compress", str(tmp_path / "nowhere"), "--out", str(tmp_path)], "input not found"),
        (["compress", str(photos), "--out", str(tmp_path), "--model", "nope"], "not installed"),
        (["decompress", str(photos), "--out", str(tmp_path)], "no .ncz files"),
    ):
        result = _batch(*args)
        assert result.exit_code == 2 and message in result.output, result.output
