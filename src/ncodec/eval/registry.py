"""Resolve `--codecs` spec strings into codecs: the classical ones and `ncodec[:MODEL]`."""

from __future__ import annotations

from ncodec.errors import InputError
from ncodec.eval.classical import HARNESS_SETUPS, classical_harness_codec
from ncodec.eval.codec import Codec, parse_spec, split_codec_list
from ncodec.eval.neural import ncodec_codec
from ncodec.eval.precomputed import precomputed_codec

CODEC_NAMES = (*HARNESS_SETUPS, "ncodec", "files")


def resolve_codec(text: str, threads: int = 1) -> Codec:
    """Build the codec a spec string names; unknown names and bad options raise InputError."""
    spec = parse_spec(text)
    if spec.name == "ncodec":
        return ncodec_codec(spec, threads)
    if spec.name == "files":
        return precomputed_codec(spec)
    if spec.name not in HARNESS_SETUPS:
        known = ", ".join(CODEC_NAMES)
        raise InputError(f"unknown codec {spec.name!r} (known: {known}, ncodec:MODEL, files:DIR)")
    if spec.arg is not None:
        raise InputError(f"{spec.name}: unexpected argument {spec.arg!r} (use key=value)")
    return classical_harness_codec(spec, threads)


def resolve_codec_list(text: str, threads: int = 1) -> list[Codec]:
    """Resolve a comma-separated list; two entries with the same setting are an error."""
    codecs = [resolve_codec(item, threads) for item in split_codec_list(text)]
    seen: set[str] = set()
    for codec in codecs:
        if codec.spec in seen:
            raise InputError(f"codec {codec.spec!r} is listed twice")
        seen.add(codec.spec)
    return codecs
