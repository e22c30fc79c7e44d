"""Our learned codec as a harness codec: `ncodec`, `ncodec:MODEL`, `ncodec:MODEL:refine=N`
(`:precision=bf16` for a faster refinement search)."""

from __future__ import annotations

import numpy as np

from ncodec import __version__, api
from ncodec.errors import InputError, ModelNotFoundError, NcodecError
from ncodec.eval.codec import Codec, CodecSpec, check_known_options, int_option, parse_ladder

QUALITY_RANGE = (1.0, 100.0)


def _installed_models() -> list[str]:
    """Installed model names; a clear error while the models are not available."""
    try:
        return list(api.list_models())
    except NotImplementedError:
        raise InputError("ncodec models are not available yet (ncodec.api is a stub)") from None


def _weights_tag(model: str) -> str:
    """`, weights <hash>` of an installed model, so results of retrained weights never mix."""
    from ncodec.zoo import find_model

    try:
        return f", weights {find_model(model).weights_hash[:16]}"
    except (NcodecError, OSError):
        return ""


def ncodec_codec(spec: CodecSpec, threads: int) -> Codec:
    """Wrap `api.compress_image` / `api.decompress_image`; the rate is the full `.ncz` file."""
    check_known_options(spec.options, ["q", "refine", "precision"], spec.name)
    models = _installed_models()
    model = spec.arg or api.default_model()
    if model not in models:
        known = ", ".join(models) or "none installed"
        raise ModelNotFoundError(f"unknown ncodec model {model!r} (installed: {known})")
    refine = int_option(
        spec.options, "refine", 0, range(api.MAX_REFINE_STEPS + 1), f"ncodec:{model}"
    )
    precision = api.check_refine_precision(spec.options.get("precision", "fp32"))
    if precision != "fp32" and not refine:
        raise InputError(f"ncodec:{model}: precision= applies to refinement; give refine=N too")
    if "q" in spec.options:
        ladder = parse_ladder(spec.options["q"], QUALITY_RANGE, f"ncodec:{model}")
    else:
        ladder = tuple(int(q) for q in api.quality_ladder(model))

    def encode(image: np.ndarray, quality: float) -> bytes:
        """Encode to the bytes of a complete `.ncz` file."""
        return bytes(api.compress_image(image, model, int(quality), refine, precision))

    def decode(data: bytes) -> np.ndarray:
        """Decode `.ncz` bytes to HxWx3 uint8 RGB."""
        return np.ascontiguousarray(api.decompress_image(data), dtype=np.uint8)

    suffix = f":refine={refine}" if refine else ""
    suffix += f":precision={precision}" if precision != "fp32" else ""
    return Codec(
        spec=f"ncodec:{model}{suffix}",
        encode=encode,
        decode=decode,
        ladder=ladder,
        quality_range=QUALITY_RANGE,
        version=f"ncodec {__version__} ({model}{_weights_tag(model)})",
        settings={
            "model": model,
            "threads": threads,
            "device": "cpu",
            "refine_steps": refine,
            "refine_precision": precision,
        },
        quality_meaning="ncodec quality 1..100",
    )
