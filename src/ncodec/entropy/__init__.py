"""Entropy models as torch modules: a training path (noise, likelihoods) and a table path."""

from ncodec.entropy.factorized import FactorizedDensity
from ncodec.entropy.gaussian import GaussianConditional, default_scale_table

__all__ = ["FactorizedDensity", "GaussianConditional", "default_scale_table"]
