"""Fixtures of the training tests."""

from .helpers import image_dir  # noqa: F401  (re-exported fixture)
