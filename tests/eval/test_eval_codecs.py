"""Codec specs, the classical codec registry (real round trips) and its input errors."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest

from ncodec.classical import CLASSICAL_CODECS
from ncodec.errors import InputError
from ncodec.eval.classical import HARNESS_SETUPS
from ncodec.eval.codec import parse_spec, split_codec_list
from ncodec.eval.registry import CODEC_NAMES, resolve_codec, resolve_codec_list
from ncodec.metrics import psnr

CLASSICAL = ["jpeg", "jpeg2000", "webp", "avif", "jpegxl"]


def test_parse_spec_splits_name_argument_and_options():
    spec = parse_spec("NCODEC:hp-mse:q=10/20")
    assert (spec.name, spec.arg, spec.options) == ("ncodec", "hp-mse", {"q": "10/20"})
    assert parse_spec("avif:speed=0").options == {"speed": "0"}


def test_split_codec_list_drops_blanks_and_duplicates():
    assert split_codec_list(" jpeg, webp,,jpeg ") == ["jpeg", "webp"]
    with pytest.raises(InputError, match="empty"):
        split_codec_list(" , ")


@pytest.mark.parametrize("name", CLASSICAL)
def test_classical_round_trip_keeps_shape_and_quality_rises_with_rate(name, eval_photo):
    codec = resolve_codec(name)
    assert codec.version and codec.ladder
    low, high = codec.ladder[1], codec.ladder[-2]
    data_low = codec.encode(eval_photo, low)
    data_high = codec.encode(eval_photo, high)
    rec_low, rec_high = codec.decode(data_low), codec.decode(data_high)
    assert rec_low.shape == rec_high.shape == eval_photo.shape
    assert rec_low.dtype == np.uint8
    assert len(data_low) < len(data_high)
    assert 20.0 < psnr(eval_photo, rec_low) < psnr(eval_photo, rec_high) < 60.0  # lossy


def test_jpeg_uses_optimized_huffman_tables(eval_photo):
    ours = resolve_codec("jpeg").encode(eval_photo, 75)
    plain = imagecodecs.jpeg8_encode(eval_photo, level=75, optimize=False)
    optimized = imagecodecs.jpeg8_encode(eval_photo, level=75, optimize=True)
    assert len(ours) == len(optimized) < len(plain)


def test_webp_is_lossy_even_at_high_quality(eval_photo):
    codec = resolve_codec("webp")
    assert psnr(eval_photo, codec.decode(codec.encode(eval_photo, 90))) < 60.0


def test_avif_speed_option_changes_the_setting_and_label():
    codec = resolve_codec("avif:speed=0")
    assert codec.spec == "avif:speed=0"
    assert codec.settings["speed"] == 0
    assert resolve_codec("avif").settings["speed"] == 6
    assert resolve_codec("jpegxl").settings["effort"] == 7


def test_quality_ladder_override_is_sorted_and_checked():
    assert resolve_codec("jpeg:q=50/10/90").ladder == (10, 50, 90)
    with pytest.raises(InputError, match=r"outside the valid range 1\.\.100"):
        resolve_codec("jpeg:q=0/50")
    with pytest.raises(InputError, match="not a number"):
        resolve_codec("webp:q=high")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gif", "unknown codec 'gif'"),
        ("avif:speed=11", "speed=11 is outside"),
        ("avif:speed=fast", "not an integer"),
        ("jpeg:colour=1", "unknown option 'colour'"),
        ("jpeg:foo", "unexpected argument"),
        ("jpeg:=3", "malformed"),
    ],
)
def test_bad_codec_specs_raise_input_error(text, message):
    with pytest.raises(InputError, match=message):
        resolve_codec(text)


def test_the_same_setting_twice_is_refused():
    with pytest.raises(InputError, match="listed twice"):
        resolve_codec_list("avif,avif:speed=6")


def test_registry_names():
    assert set(CLASSICAL) < set(CODEC_NAMES)
    assert "ncodec" in CODEC_NAMES


def test_every_registered_classical_codec_has_a_harness_setup():
    assert list(HARNESS_SETUPS) == list(CLASSICAL_CODECS)


@pytest.mark.parametrize(
    ("text", "spec", "settings"),
    [
        ("jpeg", "jpeg", {"optimize_huffman": True, "subsampling": "4:2:0", "threads": 1}),
        (
            "jpeg2000",
            "jpeg2000",
            {"codestream": "J2K", "wavelet": "9/7 irreversible", "threads": 2},
        ),
        (
            "webp:method=4",
            "webp",
            {"lossless": False, "method": 4, "subsampling": "4:2:0", "threads": 2},
        ),
        (
            "avif:speed=0",
            "avif:speed=0",
            {"speed": 0, "pixelformat": "4:4:4", "bitdepth": 8, "threads": 2},
        ),
        ("jpegxl:effort=9", "jpegxl:effort=9", {"effort": 9, "threads": 2}),
    ],
)
def test_spec_strings_and_recorded_settings_stay_what_stored_records_are_keyed_by(
    text, spec, settings
):
    codec = resolve_codec(text, threads=2)
    assert codec.spec == spec
    assert list(codec.settings.items()) == list(settings.items())  # report order too
    assert codec.version == CLASSICAL_CODECS[spec.split(":")[0]].version
