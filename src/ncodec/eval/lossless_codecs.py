"""Codecs of `ncodec eval --lossless`: the classical lossless formats and installed learned
lossless models (`ncodec:MODEL`, e.g. a digit circuit or lossless-photo), each at one fixed
setting.

Spec strings (`png`, `webp-lossless:method=4`, `jpegxl-lossless:effort=9`, `ncodec:pc-mnist`)
and versions are the keys of stored records, as in the lossy harness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ncodec import __version__, api
from ncodec.classical import LOSSLESS_CODECS
from ncodec.errors import InputError, ModelNotFoundError
from ncodec.eval.codec import check_known_options, int_option, parse_spec
from ncodec.eval.neural import _weights_tag
from ncodec.format import PayloadKind
from ncodec.io.arrays import is_grayscale_mode, load_image_array

LOSSLESS_DEFAULT = "png,webp-lossless,jpegxl-lossless"
_LOSSLESS_KINDS = (PayloadKind.INTEGER_TENSOR, PayloadKind.LOSSLESS_IMAGE)

# (level passed to the library, the one integer knob: name, default, valid values)
_SETUPS: dict[str, tuple[int, tuple[str, int, range] | None]] = {
    "png": (9, None),  # zlib level 9, libpng's filter choice
    "jpeg2000-lossless": (0, None),  # OpenJPEG, reversible wavelet
    "webp-lossless": (100, ("method", 6, range(7))),  # effort 100, method 6: libwebp's best
    "jpegxl-lossless": (100, ("effort", 7, range(1, 11))),  # modular mode, cjxl's default effort
}


@dataclass(frozen=True)
class LosslessCodec:
    """A lossless codec at one setting: image (H x W gray or H x W x 3 RGB, uint8) to the bytes
    of a complete file, and back."""

    spec: str
    encode: Callable[[np.ndarray], bytes]
    decode: Callable[[bytes], np.ndarray]
    version: str
    settings: dict[str, object] = field(default_factory=dict)


def _classical(name: str, options: dict[str, str], threads: int) -> LosslessCodec:
    """A registered classical lossless codec with its harness setting (and knob, if given)."""
    codec = LOSSLESS_CODECS[name]
    level, knob = _SETUPS[name]
    check_known_options(options, [knob[0]] if knob else [], name)
    keywords: dict[str, object] = {}
    spec = name
    if knob is not None:
        key, default, valid = knob
        keywords[key] = int_option(options, key, default, valid, name)
        if keywords[key] != default:
            spec = f"{name}:{key}={keywords[key]}"

    def encode(image: np.ndarray) -> bytes:
        """Encode to a complete file; a format without gray input gets replicated RGB."""
        if image.ndim == 2 and not codec.gray_input:
            image = np.repeat(image[:, :, np.newaxis], 3, axis=2)
        return codec.encode(image, level, threads=threads, **keywords)

    def decode(data: bytes) -> np.ndarray:
        """Decode; a gray image coded as replicated RGB comes back as its one plane when all
        three planes agree (otherwise the RGB, which then fails the round-trip check)."""
        pixels = codec.decode(data, threads=threads)
        if pixels.ndim == 3 and not codec.gray_input and _is_gray(pixels):
            return np.ascontiguousarray(pixels[:, :, 0])
        return pixels

    return LosslessCodec(
        spec=spec,
        encode=encode,
        decode=decode,
        version=codec.version,
        settings={"level": level, **keywords, "threads": threads},
    )


def _is_gray(pixels: np.ndarray) -> bool:
    """True if the three planes of an RGB array are identical."""
    return bool(np.array_equal(pixels[:, :, 0], pixels[:, :, 1])) and bool(
        np.array_equal(pixels[:, :, 0], pixels[:, :, 2])
    )


def _learned(model: str | None, options: dict[str, str], threads: int) -> LosslessCodec:
    """An installed model whose files decode to exact pixels (payload kind integer-tensor)."""
    check_known_options(options, [], "ncodec")
    models = api.list_models()
    if model is None or model not in models:
        known = ", ".join(models) or "none installed"
        raise ModelNotFoundError(f"give an installed lossless model as ncodec:MODEL ({known})")
    if api.load_model(model).kind not in _LOSSLESS_KINDS:
        raise InputError(f"ncodec:{model} is not a lossless model (use it without --lossless)")

    # Images go in as the CLI hands them over (with their mode), so the model's own checks
    # apply: a digit model refuses a colour image or another size.

    def decode(data: bytes) -> np.ndarray:
        """Decode `.ncz` bytes to the coded uint8 array (a gray lossless image: its plane)."""
        decoded = api.decode(data)
        pixels = np.asarray(decoded.data)
        if decoded.header.kind == PayloadKind.LOSSLESS_IMAGE and is_grayscale_mode(
            decoded.header.mode
        ):
            return np.ascontiguousarray(pixels[:, :, 0])
        return pixels

    return LosslessCodec(
        spec=f"ncodec:{model}",
        encode=lambda image: bytes(api.compress(load_image_array(image), model)),
        decode=decode,
        version=f"ncodec {__version__} ({model}{_weights_tag(model)})",
        settings={"model": model, "threads": threads},
    )


def resolve_lossless_codec(text: str, threads: int = 1) -> LosslessCodec:
    """The lossless codec a spec string names; unknown names and bad options raise InputError."""
    spec = parse_spec(text)
    if spec.name == "ncodec":
        return _learned(spec.arg, spec.options, threads)
    if spec.name not in _SETUPS:
        known = ", ".join([*_SETUPS, "ncodec:MODEL"])
        raise InputError(f"unknown lossless codec {spec.name!r} (known: {known})")
    if spec.arg is not None:
        raise InputError(f"{spec.name}: unexpected argument {spec.arg!r} (use key=value)")
    return _classical(spec.name, spec.options, threads)
