"""Our learned codecs as harness codecs: `ncodec`, `ncodec:MODEL`, `ncodec:MODEL:effort=N`
(`refine=N` is the older name of effort; `:method=sga|adam` picks the latent search of the
amortized models, named in the spec; `:precision=bf16` for a bf16 search; `:realism=B` decodes
at beta B with the model's realism head: the file is the plain one, beta is a decode option).

Any installed model of the lossy-image kind works, whatever its architecture: the harness talks
to it through `ncodec.api` only.
"""

from __future__ import annotations

import numpy as np

from ncodec import __version__, api
from ncodec.errors import InputError, ModelNotFoundError, NcodecError
from ncodec.eval.codec import Codec, CodecSpec, check_known_options, int_option, parse_ladder

QUALITY_RANGE = (1.0, 100.0)


def _weights_tag(model: str) -> str:
    """`, weights <hash>` of an installed model, so results of retrained weights never mix."""
    from ncodec.zoo import find_model

    try:
        return f", weights {find_model(model).weights_hash[:16]}"
    except (NcodecError, OSError):
        return ""


def _effort(spec: CodecSpec, model: str, top: int) -> int:
    """The `effort=` (or older `refine=`) option; both given must agree."""
    name = f"ncodec:{model}"
    values = {
        key: int_option(spec.options, key, 0, range(top + 1), name)
        for key in ("effort", "refine")
        if key in spec.options
    }
    if len(set(values.values())) > 1:
        raise InputError(f"{name}: effort= and refine= disagree (give one)")
    return next(iter(values.values()), 0)


def ncodec_codec(spec: CodecSpec, threads: int) -> Codec:
    """Wrap `api.compress_image` / `api.decompress_image`; the rate is the full `.ncz` file."""
    check_known_options(
        spec.options, ["q", "effort", "refine", "precision", "method", "realism"], spec.name
    )
    models = api.list_models()
    model = spec.arg or api.default_model()
    if model not in models:
        known = ", ".join(models) or "none installed"
        raise ModelNotFoundError(f"unknown ncodec model {model!r} (installed: {known})")
    frozen = api.load_model(model)
    effort = _effort(spec, model, frozen.max_effort())
    options = {}
    for key, option in (("precision", "refine_precision"), ("method", "refine_method")):
        if key in spec.options:
            if not effort:
                raise InputError(f"ncodec:{model}: {key}= applies to refinement; give effort=N")
            options[option] = spec.options[key]
    options = api.check_options(options, frozen)
    precision = options.get("refine_precision", "fp32")
    # The amortized models' effort is a latent search: name it in the spec (SGA by default).
    searches = "refine_precision" in frozen.effort_options()
    method = options.get("refine_method", api.REFINE_METHODS[0]) if searches else None
    if method is not None and method not in api.REFINE_METHODS:
        raise InputError(f"ncodec:{model}: method= must be one of {', '.join(api.REFINE_METHODS)}")
    decode_options = {}
    if "realism" in spec.options:
        decode_options = api.check_decode_options({"realism": spec.options["realism"]}, frozen)
        beta = api.check_realism(decode_options["realism"])
        decode_options = {"realism": beta} if beta else {}
    if "q" in spec.options:
        ladder = parse_ladder(spec.options["q"], QUALITY_RANGE, f"ncodec:{model}")
    else:
        ladder = tuple(int(q) for q in api.quality_ladder(model))

    def encode(image: np.ndarray, quality: float) -> bytes:
        """Encode to the bytes of a complete `.ncz` file."""
        return bytes(api.compress_image(image, model, int(quality), effort, options))

    def decode(data: bytes) -> np.ndarray:
        """Decode `.ncz` bytes to HxWx3 uint8 RGB."""
        if decode_options:
            pixels = api.decompress_image(data, realism=decode_options["realism"])
        else:
            pixels = api.decompress_image(data)
        return np.ascontiguousarray(pixels, dtype=np.uint8)

    # Spec strings key the stored records: refinement models keep the historical `refine=`.
    effort_key = "refine" if "refine_precision" in frozen.effort_options() else "effort"
    suffix = f":{effort_key}={effort}" if effort else ""
    suffix += f":precision={precision}" if precision != "fp32" else ""
    suffix += f":method={method}" if effort and method else ""
    suffix += f":realism={decode_options['realism']:g}" if decode_options else ""
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
            "refine_steps": effort,
            "refine_precision": precision,
            "refine_method": method,
            "realism": decode_options.get("realism", 0.0),
        },
        quality_meaning="ncodec quality 1..100",
        encode_once=frozen.slow_encoder or effort > 0,
    )
