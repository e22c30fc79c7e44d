"""Analysis and synthesis transforms of Ballé et al. (2017, 2018): four strided convs with GDN."""

from __future__ import annotations

from torch import nn

from ncodec.layers import GDN, conv, deconv
from ncodec.models.config import CodecConfig
from ncodec.models.tiling import Tiling

ANALYSIS_TILING = Tiling(tile=48, halo=32, down=16)
"""g_a in tiles of 48x48 latents (768x768 pixels); an output sees input pixels within 30."""
SYNTHESIS_TILING = Tiling(tile=768, halo=2, up=16)
"""g_s in tiles of 768x768 pixels; an output pixel sees latents within 2 positions."""
HYPER_SYNTHESIS_TILING = Tiling(tile=64, halo=2, up=4)
"""h_s in tiles of 64x64 latents; an output sees hyper-latents within 2 positions."""


def analysis_transform(n: int, m: int) -> nn.Sequential:
    """Image (3 channels) -> latent (m channels) at 1/16 resolution."""
    return nn.Sequential(conv(3, n), GDN(n), conv(n, n), GDN(n), conv(n, n), GDN(n), conv(n, m))


def synthesis_transform(n: int, m: int) -> nn.Sequential:
    """Latent (m channels) -> image (3 channels) at 16x resolution."""
    return nn.Sequential(
        deconv(m, n),
        GDN(n, inverse=True),
        deconv(n, n),
        GDN(n, inverse=True),
        deconv(n, n),
        GDN(n, inverse=True),
        deconv(n, 3),
    )


def hyper_analysis(n: int, m: int) -> nn.Sequential:
    """Latent y -> hyper-latent z at 1/4 of y's resolution (Minnen et al. 2018 uses y, not |y|)."""
    return nn.Sequential(
        conv(m, n, 3, 1),
        nn.LeakyReLU(inplace=True),
        conv(n, n),
        nn.LeakyReLU(inplace=True),
        conv(n, n),
    )


def hyper_synthesis(n: int, m: int) -> nn.Sequential:
    """Hyper-latent -> (means, scales) of y. ReLU only, so it can run as an integer network."""
    return nn.Sequential(
        deconv(n, m),
        nn.ReLU(inplace=True),
        deconv(m, m * 3 // 2),
        nn.ReLU(inplace=True),
        conv(m * 3 // 2, 2 * m, 3, 1),
    )


class TransformCodecModule(nn.Module):
    """Base of the Ballé-style image models: config, analysis g_a and synthesis g_s (built first,
    so parameter order, which optimizer checkpoints rely on, stays as it was)."""

    def __init__(self, config: CodecConfig | None = None) -> None:
        super().__init__()
        self.config = config or CodecConfig()
        self.g_a = analysis_transform(self.config.n, self.config.m)
        self.g_s = synthesis_transform(self.config.n, self.config.m)

    @property
    def level_count(self) -> int:
        """Number of trained rate levels."""
        return len(self.config.lambdas)
