"""The overfitted (asymmetric) image codec `overfit`: Cool-chic / C3-style per-image decoders
with a 4-pass integer entropy model. Importing this package registers the architecture."""

from ncodec.models.overfit.codec import FrozenOverfit, OverfitArchitecture, OverfitModule
from ncodec.models.overfit.config import OverfitConfig

__all__ = ["FrozenOverfit", "OverfitArchitecture", "OverfitConfig", "OverfitModule"]
