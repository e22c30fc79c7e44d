"""Encoding can start from given decoder parameters (the meta-init bench); names are checked."""

from __future__ import annotations

import pytest
import torch

from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.network import OverfitNet


def test_start_parameters_replace_the_random_ones_for_every_image():
    config = OverfitConfig(grids=2)
    start = {"syn.b0": torch.arange(config.synthesis_hidden[0], dtype=torch.float32)}
    net = OverfitNet(config, (8, 8), batch=3, start=start)
    params = net.params()
    assert torch.equal(params["syn.b0"], start["syn.b0"].expand(3, -1))
    assert not torch.equal(params["syn.w0"][0], params["syn.w0"][0].new_zeros(()))


def test_unknown_start_parameters_are_refused():
    with pytest.raises(ValueError, match=r"syn\.nope"):
        OverfitNet(OverfitConfig(grids=2), (8, 8), start={"syn.nope": torch.zeros(2)})
