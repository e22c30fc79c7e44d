"""`files:DIR`: files encoded elsewhere are measured like a codec, each against its own image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ncodec import api
from ncodec.errors import InputError
from ncodec.eval.harness import TimingSettings, run_evaluation
from ncodec.eval.precomputed import MANIFEST, manifest_entry, pixels_sha256
from ncodec.eval.registry import resolve_codec
from ncodec.io import find_images, load_rgb
from ncodec.metrics import psnr

FAST = TimingSettings(threads=1, warmup=0, repeats=1)


def encode_folder(images: Path, out: Path, qualities: tuple[int, ...]) -> dict[str, int]:
    """Encode every image with the tiny model as another machine would; {file: bytes}."""
    out.mkdir()
    sizes = {}
    with (out / MANIFEST).open("w") as manifest:
        for path in find_images(images):
            rgb = load_rgb(path)
            for q in qualities:
                target = out / f"{path.stem}.q{q}.ncz"
                target.write_bytes(api.compress_image(rgb, "tiny-hp", q))
                manifest.write(manifest_entry(target, q, rgb, encode_note="elsewhere"))
                sizes[target.name] = target.stat().st_size
    return sizes


def test_precomputed_files_are_measured_with_their_sizes_and_no_encode_time(
    installed, image_dir, tmp_path
):
    files = tmp_path / "gpu-run"
    sizes = encode_folder(image_dir, files, (30, 70))
    run = run_evaluation(
        image_dir, [f"files:{files}", "jpeg:q=50"], tmp_path / "out", FAST, progress=False
    )
    mine = [r for r in run.records if r["codec"] == "files:gpu-run"]
    assert sorted((r["image"], r["quality"]) for r in mine) == [
        ("a.png", 30),
        ("a.png", 70),
        ("b.png", 30),
        ("b.png", 70),
    ]
    for r in mine:
        name = f"{Path(r['image']).stem}.q{r['quality']}.ncz"
        assert r["bytes"] == sizes[name]
        assert r["encoding_time_s"] is None and r["encoding_cpu_s"] is None
        assert r["decoding_time_s"] > 0
        decoded = api.decompress_image((files / name).read_bytes())
        assert r["psnr_rgb"] == psnr(load_rgb(image_dir / r["image"]), decoded)
    assert "tiny-hp" in mine[0]["version"]
    assert not run.failures


def test_a_file_is_found_by_the_pixels_it_encodes(installed, image_dir, tmp_path):
    files = tmp_path / "run"
    encode_folder(image_dir, files, (50,))
    codec = resolve_codec(f"files:{files}")
    a = load_rgb(image_dir / "a.png")
    assert codec.encode(a, 50) == (files / "a.q50.ncz").read_bytes()
    with pytest.raises(InputError, match="no file encodes this image at quality 50"):
        codec.encode(np.ascontiguousarray(a[:, ::-1][::-1]), 50)
    with pytest.raises(InputError, match="at quality 60"):
        codec.encode(a, 60)


def test_the_digest_covers_pixels_and_shape():
    x = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    assert pixels_sha256(x) == pixels_sha256(x.copy())
    assert pixels_sha256(x) != pixels_sha256(x.reshape(4, 2, 3))
    y = x.copy()
    y[1, 3, 2] ^= 1
    assert pixels_sha256(x) != pixels_sha256(y)


def test_bad_folders_and_manifests_are_one_line_errors(installed, image_dir, tmp_path):
    with pytest.raises(InputError, match=r"cannot read manifest\.jsonl"):
        resolve_codec(f"files:{tmp_path / 'missing'}")
    with pytest.raises(InputError, match="give the folder"):
        resolve_codec("files")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / MANIFEST).write_text('{"file": "x.ncz"}\n')
    with pytest.raises(InputError, match=r"manifest\.jsonl:1: not a manifest entry"):
        resolve_codec(f"files:{bad}")
    (bad / MANIFEST).write_text("\n")
    with pytest.raises(InputError, match="lists no files"):
        resolve_codec(f"files:{bad}")
    (bad / "x.ncz").write_bytes(b"not a file")
    (bad / MANIFEST).write_text(manifest_entry(bad / "x.ncz", 50, np.zeros((2, 2, 3), np.uint8)))
    with pytest.raises(InputError, match=r"x\.ncz"):
        resolve_codec(f"files:{bad}")
    files = tmp_path / "run"
    encode_folder(image_dir, files, (50,))
    with pytest.raises(InputError, match="unknown option"):
        resolve_codec(f"files:{files}:speed=3")
