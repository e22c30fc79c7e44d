"""A quick `overfit` model (few encoder iterations) installed into a temporary weights folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ncodec.models.overfit  # noqa: F401  (registers the architecture)
from ncodec.models import build_model
from ncodec.models.overfit.config import OverfitConfig
from ncodec.zoo import ENV_PATH, save_model

QUICK = {**OverfitConfig().to_dict(), "effort_iterations": [40, 80], "default_effort": 1}


@pytest.fixture(scope="session")
def overfit_weights(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("overfit-weights")
    save_model(
        directory / "overfit-quick.safetensors", build_model("overfit", QUICK), "overfit", QUICK
    )
    return directory


@pytest.fixture
def quick_model(overfit_weights, monkeypatch) -> str:
    """Name of the installed quick model."""
    monkeypatch.setenv(ENV_PATH, str(overfit_weights))
    return "overfit-quick"


@pytest.fixture(scope="session")
def small_photo() -> np.ndarray:
    """32x48 crop of a real photograph."""
    from skimage.data import astronaut

    return np.ascontiguousarray(astronaut()[60:92, 200:248])
