"""Entropy models: known likelihoods, normalisation, coding paths, and the integer network."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from ncodec.entropy import FactorizedDensity, GaussianConditional, default_scale_table
from ncodec.entropy.integer_network import (
    ACTIVATION_BITS,
    GAIN_BITS,
    IntegerHyperSynthesis,
    scale_indexes,
)
from ncodec.models.transforms import hyper_synthesis


def test_gaussian_likelihood_known_answer():
    gc = GaussianConditional()
    lik = gc.likelihood(torch.tensor([0.0, 1.0]), torch.zeros(2), torch.ones(2))
    phi = lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2)))  # noqa: E731
    assert lik[0].item() == pytest.approx(phi(0.5) - phi(-0.5), rel=1e-6)
    assert lik[1].item() == pytest.approx(phi(1.5) - phi(0.5), rel=1e-6)


def test_factorized_density_sums_to_one_over_integers():
    torch.manual_seed(0)
    density = FactorizedDensity(3)
    grid = torch.arange(-400, 401, dtype=torch.float32)
    x = grid.view(1, 1, 1, -1).expand(1, 3, 1, -1).contiguous()
    total = density.likelihood(x).sum(dim=-1)
    assert torch.allclose(total, torch.ones_like(total), atol=1e-4)


def test_factorized_coding_path_round_trips_including_outliers():
    torch.manual_seed(0)
    density = FactorizedDensity(4)
    tables = density.build_tables()
    x = torch.randn(1, 4, 5, 6) * 30
    x[0, 0, 0, 0] = 1e6  # far outside every table: escape path
    data = FactorizedDensity.compress(x, tables)
    back = FactorizedDensity.decompress(data, tables, tuple(x.shape))
    assert torch.equal(back, torch.round(x))


def test_gaussian_coding_path_round_trips_with_means():
    torch.manual_seed(1)
    scale_table = default_scale_table()
    tables = GaussianConditional.build_tables(scale_table)
    y = torch.randn(1, 8, 4, 4) * 5
    means = torch.round(torch.randn(1, 8, 4, 4) * 256) / 256  # fixed-point means, as decoded
    indexes = np.random.default_rng(0).integers(0, len(scale_table), y.shape).astype(np.int32)
    data = GaussianConditional.compress(y, means, indexes, tables)
    back = GaussianConditional.decompress(data, means, indexes, tables)
    assert torch.equal(back, torch.round(y.double() - means.double()) + means.double())


def test_integer_hyper_synthesis_tracks_the_float_network():
    torch.manual_seed(2)
    h_s = hyper_synthesis(8, 12).eval()
    integer = IntegerHyperSynthesis(h_s)
    z = torch.round(torch.randn(1, 8, 3, 4) * 3)
    inverse_gain = torch.full((8,), 0.75)
    out = integer(z, torch.round(inverse_gain * 2**GAIN_BITS)) * 2.0**-ACTIVATION_BITS
    with torch.no_grad():
        ref = h_s(z * inverse_gain.view(1, -1, 1, 1))
    assert out.shape == ref.shape
    assert torch.allclose(out.float(), ref, atol=0.05, rtol=0.02)
    # Outputs are integers (fixed point): exactly representable, hence reproducible.
    raw = integer(z, torch.round(inverse_gain * 2**GAIN_BITS))
    assert torch.equal(raw, torch.round(raw))


def test_integer_hyper_synthesis_is_identical_across_thread_counts():
    torch.manual_seed(3)
    integer = IntegerHyperSynthesis(hyper_synthesis(16, 24).eval())
    z = torch.round(torch.randn(1, 16, 6, 7) * 4)
    gain = torch.full((16,), 3000.0)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = integer(z, gain)
        torch.set_num_threads(2)
        two = integer(z, gain)
    finally:
        torch.set_num_threads(before)
    assert torch.equal(one, two)


def test_scale_indexes_pick_the_smallest_table_scale_not_below():
    table = np.array([0.5, 1.0, 2.0, 4.0])
    scales = torch.tensor([0.1, 0.5, 0.75, 1.0, 3.0, 100.0]) * 2**ACTIVATION_BITS
    assert scale_indexes(scales.double(), table).tolist() == [0, 0, 1, 1, 3, 3]


def test_integer_network_rejects_unsupported_layers():
    with pytest.raises(TypeError):
        IntegerHyperSynthesis(nn.Sequential(nn.Conv2d(2, 2, 3), nn.Tanh()))
