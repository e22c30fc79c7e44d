"""The harness: exact real rates, skipped bad images, resume after interrupts, parallel jobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ncodec.errors import InputError, OutputExistsError
from ncodec.eval import harness
from ncodec.eval.harness import TimingSettings, run_evaluation
from ncodec.eval.records import RECORDS_FILE
from ncodec.eval.registry import resolve_codec
from ncodec.io import load_rgb

FAST = TimingSettings(threads=1, warmup=0, repeats=1)
CODECS = ["jpeg:q=30/70", "webp:q=50"]


def run(data: Path, out: Path, codecs=CODECS, **kwargs):
    """run_evaluation with fast timing and no progress bar."""
    kwargs.setdefault("timing", FAST)
    return run_evaluation(data, codecs, out, progress=False, **kwargs)


def count_measurements(monkeypatch) -> list:
    """Record every (image shape, codec, quality) the harness actually measures."""
    calls: list = []
    original = harness.measure_point

    def counting(codec, image, quality, timing):
        """measure_point that logs its calls."""
        calls.append((codec.spec, quality))
        return original(codec, image, quality, timing)

    monkeypatch.setattr(harness, "measure_point", counting)
    return calls


def test_every_image_codec_quality_is_measured_with_the_real_file_size(image_dir, tmp_path):
    result = run(image_dir, tmp_path / "out")
    assert result.images == ["a.png", "b.png"]
    assert len(result.records) == 2 * 3
    jpeg = resolve_codec("jpeg")
    for record in result.records:
        assert record["bpp"] == record["bytes"] * 8 / (192 * 176)
        assert record["encoding_cpu_s"] >= 0 and record["decoding_time_s"] > 0
        assert 0 < record["ms_ssim_rgb"] < 1 and record["psnr_rgb"] > 25
        if record["codec"] == "jpeg":
            image = load_rgb(image_dir / record["image"])
            assert record["bytes"] == len(jpeg.encode(image, record["quality"]))
    lines = (tmp_path / "out" / RECORDS_FILE).read_text().splitlines()
    assert len(lines) == 6


def test_one_bad_image_is_reported_and_skipped(image_dir, tmp_path):
    (image_dir / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    warnings: list[str] = []
    result = run(image_dir, tmp_path / "out", warn=warnings.append)
    assert list(result.skipped) == ["broken.png"]
    assert result.images == ["a.png", "b.png"]
    assert len(result.records) == 6
    assert any("broken.png" in w for w in warnings)


def test_empty_or_unreadable_folders_are_input_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no images found"):
        run(empty, tmp_path / "o1")
    with pytest.raises(InputError, match="image folder not found"):
        run(tmp_path / "missing", tmp_path / "o2")
    (empty / "x.jpg").write_bytes(b"garbage")
    with pytest.raises(InputError, match="none of the images could be read"):
        run(empty, tmp_path / "o3")


def test_resume_skips_finished_points_and_measures_only_new_ones(image_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = run(image_dir, out)
    calls = count_measurements(monkeypatch)
    again = run(image_dir, out)
    assert calls == []
    assert again.records == first.records
    bigger = run(image_dir, out, codecs=[*CODECS, "jpeg2000:q=30"])
    assert calls == [("jpeg2000", 30), ("jpeg2000", 30)]  # one per image
    assert len(bigger.records) == 8


def test_an_interrupted_run_resumes_where_it_stopped(image_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    original = harness.measure_point
    done = []

    def interrupting(codec, image, quality, timing):
        """measure_point that simulates Ctrl-C after two points."""
        if len(done) == 2:
            raise KeyboardInterrupt
        done.append(quality)
        return original(codec, image, quality, timing)

    monkeypatch.setattr(harness, "measure_point", interrupting)
    with pytest.raises(KeyboardInterrupt):
        run(image_dir, out)
    monkeypatch.setattr(harness, "measure_point", original)
    path = out / RECORDS_FILE
    assert len(path.read_text().splitlines()) == 2
    with path.open("a") as fh:
        fh.write('{"image": "a.png", "codec": "jp')  # a line cut short by the interrupt
    calls = count_measurements(monkeypatch)
    result = run(image_dir, out)
    assert len(calls) == 4
    assert len(result.records) == 6
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_fresh_starts_over(image_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(image_dir, out)
    calls = count_measurements(monkeypatch)
    result = run(image_dir, out, fresh=True)
    assert len(calls) == 6 and len(result.records) == 6


def test_resuming_with_other_threads_is_refused_and_timing_is_kept_per_record(image_dir, tmp_path):
    out = tmp_path / "out"
    first = run(image_dir, out, codecs=["jpeg:q=50"])
    assert {(r["warmup"], r["repeats"], r["threads"]) for r in first.records} == {(0, 1, 1)}
    with pytest.raises(InputError, match="other settings"):
        run(image_dir, out, codecs=["jpeg:q=50"], timing=TimingSettings(threads=2))
    more = run(image_dir, out, codecs=["jpeg:q=50/60"], timing=TimingSettings(warmup=1))
    assert sorted((r["quality"], r["warmup"], r["repeats"]) for r in more.records) == [
        (50, 0, 1),
        (50, 0, 1),
        (60, 1, 3),
        (60, 1, 3),
    ]


def test_a_foreign_output_folder_is_not_touched(image_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(OutputExistsError, match="not an ncodec eval folder"):
        run(image_dir, out)
    assert (out / "thesis.tex").read_text() == "precious"


def test_a_failing_point_is_reported_not_fatal(image_dir, tmp_path, fake_api):
    fake_api(ladder=(20, 60), fail_at=60)
    warnings: list[str] = []
    result = run(image_dir, tmp_path / "out", codecs=["jpeg:q=50", "ncodec"], warn=warnings.append)
    assert len(result.failures) == 2
    assert all("fake model failure" in f["error"] for f in result.failures)
    assert len(result.records) == 2 + 2  # jpeg on both images, ncodec q=20 on both
    assert len(warnings) == 2


@pytest.mark.slow  # spawning worker processes imports torch in each (~10-30 s on a busy machine)
def test_parallel_jobs_give_the_same_files(image_dir, tmp_path):
    serial = run(image_dir, tmp_path / "serial", codecs=["jpeg:q=40"])
    parallel = run(image_dir, tmp_path / "parallel", codecs=["jpeg:q=40"], jobs=2)

    def sizes(result):
        """Comparable (image, bytes, PSNR) triples."""
        return sorted((r["image"], r["bytes"], r["psnr_rgb"]) for r in result.records)

    assert sizes(parallel) == sizes(serial)


def test_bad_numbers_of_threads_or_jobs(image_dir, tmp_path):
    with pytest.raises(InputError, match="--jobs"):
        run(image_dir, tmp_path / "out", jobs=0)
    with pytest.raises(InputError, match="--threads"):
        run(image_dir, tmp_path / "out", timing=TimingSettings(threads=0))


def test_timing_images_times_only_the_first_images(image_dir, tmp_path):
    from ncodec.eval.aggregate import average_curves

    careful = TimingSettings(warmup=1, repeats=2)
    result = run(image_dir, tmp_path / "out", codecs=["jpeg:q=50"], timing=careful, timing_images=1)
    settings = {r["image"]: (r["warmup"], r["repeats"]) for r in result.records}
    assert settings == {"a.png": (1, 2), "b.png": (0, 1)}
    curve = average_curves(result.records, result.codecs, result.images)["jpeg"]
    timed_a = next(r for r in result.records if r["image"] == "a.png")
    assert curve["decoding_cpu_s"] == [timed_a["decoding_cpu_s"]]  # b.png is not in the mean
    assert curve["bpp"] == [sum(r["bpp"] for r in result.records) / 2]  # but is in the R-D mean


def test_points_of_retrained_weights_are_measured_again(image_dir, tmp_path, fake_api, monkeypatch):
    from ncodec.eval import neural

    fake_api(ladder=(20,))
    monkeypatch.setattr(neural, "_weights_tag", lambda model: ", weights aaaa")
    out = tmp_path / "out"
    first = run(image_dir, out, codecs=["ncodec", "jpeg:q=50"])
    assert "ncodec 0.1.0 (fake, weights aaaa)" in {r["version"] for r in first.records}
    monkeypatch.setattr(neural, "_weights_tag", lambda model: ", weights bbbb")
    calls = count_measurements(monkeypatch)
    warnings: list[str] = []
    second = run(image_dir, out, codecs=["ncodec"], warn=warnings.append)
    assert len(calls) == 2
    assert {r["version"] for r in second.records} == {"ncodec 0.1.0 (fake, weights bbbb)"}
    assert warnings == [
        "ignoring 2 stored point(s) of other codec versions; they are measured again"
    ]
    warnings.clear()
    run(image_dir, out, codecs=["jpeg:q=50"], warn=warnings.append)
    assert warnings == []  # records of codecs outside this run are neither stale nor touched


def test_report_only_measures_nothing_and_keeps_stored_versions(
    image_dir, tmp_path, fake_api, monkeypatch
):
    from ncodec.eval import neural

    fake_api(ladder=(20,))
    monkeypatch.setattr(neural, "_weights_tag", lambda model: ", weights aaaa")
    out = tmp_path / "out"
    run(image_dir, out, codecs=["ncodec"])
    monkeypatch.setattr(neural, "_weights_tag", lambda model: ", weights bbbb")
    calls = count_measurements(monkeypatch)
    result = run(image_dir, out, codecs=["ncodec", "jpeg:q=50"], report_only=True)
    assert calls == []
    assert len(result.records) == 2
    assert result.codecs[0].version == "ncodec 0.1.0 (fake, weights aaaa)"
    with pytest.raises(InputError, match="contradict"):
        run(image_dir, out, codecs=["ncodec"], report_only=True, fresh=True)


def test_a_slow_encoder_is_encoded_once_while_decoding_keeps_its_repeats():
    import numpy as np

    from ncodec.eval.codec import Codec

    calls = {"encode": 0, "decode": 0}
    image = np.zeros((8, 8, 3), dtype=np.uint8)

    def encode(rgb, quality):
        calls["encode"] += 1
        return b"x"

    def decode(data):
        calls["decode"] += 1
        return image

    for once, encodes in ((False, 3), (True, 1)):
        calls.update(encode=0, decode=0)
        codec = Codec("fake", encode, decode, (1,), (1, 1), "0", encode_once=once)
        record = harness.measure_point(codec, image, 1, TimingSettings(warmup=1, repeats=2))
        assert calls == {"encode": encodes, "decode": 3}
        assert (record["encode_warmup"], record["encode_repeats"]) == ((0, 1) if once else (1, 2))
