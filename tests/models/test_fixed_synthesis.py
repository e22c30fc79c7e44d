"""The shipped model's fixed-point synthesis: exact for every quality, within half a grey level
of the float synthesis it replaces."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ncodec.models.image_codec import padded_tensor
from ncodec.zoo import find_model, load_codec


@pytest.fixture(scope="module")
def shipped(request):
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NCODEC_WEIGHTS_PATH", raising=False)
        return load_codec(find_model("hyperprior-mse"))


def test_qualities_build_within_float64s_exact_range(shipped):
    synthesis = shipped.synthesis
    for q in range(0, 100, 11):
        synthesis.layers[0].weights(shipped.y_inverse_gain[q], q)  # raises if a sum could round


@pytest.mark.parametrize("q", [0, 99])
def test_fixed_point_stays_within_half_a_grey_level_of_float(shipped, q):
    from skimage.data import astronaut

    x = padded_tensor(np.ascontiguousarray(astronaut()[128:384, 128:384]), shipped.stride)
    with torch.no_grad():
        streams, _ = shipped.encode_padded(x, q, (256, 256), 0, {})
        y = shipped._gained_latents(streams, (256, 256), q)
        fixed = shipped.synthesizer(q)(y)
        floating = shipped.module.g_s(y.float() * shipped.y_inverse_gain[q].view(1, -1, 1, 1))
    error = (fixed - floating.double()).abs().max() * 255
    assert error < 0.45
