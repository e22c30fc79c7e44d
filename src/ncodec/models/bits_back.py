"""Lossy bits-back coding of a hyperprior's hyper-latent z (Yang, Bamler & Mandt, NeurIPS 2020).

Decoding order of one image: z ~ p(z), y_hat ~ p(y_hat | z), then the decoder computes the
posterior q(z | y_hat) and pushes z back under it, which returns to the stack the bits the
encoder borrowed. The encoder works in reverse on the same stack: it pops z under q(z | y_hat)
from bits already there, pushes y_hat under p(y_hat | z), then z under p(z). The borrowed bits
are whatever lies on the stack: in a chain of images, the images decoded later. The first image
encoded (the last decoded) finds an empty stack, and popping from an empty stack yields each
table's first symbol at no cost, so that image is coded deterministically and gains nothing.

q chooses between the two integers around mu = q_net(y_hat) (a network shaped like h_a, run in
exact fixed-point integers on both sides), the nearer one first: by default stochastic rounding
(the farther with probability min(frac, 1 - frac), frac in 1/256 steps), or with a stored integer
weight per (channel, frac) fitted on training photos (`bench/bits_back_fit_q.py`).
y_hat = round(y * gain) does not depend on z (see `bits_back_tables`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ncodec.coding import AnsStack
from ncodec.coding.coder_models import MODELS
from ncodec.coding.limits import min_stream_bytes, needed_bits, needed_bits_any
from ncodec.entropy.factorized import channel_indexes
from ncodec.entropy.integer_network import (
    ACTIVATION_BITS,
    ACTIVATION_LIMIT,
    GAIN_BITS,
    IntegerLayer,
    apply_gain_fixed,
    fixed_point,
)
from ncodec.errors import FormatError, InputError
from ncodec.models.bits_back_tables import Companion, y_symbols, y_tables
from ncodec.models.companions import load_companion
from ncodec.models.tiling import map_tiled
from ncodec.models.transforms import ANALYSIS_TILING, hyper_analysis

DATA_DIR = Path(__file__).with_name("bits_back_data")
"""Companion files, named by the weights hash of the model they belong to."""
EXTRA_KEY = "bits_back"
"""The header's extra key that marks a bits-back file (its value: {"q": companion hash, ...})."""
MAX_CHAIN = 1024
"""Most images one bits-back file may chain."""
_CHOICE = MODELS.Categorical(perfect=False)
_ONE = 1 << ACTIVATION_BITS


class IntegerHyperAnalysis:
    """Fixed-point twin of an h_a-shaped Sequential (convs and LeakyReLUs): gained integer
    y_hat in, the posterior centres mu (integers with ACTIVATION_BITS fractional bits) out."""

    def __init__(self, sequential: nn.Sequential) -> None:
        modules = list(sequential)
        self.steps: list[tuple[IntegerLayer, int | None]] = []
        for i, module in enumerate(modules):
            if isinstance(module, nn.Conv2d):
                after = modules[i + 1] if i + 1 < len(modules) else None
                slope = None
                if isinstance(after, nn.LeakyReLU):
                    slope = round(after.negative_slope * 2**GAIN_BITS)
                self.steps.append((IntegerLayer(module, relu=False), slope))
            elif not isinstance(module, nn.LeakyReLU):
                raise TypeError(f"integer hyper-analysis supports conv and LeakyReLU, not {module}")

    @torch.no_grad()
    def __call__(self, y_hat: Tensor, y_inverse_fixed: Tensor, z_gain_fixed: Tensor) -> Tensor:
        x = apply_gain_fixed(y_hat.double() * _ONE, y_inverse_fixed)
        x = torch.clamp(x, -ACTIVATION_LIMIT, ACTIVATION_LIMIT)
        for layer, slope in self.steps:
            x = layer(x)
            if slope is not None:
                x = torch.where(x < 0, torch.floor(x * (slope * 2.0**-GAIN_BITS)), x)
        return apply_gain_fixed(x, z_gain_fixed)


def _choice_rows(mu: np.ndarray, far_table: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(nearer integer, Categorical weight rows [nearer, other]) of the posterior: the farther
    integer gets weight far_table[channel, frac(mu)] of 256 (default min(frac, 1 - frac),
    stochastic rounding)."""
    frac = mu & (_ONE - 1)
    nearer = (mu + _ONE // 2) >> ACTIVATION_BITS
    if far_table is None:
        far = np.minimum(frac, _ONE - frac)
    else:
        channels = np.arange(mu.shape[1]).reshape(1, -1, 1, 1)
        far = far_table[channels, frac]
    rows = np.stack([_ONE - far, far], axis=-1).astype(np.float64)
    return nearer, rows


def _other(mu: np.ndarray, nearer: np.ndarray) -> np.ndarray:
    """The farther of floor(mu) and floor(mu) + 1."""
    floor = mu >> ACTIVATION_BITS
    return np.where(nearer == floor, floor + 1, floor)


class BitsBackHyperprior:
    """Bits-back coding for a `FrozenHyperprior` and its companion data."""

    def __init__(self, codec: Any, companion: Companion) -> None:
        self.codec = codec
        self.companion = companion
        module = codec.module.h_a
        if companion.q_net:
            module = hyper_analysis(codec.module.config.n, codec.module.config.m)
            try:
                module.load_state_dict({k: torch.from_numpy(v) for k, v in companion.q_net.items()})
            except RuntimeError:
                raise FormatError("bits-back q network does not match the model") from None
        self.q_net = IntegerHyperAnalysis(module)
        self.tables = y_tables(companion.narrow, codec.y_tables)
        self.z_gain_fixed = fixed_point(codec.z_gain, GAIN_BITS)
        self.y_inverse_fixed = fixed_point(codec.y_inverse_gain, GAIN_BITS)

    @classmethod
    def of(cls, codec: Any) -> BitsBackHyperprior:
        """The bits-back coder of an installed codec (its companion found by weights hash)."""
        return load_companion(
            codec,
            DATA_DIR,
            ".npz",
            "bits-back data",
            "_bits_back",
            lambda path: cls(codec, Companion.load(path)),
        )

    def extra(self, chain: Sequence[Sequence[Any]] = ()) -> dict[str, Any]:
        """The header's extra for a file coded by this coder (chain: the later images)."""
        value: dict[str, Any] = {"q": self.companion.digest}
        if chain:
            value["chain"] = [list(item) for item in chain]
        return {EXTRA_KEY: value}

    def centres(self, y_hat: np.ndarray, q: int) -> np.ndarray:
        """mu = q_net(y_hat) as int64 fixed-point (ACTIVATION_BITS fractional bits)."""
        y = torch.from_numpy(y_hat.astype(np.float64))
        mu = self.q_net(y, self.y_inverse_fixed[q], self.z_gain_fixed[q])
        return mu.numpy().astype(np.int64)

    @torch.no_grad()
    def latents(self, x: Tensor, q: int) -> np.ndarray:
        """The encoder's y_hat = round(g_a(x) * gain) (int64) of a padded image."""
        y = map_tiled(self.codec.module.g_a, x, ANALYSIS_TILING)
        y = y * self.codec.y_gain[q].view(1, -1, 1, 1)
        return torch.round(y).numpy().astype(np.int64)

    def _y_coding(self, z: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
        """(subtracted base, table index) of every y element given z."""
        indexes, means = self.codec._hyper_params(torch.from_numpy(z.astype(np.float32)), q)
        means_fixed = torch.round(means * _ONE).numpy().astype(np.int64)
        return y_symbols(means_fixed, indexes, ACTIVATION_BITS)

    def push(self, stack: AnsStack, y_hat: np.ndarray, q: int) -> None:
        """Encode one image's y_hat onto `stack`, borrowing z's posterior bits from it."""
        mu = self.centres(y_hat, q)
        nearer, rows = _choice_rows(mu, self.companion.far)
        choice = stack.pop_family(_CHOICE, rows, shape=mu.shape)
        self.push_given(stack, y_hat, np.where(choice == 0, nearer, _other(mu, nearer)), q)

    def push_given(self, stack: AnsStack, y_hat: np.ndarray, z: np.ndarray, q: int) -> None:
        """Push y_hat under p(y_hat | z), then z under p(z): the same latents without bits-back
        when z is the encoder's own choice (e.g. round(h_a(y)))."""
        base, table = self._y_coding(z, q)
        stack.push(y_hat - base, table, self.tables)
        stack.push(z, channel_indexes(z.shape), self.codec.z_tables)

    def pop_given(self, stack: AnsStack, padded: tuple[int, int], q: int) -> tuple[np.ndarray, ...]:
        """Pop what `push_given` pushed: (y_hat, z), int64."""
        _, z_shape = self.codec.latent_shapes(padded)
        z = stack.pop(channel_indexes(z_shape), self.codec.z_tables).astype(np.int64)
        base, table = self._y_coding(z, q)
        return stack.pop(table, self.tables).astype(np.int64) + base, z

    def pop(self, stack: AnsStack, padded: tuple[int, int], q: int) -> Tensor:
        """Decode one image's gained y_hat (float64) from `stack`, giving z's bits back."""
        y_hat, z = self.pop_given(stack, padded, q)
        mu = self.centres(y_hat, q)
        nearer, rows = _choice_rows(mu, self.companion.far)
        choice = (z != nearer).astype(np.int32)
        if np.any((choice == 1) & (z != _other(mu, nearer))):
            raise FormatError("corrupt entropy-coded data (hyper-latent outside its posterior)")
        stack.push_family(choice, _CHOICE, rows)
        return torch.from_numpy(y_hat.astype(np.float64))

    def min_bits(self, padded: tuple[int, int]) -> float:
        """Fewest bits one image's z and y can cost under the tables."""
        y_shape, z_shape = self.codec.latent_shapes(padded)
        z_bits = needed_bits(self.codec.z_tables, np.full(z_shape[1], z_shape[2] * z_shape[3]))
        return z_bits + needed_bits_any(self.tables, int(np.prod(y_shape)))


def min_chain_bytes(coder: BitsBackHyperprior, sizes: Sequence[tuple[int, int]]) -> int:
    """Fewest bytes of a bits-back stream holding images of these padded sizes."""
    return min_stream_bytes(sum(coder.min_bits(size) for size in sizes))


def check_options(options: dict[str, Any], effort: int) -> bool:
    """Whether the options ask for bits-back coding; InputError for what it cannot combine with."""
    wanted = options.get(EXTRA_KEY, False)
    if not isinstance(wanted, bool):
        raise InputError(f"option bits_back must be true or false, got {wanted!r}")
    if wanted and effort:
        raise InputError("bits-back coding does not combine with an effort (latent search) yet")
    return wanted


def encode_chain(coder: BitsBackHyperprior, images: Sequence[tuple[Tensor, int]]) -> bytes:
    """One stream holding padded images (x, quality index), listed in decoding order.

    The last image is pushed first, onto an empty stack; each earlier image borrows its z bits
    from what the later ones left there.
    """
    stack = AnsStack()
    for x, q in reversed(list(images)):
        coder.push(stack, coder.latents(x, q), q)
    return stack.to_bytes()


def decode_chain(
    coder: BitsBackHyperprior,
    stream: bytes,
    items: Sequence[tuple[tuple[int, int], int]],
    stop_after: int | None = None,
) -> list[Tensor]:
    """Gained y_hat of each (padded size, quality index) in `items`, decoded from one stream.

    The whole stream must be consumed once every image is decoded (FormatError otherwise);
    with `stop_after`, decoding stops after that many images and the rest is not checked.
    """
    stack = AnsStack.from_bytes(stream, strict=True)
    out = []
    for padded, q in items[: stop_after or len(items)]:
        out.append(coder.pop(stack, padded, q))
    if stop_after is None and not stack.is_empty():
        raise FormatError("corrupt entropy-coded data (stream does not end where it should)")
    return out


def chain_entries(extra: Any) -> list[tuple[int, int, str, int]]:
    """The later images (height, width, mode, quality) of a bits-back header's extra value;
    FormatError unless it is well formed."""
    if not isinstance(extra, dict) or not isinstance(extra.get("q"), str):
        raise FormatError("invalid header: bits_back must be an object with a string 'q'")
    if set(extra) - {"q", "chain"}:
        raise FormatError("invalid header: bits_back has unknown fields")
    chain = extra.get("chain", [])
    if not isinstance(chain, list) or len(chain) >= MAX_CHAIN:
        raise FormatError(f"invalid header: bits_back chain must be a list of < {MAX_CHAIN}")
    entries = []
    for item in chain:
        ok = isinstance(item, list) and len(item) == 4
        if ok:
            height, width, mode, quality = item
            ok = (
                all(type(v) is int for v in (height, width, quality))
                and 1 <= height <= 1 << 20
                and 1 <= width <= 1 << 20
                and height * width <= 1 << 25
                and 1 <= quality <= 100
                and isinstance(mode, str)
                and 1 <= len(mode) <= 15
                and all(c.isascii() and (c.isalnum() or c == ";") for c in mode)
            )
        if not ok:
            raise FormatError("invalid header: a bits_back chain entry is not [h, w, mode, q]")
        entries.append((height, width, mode, quality))
    return entries
