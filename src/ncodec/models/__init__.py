"""Learned image codecs built from `ncodec.layers` and `ncodec.entropy`."""

from ncodec.models.config import CodecConfig
from ncodec.models.factorized_prior import FactorizedPrior
from ncodec.models.hyperprior import MeanScaleHyperprior
from ncodec.models.registry import ARCHITECTURES, build_model

__all__ = ["ARCHITECTURES", "CodecConfig", "FactorizedPrior", "MeanScaleHyperprior", "build_model"]
