"""A quick `overfit` model (few encoder iterations) in a temporary weights folder, and files it
wrote (encoded once per session: encoding is the slow part of this codec)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import ncodec.models.overfit  # noqa: F401  (registers the architecture)
from ncodec import api
from ncodec.models import build_model
from ncodec.models.overfit.config import OverfitConfig
from ncodec.zoo import ENV_PATH, save_model

QUICK = {**OverfitConfig().to_dict(), "effort_iterations": [20, 40], "default_effort": 1}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one thread avoids contention on a shared machine (restored after)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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


@pytest.fixture(scope="session")
def encoded(overfit_weights, small_photo) -> dict:
    """Files of the small photo at qualities 1 and 100 (effort 1), and the progress calls."""
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_PATH, str(overfit_weights))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    calls: list[tuple] = []
    try:
        options = {"progress": lambda *args: calls.append(args)}
        files = {
            q: api.compress(small_photo, "overfit-quick", q, effort=1, options=options)
            for q in (1, 100)
        }
    finally:
        torch.set_num_threads(threads)
        mp.undo()
    return {**files, "progress": calls}
