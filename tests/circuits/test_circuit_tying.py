"""Tied leaves: value bins of equal pixel mass, the tied estimate (bin per pixel and state times
one shared within-bin shape), and EM smoothed towards it."""

from __future__ import annotations

import numpy as np
import torch

from ncodec.circuits.em import EmSettings, em_step, tied_leaves, value_bins
from ncodec.circuits.fixed import export_tables
from ncodec.circuits.hclt import Hclt
from ncodec.circuits.structure import chow_liu_tree


def test_value_bins_are_contiguous_and_give_heavy_values_their_own_bin():
    pixels = torch.cat([torch.zeros(8000), torch.full((1000,), 255.0), torch.arange(1, 255)])
    bins = value_bins(pixels.long(), 16)
    assert bins[0] == 0 and bins[1] == 1  # 0 (89 % of the mass) alone
    assert bins[255] == int(bins.max()) and bins[254] < bins[255]  # 255 (11 %) alone
    steps = bins[1:] - bins[:-1]
    assert ((steps == 0) | (steps == 1)).all()  # contiguous, every bin used
    assert int(bins.max()) + 1 <= 2 * 16


def test_tied_leaves_keep_each_leafs_bin_mass_and_share_the_shape_within_bins():
    generator = torch.Generator().manual_seed(0)
    counts = torch.rand(5, 3, 256, generator=generator, dtype=torch.float64) ** 4
    bins = torch.arange(256) // 64  # 4 bins of 64 values
    tied = tied_leaves(counts, bins)
    assert torch.allclose(tied.sum(-1), torch.ones(5, 3, dtype=torch.float64))
    mass = lambda t: t.reshape(5, 3, 4, 64).sum(-1)  # noqa: E731
    assert torch.allclose(mass(tied), mass(counts) / counts.sum(-1, keepdim=True))
    shape = tied.reshape(5, 3, 4, 64) / mass(tied)[..., None]
    assert torch.allclose(shape, shape[:1, :1].expand_as(shape))  # one within-bin shape
    overall = counts.sum((0, 1)).reshape(4, 64)
    assert torch.allclose(shape[0, 0], overall / overall.sum(-1, keepdim=True))


def test_strongly_tied_em_gives_every_leaf_nearly_the_shared_shape(digits):
    flat = torch.from_numpy(digits.reshape(len(digits), -1).astype("int64"))
    model = Hclt(flat.shape[1], 4, *digits.shape[1:])
    model.set_tree(chow_liu_tree(digits.reshape(len(digits), -1), bins=4))
    model.randomize(torch.Generator().manual_seed(0))
    bins = value_bins(flat, 8)
    before = model.log_likelihood(flat).mean()
    settings = EmSettings(step=1.0, tie_bins=bins, tie_strength=1e6)
    em_step(model, flat, settings)
    assert torch.allclose(model.leaves.sum(-1), torch.ones_like(model.leaves[..., 0]))
    after = model.log_likelihood(flat).mean()
    assert after > before
    tied = tied_leaves(model.leaves.double(), bins)
    assert (model.leaves.double() - tied).abs().max() < 1e-3


def test_a_leaf_with_all_its_mass_on_one_value_exports_to_valid_int16():
    leaves = torch.full((2, 3, 256), 1e-9, dtype=torch.float64)
    leaves[..., 0] = 1.0  # every row: all mass on value 0 (2**15 after rounding)
    tables = export_tables(np.ones(3) / 3, np.full((2, 3, 3), 1 / 3), leaves.numpy())
    rows = tables["leaves"].astype(np.int64)
    assert tables["leaves"].dtype == np.int16 and (rows >= 0).all()
    assert (rows.sum(-1) == 1 << 15).all() and (rows[..., 0] == (1 << 15) - 1).all()
