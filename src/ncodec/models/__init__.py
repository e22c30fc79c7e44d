"""Learned codecs: trainable modules, their registered architectures and frozen coders.

Importing this package registers the built-in architectures.
"""

from ncodec.models import factorized_codec, hyperprior_codec  # noqa: F401  (registration)
from ncodec.models.config import CodecConfig
from ncodec.models.factorized_prior import FactorizedPrior
from ncodec.models.hyperprior import MeanScaleHyperprior
from ncodec.models.protocol import Architecture, Encoded, FrozenCodec
from ncodec.models.rate_levels import RateLevels
from ncodec.models.registry import (
    ARCHITECTURES,
    build_model,
    export_arrays,
    freeze,
    get_architecture,
    register_architecture,
)

__all__ = [
    "ARCHITECTURES",
    "Architecture",
    "CodecConfig",
    "Encoded",
    "FactorizedPrior",
    "FrozenCodec",
    "MeanScaleHyperprior",
    "RateLevels",
    "build_model",
    "export_arrays",
    "freeze",
    "get_architecture",
    "register_architecture",
]
