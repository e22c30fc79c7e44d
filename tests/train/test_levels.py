"""Adding rate levels to a run keeps the trained levels exactly and resumes training."""

from __future__ import annotations

import math

import pytest
import torch

from ncodec.errors import InputError
from ncodec.models import build_model
from ncodec.train.levels import add_levels, level_positions
from ncodec.train.loop import train

from .helpers import config


def test_level_positions_known_answers():
    old = [0.01, 0.04]
    assert level_positions(old, [0.01, 0.02, 0.04]) == pytest.approx([0.0, 0.5, 1.0])
    assert level_positions(old, [0.0025, 0.16]) == pytest.approx([-1.0, 2.0])


def test_add_levels_keeps_old_levels_and_resumes(image_dir, tmp_path):
    torch.set_num_threads(1)
    run = tmp_path / "run"
    train(config(image_dir, run, steps=3))
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    new = [0.005, 0.01, 0.05]
    extended = add_levels(state, new)
    old_gain = state["model"]["y_gains.log_gain"]
    gain = extended["model"]["y_gains.log_gain"]
    assert gain.shape[0] == 3
    assert torch.equal(gain[1:], old_gain)
    step = math.log(0.005 / 0.01) / math.log(0.05 / 0.01)
    assert torch.allclose(gain[0], old_gain[0] + step * (old_gain[1] - old_gain[0]))

    model = build_model("mean-scale-hyperprior", {"n": 8, "m": 12, "lambdas": new})
    model.load_state_dict(extended["model"])  # shapes match a 3-level model
    old_model = build_model("mean-scale-hyperprior", {"n": 8, "m": 12, "lambdas": [0.01, 0.05]})
    old_model.load_state_dict(state["model"])
    model.eval()
    old_model.eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        a = model(x, torch.tensor([2.0]))["x_hat"]
        b = old_model(x, torch.tensor([1.0]))["x_hat"]
    assert torch.equal(a, b)

    torch.save(extended, run / "checkpoint.pt")
    train(config(image_dir, run, steps=5, lambdas=new), resume=True)
    resumed = torch.load(run / "checkpoint.pt", weights_only=False)
    assert resumed["step"] == 5
    assert resumed["model"]["y_gains.log_gain"].shape[0] == 3


def test_add_levels_rejects_dropping_a_level(image_dir, tmp_path):
    torch.set_num_threads(1)
    train(config(image_dir, tmp_path / "run", steps=1))
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    with pytest.raises(InputError, match="must contain"):
        add_levels(state, [0.005, 0.01])
    with pytest.raises(InputError, match="increasing"):
        add_levels(state, [0.05, 0.01, 0.005])


def test_script_errors_are_one_line_and_the_old_checkpoint_is_kept(image_dir, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[2] / "scripts" / "add_rate_levels.py"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(script), *args], capture_output=True, text=True, timeout=120
        )

    missing = run(str(tmp_path / "nope"), "--lambdas", "0.01,0.05")
    assert missing.returncode != 0 and "not found" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1

    torch.set_num_threads(1)
    train(config(image_dir, tmp_path / "run", steps=1))
    before = (tmp_path / "run" / "checkpoint.pt").read_bytes()
    ok = run(str(tmp_path / "run"), "--lambdas", "0.005,0.01,0.05")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "run" / "checkpoint.pre-levels-step1.pt").read_bytes() == before
    again = run(str(tmp_path / "run"), "--lambdas", "0.0025,0.005,0.01,0.05")
    assert again.returncode != 0 and "already exists" in again.stderr
    assert (tmp_path / "run" / "checkpoint.pre-levels-step1.pt").read_bytes() == before
