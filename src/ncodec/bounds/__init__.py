"""Rate–distortion bounds from samples: exact references, Blahut–Arimoto, and sandwich bounds.

Upper bounds come from variational codecs (achievable points), lower bounds from the dual
formulation of Yang & Mandt (ICLR 2022); both are validated on sources with known R(D).
"""

from ncodec.bounds.blahut_arimoto import blahut_arimoto
from ncodec.bounds.exact import bernoulli_rate, gaussian_rate, water_level

__all__ = ["bernoulli_rate", "blahut_arimoto", "gaussian_rate", "water_level"]
