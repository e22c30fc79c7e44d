"""Learned image codecs built from `ncodec.layers` and `ncodec.entropy`."""

from ncodec.models.factorized_prior import FactorizedPrior, FactorizedPriorConfig
from ncodec.models.hyperprior import HyperpriorConfig, MeanScaleHyperprior
from ncodec.models.registry import ARCHITECTURES, build_model

__all__ = [
    "ARCHITECTURES",
    "FactorizedPrior",
    "FactorizedPriorConfig",
    "HyperpriorConfig",
    "MeanScaleHyperprior",
    "build_model",
]
