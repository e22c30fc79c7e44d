"""Architecture name -> model class and config: how a weights file's card becomes a module."""

from __future__ import annotations

from torch import nn

from ncodec.errors import ModelNotFoundError
from ncodec.models.config import CodecConfig
from ncodec.models.factorized_prior import FactorizedPrior
from ncodec.models.hyperprior import MeanScaleHyperprior

ARCHITECTURES = {
    MeanScaleHyperprior.architecture: (MeanScaleHyperprior, CodecConfig),
    FactorizedPrior.architecture: (FactorizedPrior, CodecConfig),
}


def build_model(architecture: str, config: dict | None = None) -> nn.Module:
    """Instantiate an architecture from its name and config dict."""
    if architecture not in ARCHITECTURES:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ModelNotFoundError(f"unknown architecture '{architecture}' (known: {known})")
    cls, config_cls = ARCHITECTURES[architecture]
    cfg = dict(config or {})
    if "lambdas" in cfg:
        cfg["lambdas"] = tuple(cfg["lambdas"])
    return cls(config_cls(**cfg))
