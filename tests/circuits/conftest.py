"""Fixtures: synthetic 28x28 'digits' (thick random strokes on black) and a small HCLT trained on
them by EM, installed as the model `pc-tiny` in a temporary weights folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from circuit_strokes import strokes

from ncodec.circuits.em import EmSettings, em_step
from ncodec.circuits.structure import chow_liu_tree
from ncodec.models import build_model
from ncodec.zoo import ENV_PATH, save_model

TINY_CONFIG = {"hidden": 4, "height": 28, "width": 28}


@pytest.fixture(scope="session")
def digits() -> np.ndarray:
    """300 synthetic training digits."""
    return strokes(300, seed=1)


@pytest.fixture(scope="session")
def tiny_circuit(digits) -> torch.nn.Module:
    """An HCLT with 4 hidden states after 2 EM epochs on the synthetic digits."""
    model = build_model("hclt", TINY_CONFIG)
    flat = digits.reshape(len(digits), -1)
    model.set_tree(chow_liu_tree(flat, bins=4))
    model.randomize(torch.Generator().manual_seed(0))
    x = torch.from_numpy(flat.astype(np.int64))
    for _ in range(2):
        for start in range(0, len(x), 100):
            em_step(model, x[start : start + 100], EmSettings(step=0.5))
    return model


@pytest.fixture(scope="session")
def circuit_weights(tiny_circuit, tmp_path_factory) -> Path:
    """A weights folder holding the tiny circuit as `pc-tiny`."""
    directory = tmp_path_factory.mktemp("pc-weights")
    save_model(directory / "pc-tiny.safetensors", tiny_circuit, "hclt", TINY_CONFIG)
    return directory


@pytest.fixture
def pc_installed(circuit_weights, monkeypatch) -> Path:
    """The tiny circuit is installed (searched before the shipped weights)."""
    monkeypatch.setenv(ENV_PATH, str(circuit_weights))
    return circuit_weights
