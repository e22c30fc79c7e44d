"""The 4-pass (wavefront) entropy decoder equals a latent-by-latent sequential reference.

The reference walks each pass in raster order, builds every context by scalar reads of what it
has already decoded (reading anything else would hit NaN), evaluates the integer MLP with
Python integers, codes each latent as its own chunk and decodes it back one at a time.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ncodec.coding import AnsStack, DecodeOrderWriter
from ncodec.models.overfit.arm import IntegerArm
from ncodec.models.overfit.config import OverfitConfig
from ncodec.models.overfit.fixed_point import ARM_HIDDEN, BIAS_INT_LIMIT, WEIGHT_LIMIT
from ncodec.models.overfit.geometry import (
    COARSE_OFFSETS,
    PASSES,
    PHASES,
    SAME_GRID_OFFSETS,
)
from ncodec.models.overfit.parameters import parameter_specs
from ncodec.models.overfit.quantize import QuantizedParams
from ncodec.models.overfit.stream import Bank, read_stream, write_stream
from ncodec.models.overfit.tables import build_bank

CONFIG = OverfitConfig(grids=2)


@pytest.fixture(scope="module")
def bank() -> Bank:
    return Bank(CONFIG, build_bank(CONFIG))


def _random_model(seed: int) -> QuantizedParams:
    rng = np.random.default_rng(seed)
    ints, exponents = {}, {}
    for spec in parameter_specs(CONFIG):
        limit = 400 if spec.is_bias else WEIGHT_LIMIT // 2
        assert limit <= (BIAS_INT_LIMIT if spec.is_bias else WEIGHT_LIMIT)
        ints[spec.name] = torch.from_numpy(rng.integers(-limit, limit + 1, spec.shape).astype("f4"))
        exponents[spec.name] = 6 if spec.is_bias else 6 + seed  # seed 0: first-layer shift 0
    return QuantizedParams(ints, exponents)


def _mlp(arm: IntegerArm, context: list[int], g: int, p: int) -> tuple[int, int]:
    """(table index, floor(mean)) of one latent, in exact Python integers."""
    top = ARM_HIDDEN.limit

    def layer(x, weight, bias, shift, relu):
        w = weight.numpy().astype(np.int64).tolist()
        out = []
        for o, b in enumerate(bias.numpy().astype(np.int64).tolist()):
            acc = b + sum(x[i] * w[i][o] for i in range(len(x)))
            assert abs(acc) < 1 << 24
            acc = acc >> shift if shift >= 0 else acc << -shift
            out.append(min(max(acc, 0), top) if relu else acc)
        return out

    hidden = layer(context, arm.first[p], arm.first_bias[p][g], arm.first_shift[p], True)
    hidden = layer(hidden, arm.w2, arm.b2, arm.shift2, True)
    out = layer(hidden, arm.w3, arm.b3, 0, False)
    index, floor_mean = arm._indexes(np.array([out[0]]), np.array([out[1]]))
    return int(index[0]), int(floor_mean[0])


def _sequential_models(arm, grids):
    """Yield (g, p, y, x, table, floor_mean) latent by latent, reading only decoded values."""
    decoded = [np.full(g.shape, np.nan) for g in grids]
    for g in reversed(range(len(grids))):
        h, w = grids[g].shape
        coarse = decoded[g + 1] if g + 1 < len(grids) else None
        for p in range(PASSES):
            py, px = PHASES[p]
            for y in range(py, h, 2):
                for x in range(px, w, 2):
                    context = []
                    for dy, dx in SAME_GRID_OFFSETS[p]:
                        inside = 0 <= y + dy < h and 0 <= x + dx < w
                        context.append(decoded[g][y + dy, x + dx] if inside else 0.0)
                    for dy, dx in COARSE_OFFSETS:
                        if coarse is None:
                            context.append(0.0)
                            continue
                        cy, cx = y // 2 + dy, x // 2 + dx
                        inside = 0 <= cy < coarse.shape[0] and 0 <= cx < coarse.shape[1]
                        context.append(coarse[cy, cx] if inside else 0.0)
                    assert not any(math.isnan(v) for v in context), "read an undecoded latent"
                    table, floor_mean = _mlp(arm, [int(v) for v in context], g, p)
                    yield g, p, y, x, table, floor_mean
                    decoded[g][y, x] = grids[g][y, x]


@pytest.mark.parametrize("seed", [0, 1])
def test_wavefront_decoder_equals_sequential_reference(bank, seed):
    rng = np.random.default_rng(seed)
    shapes = [(10, 14), (5, 7)]
    grids = [torch.from_numpy(rng.integers(-6, 7, s).astype("f4")) for s in shapes]
    model = _random_model(seed)
    arm = IntegerArm(CONFIG, model.ints, model.exponents)
    # the reference codes latent by latent and decodes them back one at a time
    steps = list(_sequential_models(arm, [g.numpy() for g in grids]))
    writer = DecodeOrderWriter()
    for g, _, y, x, table, floor_mean in steps:
        symbol = int(grids[g][y, x]) - floor_mean
        writer.write(np.array([symbol]), np.array([table]), bank.tables)
    stack = AnsStack.from_bytes(writer.to_bytes())
    sequential = [np.zeros(s) for s in shapes]
    for g, _, y, x, table, floor_mean in steps:
        sequential[g][y, x] = int(stack.pop(np.array([table]), bank.tables)[0]) + floor_mean
    assert stack.is_empty()
    # the wavefront: whole passes at once, through the real stream
    tables_by_latent = {(g, y, x): (t, m) for g, _, y, x, t, m in steps}
    assert len({t for t, _ in tables_by_latent.values()}) > 20  # a non-degenerate model
    for g in range(2):
        coarse = grids[g + 1] if g + 1 < 2 else None
        for p in range(PASSES):
            table, floor_mean = arm.tables(grids[g], coarse, g, p)
            py, px = PHASES[p]
            rows, cols = range(py, shapes[g][0], 2), range(px, shapes[g][1], 2)
            positions = [(y, x) for y in rows for x in cols]
            expected = np.array([tables_by_latent[(g, y, x)] for y, x in positions])
            assert np.array_equal(np.stack([table, floor_mean], 1), expected)
    padded = (10, 14)
    _, wavefront = read_stream(bank, write_stream(bank, model, grids), padded)
    for g in range(2):
        assert np.array_equal(wavefront[g].numpy(), sequential[g])
        assert np.array_equal(wavefront[g].numpy(), grids[g].numpy())
