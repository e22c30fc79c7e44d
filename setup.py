"""Build step for the compiled parts of ncodec: the overfitted codec's fused decoder kernels and
the lidar-octree context network's kernels.

Everything else is in pyproject.toml. The extensions are optional: where they cannot be built,
the PyTorch / numpy reference runs and gives the same output (only slower).
"""

import sys

from setuptools import Extension, setup

FLAGS = [] if sys.platform == "win32" else ["-O3", "-fno-math-errno", "-fno-strict-aliasing"]

setup(
    ext_modules=[
        Extension(
            "ncodec.models.overfit._kernels",
            ["src/ncodec/models/overfit/_kernels.c"],
            depends=[
                "src/ncodec/models/overfit/_kernels_compute.h",
                "src/ncodec/_instruction_sets.h",
            ],
            extra_compile_args=FLAGS,
            optional=True,
        ),
        Extension(
            "ncodec.pointcloud._kernels",
            ["src/ncodec/pointcloud/_kernels.c"],
            depends=["src/ncodec/_instruction_sets.h"],
            extra_compile_args=FLAGS + ([] if sys.platform == "win32" else ["-Wno-psabi"]),
            optional=True,
        ),
    ]
)
