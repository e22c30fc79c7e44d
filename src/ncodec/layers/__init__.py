"""Neural-network building blocks for learned transforms."""

from ncodec.layers.conv import conv, deconv
from ncodec.layers.gdn import GDN

__all__ = ["GDN", "conv", "deconv"]
