"""The fixed-point occupancy network: integer weights and activations, exact on any machine.

Layer k computes `z = x @ q_k + b_k` on integers and then `floor(z / 2**s_k)` (clipped to
0..255 for hidden layers; for the last layer, logits in 1/LOGIT_SCALE nat). The export bounds
every |partial sum| below 2**24, so float32 holds every value exactly and the matmul is exact
in any summation order and with any number of threads; a division by a power of two and a floor
are exact too. Logits become symbol counts through a stored integer exp table
(`counts_from_logits`), again with operations that are exact on integers below 2**53.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ncodec.errors import FormatError
from ncodec.pointcloud.kernels import KERNELS
from ncodec.pointcloud.scratch import Scratch

ACTIVATION_LEVELS = 255
LOGIT_SCALE = 16
EXP_SIZE = 256
EXP_ONE = 1 << 16
EXACT_LIMIT = 1 << 24
#: Bits of the integer symbol counts (each row sums to 2**PRECISION).
PRECISION = 20
SYMBOLS = 255
CHUNK = 1024
"""Rows per block at least: keeps the (rows, 255) temporaries in cache."""
BLOCK_VALUES = 1 << 18
"""Values per block: narrow tables (9 symbols) take larger blocks (fewer numpy calls)."""
NARROW = 16
"""Tables of at most this many symbols are computed one symbol per row (`narrow_weights`)."""
#: Symbols (occupancy - 1) of the bytes with one child, and of those with several.
SINGLES = (1 << np.arange(8)) - 1
SEVERAL = np.setdiff1d(np.arange(SYMBOLS), SINGLES)


def exp_table() -> np.ndarray:
    """round(2**16 * exp(-k / LOGIT_SCALE)) for k = 0..255 (computed once, stored at export)."""
    return np.rint(EXP_ONE * np.exp(-np.arange(EXP_SIZE) / LOGIT_SCALE)).astype(np.int64)


def accumulation_bound(weight: np.ndarray, bias: np.ndarray, input_max: np.ndarray) -> int:
    """Largest |partial sum| a layer can reach (bias included) for inputs in 0..input_max."""
    worst = np.abs(weight.astype(np.int64)) @ np.asarray(input_max, dtype=np.int64)
    return int((worst + np.abs(bias.astype(np.int64))).max())


def _read_layer(
    arrays: Mapping[str, np.ndarray], name: str, input_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One integer layer (`name.weight/bias/shift`) as (weight.T, bias) float32, both times
    2**-shift (exact: a power of two), checked (shapes, dtypes, the 2**24 bound); FormatError if
    bad. Every partial sum of `x @ weight.T + bias` is then an integer below 2**24 times
    2**-shift, which float32 holds exactly."""
    weight, bias, shift = (
        np.asarray(arrays[f"{name}.{part}"]) for part in ("weight", "bias", "shift")
    )
    if any(a.dtype.kind != "i" for a in (weight, bias, shift)):
        raise FormatError(f"occupancy network {name}: arrays must be integers")
    if weight.ndim != 2 or weight.shape[1] != input_max.shape[0]:
        raise FormatError(f"occupancy network {name}: weight shape {weight.shape}")
    if bias.shape != (weight.shape[0],) or shift.shape != (1,) or not 0 <= shift[0] < 40:
        raise FormatError(f"occupancy network {name}: bias or shift shape")
    if accumulation_bound(weight, bias, input_max) >= EXACT_LIMIT:
        raise FormatError(f"occupancy network {name}: accumulations reach 2**24")
    scale = np.float32(2.0 ** -int(shift[0]))
    weight_t = np.ascontiguousarray(weight.T, dtype=np.float32) * scale
    return weight_t, bias.astype(np.float32) * scale


class IntegerMLP:
    """Integer layers read from exported arrays (`layer{k}.weight/bias/shift`, `exp_table`)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], input_max: np.ndarray) -> None:
        """Check the arrays (shapes, dtypes, the 2**24 bound); FormatError if they are bad."""
        self.layers: list[tuple[np.ndarray, np.ndarray]] = []
        bound = np.asarray(input_max, dtype=np.int64)
        k = 0
        while f"layer{k}.weight" in arrays:
            self.layers.append(_read_layer(arrays, f"layer{k}", bound))
            bound = np.full(self.layers[-1][0].shape[1], ACTIVATION_LEVELS, dtype=np.int64)
            k += 1
        if not self.layers or self.layers[-1][0].shape[1] != SYMBOLS:
            raise FormatError(f"occupancy network must end in {SYMBOLS} logits")
        bound = np.full(self.layers[-1][0].shape[0], ACTIVATION_LEVELS, dtype=np.int64)
        self.split: list[tuple[np.ndarray, np.ndarray]] = []
        while f"split{len(self.split)}.weight" in arrays:
            self.split.append(_read_layer(arrays, f"split{len(self.split)}", bound))
            bound = np.full(self.split[-1][0].shape[1], ACTIVATION_LEVELS, dtype=np.int64)
        if self.split and self.split[-1][0].shape[1] != len(SINGLES) + 1:
            raise FormatError(f"occupancy network: the split head must give {len(SINGLES) + 1}")
        weight_t, bias = self.layers[-1]
        self.several = (np.ascontiguousarray(weight_t[:, SEVERAL]), bias[SEVERAL])
        table = np.asarray(arrays.get("exp_table", np.zeros(0)))
        if table.shape != (EXP_SIZE,) or table.dtype.kind != "i" or table[0] != EXP_ONE:
            raise FormatError("occupancy network: bad exp table")
        if np.any(table < 0) or np.any(np.diff(table) > 0):
            raise FormatError("occupancy network: bad exp table")
        self.exp = table.astype(np.float64)

    @property
    def hidden(self) -> int:
        """Width of the first hidden layer."""
        return int(self.layers[0][0].shape[1])

    def hidden_levels(
        self, features: np.ndarray, layers: list | None = None, preactivated: bool = False
    ) -> np.ndarray:
        """The last hidden layer's integer activations (n, hidden) float32 (of `layers`
        applied to the input, by default the body's hidden layers). `preactivated`: the
        input is already the first layer's `x @ weight_t + bias` (float32, exact)."""
        layers = self.layers[:-1] if layers is None else layers
        if preactivated:
            x = np.clip(np.floor(features, out=features), 0, ACTIVATION_LEVELS, out=features)
            layers = layers[1:]
        else:
            x = features.astype(np.float32, copy=False)
        for weight_t, bias in layers:
            z = x @ weight_t
            z += bias
            x = np.clip(np.floor(z, out=z), 0, ACTIVATION_LEVELS, out=z)
        return x

    def gaps(
        self, features: np.ndarray, layer: tuple | None = None, hidden: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """How far below each row's most likely symbol each symbol is, in 1/16 nat (intp,
        0..255), and the first most likely symbol of each row: of the full head, or of an
        output `layer` on the `hidden` activations."""
        weight_t, bias = self.layers[-1] if layer is None else layer
        z = (self.hidden_levels(features) if hidden is None else hidden) @ weight_t
        z += bias
        np.floor(z, out=z)
        top = np.argmax(z, axis=1)
        np.subtract(z[np.arange(len(z)), top][:, None], z, out=z)
        np.minimum(z, EXP_SIZE - 1, out=z)
        return z.astype(np.intp), top

    def coder_weights(
        self, features: np.ndarray, weight_bits: int, layer: tuple | None = None
    ) -> np.ndarray:
        """`counts << weight_bits` minus 1 per symbol (float64, exact), block by block: of the
        full head on features, or of an output `layer` on hidden activations."""
        width = (self.layers[-1] if layer is None else layer)[0].shape[1]
        out = np.empty((len(features), width), dtype=np.float64)
        block = max(CHUNK, BLOCK_VALUES // width)
        for start in range(0, len(features), block):
            rows = slice(start, start + block)
            counts = out[rows]
            if layer is not None and width <= NARROW:
                counts[:] = narrow_weights(features[rows], layer, self.exp, weight_bits).T
                continue
            if layer is None:
                gaps = self.gaps(features[rows])
            else:
                gaps = self.gaps(None, layer, features[rows])
            weights_from_gaps(*gaps, self.exp, weight_bits, out=counts)
        return out

    def split_coder_weights(
        self,
        features: np.ndarray,
        weight_bits: int,
        preactivated: bool = False,
        scratch: Scratch | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The split head's coder weights (n, 9) (single child 0..7, several) and the hidden
        activations (n, hidden) for `several_coder_weights`; FormatError without a head.
        `preactivated`: `features` are the first layer's outputs (see `hidden_levels`); the
        compiled kernels then write both into `scratch`'s buffers if given."""
        if not self.split:
            raise FormatError("this lidar-octree model has no split head (coding 3)")
        compiled = KERNELS.compiled()
        if preactivated and compiled is not None:
            scratch = Scratch() if scratch is None else scratch
            shape = (len(features), self.layers[-1][0].shape[0])
            hidden = scratch.array("hidden", shape, np.float32)
            weights = scratch.array("split", (len(features), len(SINGLES) + 1), np.float64)
            compiled.split_weights(
                np.ascontiguousarray(features, dtype=np.float32),
                features.shape[1],
                self.layers[1:-1],
                self.split[:-1],
                self.split[-1:],
                self.exp,
                weight_bits,
                hidden,
                weights,
            )
            return weights, hidden
        hidden = self.hidden_levels(features, preactivated=preactivated)
        head = self.hidden_levels(hidden, self.split[:-1])
        return self.coder_weights(head, weight_bits, self.split[-1]), hidden

    def several_coder_weights(
        self, hidden: np.ndarray, weight_bits: int, scratch: Scratch | None = None
    ) -> np.ndarray:
        """Coder weights (n, 247) of the patterns with several children (the full head's
        logits restricted to them); with the compiled kernels in `scratch` if given."""
        compiled = KERNELS.compiled()
        if compiled is None:
            return self.coder_weights(hidden, weight_bits, self.several)
        shape = (len(hidden), len(SEVERAL))
        out = np.empty(shape) if scratch is None else scratch.array("several", shape, np.float64)
        hidden = np.ascontiguousarray(hidden, dtype=np.float32)
        compiled.wide_weights(hidden, [self.several], self.exp, weight_bits, out)
        return out

    def counts(self, features: np.ndarray) -> np.ndarray:
        """Symbol counts (n, 255) int64, each >= 1, each row summing to 2**PRECISION."""
        return counts_from_gaps(*self.gaps(features), self.exp).astype(np.int64)


def counts_from_gaps(gap: np.ndarray, top: np.ndarray, exp: np.ndarray) -> np.ndarray:
    """Counts (float64 holding integers) >= 1 summing to 2**PRECISION per row of K symbols.

    weight_i = exp[gap_i]; with W = sum of weights and R = floor((2**P - K) * 2**32 / W),
    count_i = 1 + floor(weight_i * R / 2**32), and what the floors leave goes to symbol `top`
    (the first with gap 0). Every product is an integer below 2**53 or such an integer times a
    power of two, so float64 computes the exact integer result.
    """
    counts = weights_from_gaps(gap, top, exp, 0)
    counts += 1.0
    return counts


def weights_from_gaps(
    gap: np.ndarray,
    top: np.ndarray,
    exp: np.ndarray,
    weight_bits: int,
    out: np.ndarray | None = None,
    axis: int = 1,
) -> np.ndarray:
    """`counts_from_gaps(gap, top, exp) * 2**weight_bits - 1` (the coder's weights), in fewer
    passes: with f_i = floor(weight_i * R / 2**32), that is f_i * 2**weight_bits +
    2**weight_bits - 1, plus the remainder times 2**weight_bits for symbol `top`. The symbols
    run along `axis` (0: one row per symbol, see `narrow_weights`)."""
    parts = np.take(exp, gap, out=out, mode="clip")
    total = parts.sum(axis=axis).astype(np.int64)
    free = (1 << PRECISION) - gap.shape[axis]
    ratio = ((free << 32) // total).astype(np.float64) * 2.0**-32
    parts *= np.expand_dims(ratio, axis)
    np.floor(parts, out=parts)
    scale = float(1 << weight_bits)
    left = (float(free) - parts.sum(axis=axis)) * scale
    if weight_bits:
        parts *= scale
        parts += scale - 1.0
    nodes = np.arange(len(top))
    parts[(nodes, top) if axis == 1 else (top, nodes)] += left
    return parts


def narrow_weights(
    hidden: np.ndarray, layer: tuple[np.ndarray, np.ndarray], exp: np.ndarray, weight_bits: int
) -> np.ndarray:
    """`weights_from_gaps` of an output `layer` on `hidden` (n, width), transposed: (K, n).

    The same integers in another layout: with few symbols (the split head's 9) every step is
    a whole-row operation over the n nodes instead of a reduction along rows of K values,
    which numpy does slowly for small K.
    """
    weight_t, bias = layer
    z = weight_t.T @ hidden.T
    z += bias[:, None]
    np.floor(z, out=z)
    best = z.max(axis=0)
    symbols = len(z)
    top = np.full(z.shape[1], symbols - 1, dtype=np.intp)
    for k in range(symbols - 2, -1, -1):
        top[z[k] == best] = k
    np.subtract(best, z, out=z)
    np.minimum(z, EXP_SIZE - 1, out=z)
    return weights_from_gaps(z.astype(np.intp), top, exp, weight_bits, axis=0)
