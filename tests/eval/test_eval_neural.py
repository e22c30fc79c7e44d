"""The `ncodec[:MODEL]` adapter: against a fake API, and once against real tiny models."""

from __future__ import annotations

import numpy as np
import pytest

from ncodec import api
from ncodec.errors import InputError, ModelNotFoundError
from ncodec.eval.harness import TimingSettings, measure_point
from ncodec.eval.registry import resolve_codec


def test_default_model_and_its_ladder_come_from_the_api(fake_api, eval_photo):
    calls = fake_api(ladder=(20, 60))
    codec = resolve_codec("ncodec")
    assert codec.spec == "ncodec:fake"
    assert codec.ladder == (20, 60)
    data = codec.encode(eval_photo, 60)
    assert data.startswith(b"FAKE") and data[4] == 60
    assert calls == [("compress", "fake", 60)]
    assert codec.decode(data).shape == eval_photo.shape


def test_rate_is_the_size_of_the_whole_file(fake_api, eval_photo):
    fake_api()
    codec = resolve_codec("ncodec:fake")
    record = measure_point(codec, eval_photo, 20, TimingSettings(warmup=0, repeats=1))
    expected = len(api.compress_image(eval_photo, "fake", 20))
    assert record["bytes"] == expected
    assert record["bpp"] == expected * 8 / (192 * 176)


def test_unknown_model_and_bad_quality(fake_api):
    fake_api()
    with pytest.raises(ModelNotFoundError, match="unknown ncodec model 'nope'"):
        resolve_codec("ncodec:nope")
    with pytest.raises(InputError, match="outside the valid range"):
        resolve_codec("ncodec:fake:q=0/50")
    assert resolve_codec("ncodec:fake:q=30/10").ladder == (10, 30)


def test_refine_option_is_passed_on_and_named_in_the_spec(fake_api, eval_photo):
    calls = fake_api()
    codec = resolve_codec("ncodec:fake:refine=7")
    assert codec.spec == "ncodec:fake:refine=7:method=sga"  # the search is named
    assert codec.settings["refine_steps"] == 7
    codec.encode(eval_photo, 60)
    assert calls == [("compress", "fake", 60, 7)]
    with pytest.raises(InputError, match="refine=-1 is outside"):
        resolve_codec("ncodec:fake:refine=-1")
    with pytest.raises(InputError, match="unknown option 'refin'"):
        resolve_codec("ncodec:fake:refin=3")


def test_refine_precision_option_is_passed_on_and_checked(fake_api, eval_photo):
    calls = fake_api()
    codec = resolve_codec("ncodec:fake:refine=3:precision=bf16")
    assert codec.spec == "ncodec:fake:refine=3:precision=bf16:method=sga"
    assert codec.settings["refine_precision"] == "bf16"
    codec.encode(eval_photo, 60)
    assert calls == [("compress", "fake", 60, 3, "bf16")]
    with pytest.raises(InputError, match="give effort=N"):
        resolve_codec("ncodec:fake:precision=bf16")
    assert resolve_codec("ncodec:fake:effort=3:precision=bf16").spec == codec.spec
    with pytest.raises(InputError, match="disagree"):
        resolve_codec("ncodec:fake:effort=3:refine=4")


def test_method_option_picks_the_search_and_is_checked(fake_api, eval_photo):
    calls = fake_api()
    codec = resolve_codec("ncodec:fake:effort=5:method=adam")
    assert codec.spec == "ncodec:fake:refine=5:method=adam"
    assert codec.settings["refine_method"] == "adam"
    codec.encode(eval_photo, 60)
    assert calls == [("compress", "fake", 60, 5, "adam")]
    assert resolve_codec("ncodec:fake").spec == "ncodec:fake"  # no search, no method
    with pytest.raises(InputError, match="give effort=N"):
        resolve_codec("ncodec:fake:method=adam")
    with pytest.raises(InputError, match="method= must be one of sga, adam"):
        resolve_codec("ncodec:fake:effort=5:method=newton")


def test_bad_refine_precision_is_refused_by_the_real_model(installed):
    with pytest.raises(InputError, match="refine precision must be one of fp32, bf16"):
        resolve_codec("ncodec:tiny-hp:refine=3:precision=fp16").encode(
            np.zeros((64, 64, 3), np.uint8), 50
        )


def test_real_tiny_model_round_trip(installed, eval_photo):
    codec = resolve_codec("ncodec:tiny-hp")
    quality = codec.ladder[len(codec.ladder) // 2]
    record = measure_point(codec, eval_photo, quality, TimingSettings(warmup=0, repeats=1))
    assert record["bytes"] == len(api.compress_image(eval_photo, "tiny-hp", quality))
    assert record["height"] == 192 and record["width"] == 176
