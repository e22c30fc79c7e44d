"""`ncodec compare`: the size search, the target options and the page's files (no browser)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from PIL import Image

from ncodec.cli import main
from ncodec.compare.run import budget_bytes, default_codecs, parse_crop, slug
from ncodec.compare.search import match_size
from ncodec.errors import InputError


def test_search_finds_the_largest_quality_that_fits():
    calls = []

    def encode(quality: int) -> bytes:
        calls.append(quality)
        return bytes(10 * quality + 5)

    match = match_size(encode, (1.0, 100.0), 500)
    assert (match.quality, len(match.data), match.fits) == (49, 495, True)
    assert match.encodes == len(set(calls)) <= 9
    assert match_size(encode, (1.0, 100.0), 10**6).quality == 100
    low = match_size(encode, (0.0, 99.0), 3)
    assert (low.quality, low.fits) == (0, False)


def test_target_and_crop_options():
    assert budget_bytes(1234, None, 10, 10) == 1234
    assert budget_bytes(None, 0.5, 64, 64) == 256
    for size, bpp in ((None, None), (100, 0.5), (0, None), (None, -1.0)):
        with pytest.raises(InputError):
            budget_bytes(size, bpp, 64, 64)
    assert parse_crop("32x16+4+8", 100, 100) == (slice(8, 24), slice(4, 36))
    with pytest.raises(InputError, match="does not fit"):
        parse_crop("64x64+50+50", 100, 100)
    with pytest.raises(InputError, match="WxH"):
        parse_crop("64,64", 100, 100)
    assert slug("avif:speed=0") == "avif-speed-0"


def test_default_codecs_are_fast_lossy_image_models_and_classical(installed):
    codecs = default_codecs()
    assert codecs[-4:] == ["jpeg", "webp", "avif", "jpegxl"]
    assert {"ncodec:tiny-hp", "ncodec:tiny-fp"} <= set(codecs)
    assert not {"ncodec:overfit", "ncodec:lidar-octree"} & set(codecs)


def test_page_files_and_numbers(installed, photo, tmp_path):
    source = tmp_path / "photo.png"
    Image.fromarray(photo).save(source)
    out = tmp_path / "page"
    args = ["compare", str(source), "--size", "900", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--codecs", "ncodec:tiny-hp,jpeg,webp"])
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from the network
    data = json.loads(re.search(r'id="compare-data">(.*?)</script>', html).group(1))
    assert [s["key"] for s in data["shown"]] == ["original", "ncodec-tiny-hp", "jpeg", "webp"]
    for shown in data["shown"]:
        with Image.open(out / shown["png"]) as im:
            assert im.size == (128, 96)
    for coded, suffix in (("ncodec-tiny-hp", ".ncz"), ("jpeg", ".jpg"), ("webp", ".webp")):
        size = (out / f"{coded}{suffix}").stat().st_size
        assert 0 < size <= 900 and f">{size}<" in html  # the achieved bytes are stated
    again = CliRunner().invoke(main, [*args, "--codecs", "jpeg"])
    assert again.exit_code == 2 and "--force" in again.output
    forced = CliRunner().invoke(main, [*args, "--codecs", "jpeg", "--force"])
    assert forced.exit_code == 0, forced.output


def test_user_mistakes_are_one_line(installed, photo, tmp_path):
    source = tmp_path / "photo.png"
    Image.fromarray(photo).save(source)
    out = str(tmp_path / "page")
    for extra, message in (
        ([], "--size BYTES or --bpp B"),
        (["--bpp", "0.5", "--codecs", "gif"], "unknown codec 'gif'"),
        (["--bpp", "0.5", "--crop", "999x9+0+0"], "does not fit"),
    ):
        result = CliRunner().invoke(main, ["compare", str(source), "--out", out, *extra])
        assert result.exit_code == 2 and message in result.output, result.output
