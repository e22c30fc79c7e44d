"""Build step for the one compiled part of ncodec: the overfitted codec's fused decoder kernels.

Everything else is in pyproject.toml. The extension is optional: where it cannot be built, the
decoder runs the PyTorch reference, which gives the same pixels (only slower).
"""

import sys

from setuptools import Extension, setup

FLAGS = [] if sys.platform == "win32" else ["-O3", "-fno-math-errno", "-fno-strict-aliasing"]

setup(
    ext_modules=[
        Extension(
            "ncodec.models.overfit._kernels",
            ["src/ncodec/models/overfit/_kernels.c"],
            depends=["src/ncodec/models/overfit/_kernels_compute.h"],
            extra_compile_args=FLAGS,
            optional=True,
        )
    ]
)
