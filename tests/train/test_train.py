"""Training: the loss falls on a tiny model, resume is exact, bad settings fail before training."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from ncodec.errors import InputError
from ncodec.train.loop import train

from .helpers import config


def read_losses(run: Path) -> list[float]:
    with (run / "log.csv").open() as f:
        return [float(row["loss"]) for row in csv.DictReader(f)]


def test_loss_falls(image_dir, tmp_path):
    torch.set_num_threads(1)
    train(config(image_dir, tmp_path / "run", steps=40))
    losses = read_losses(tmp_path / "run")
    assert len(losses) == 40
    assert np.mean(losses[-8:]) < 0.7 * np.mean(losses[:8])


@pytest.mark.parametrize("model", ["mean-scale-hyperprior", "factorized-prior"])
def test_resume_continues_with_identical_state(image_dir, tmp_path, model):
    torch.set_num_threads(1)
    straight = tmp_path / "straight"
    train(config(image_dir, straight, steps=6, model=model))
    split = tmp_path / "split"
    train(config(image_dir, split, steps=3, model=model))
    first = torch.load(split / "checkpoint.pt", weights_only=False)
    assert first["step"] == 3
    train(config(image_dir, split, steps=6, model=model), resume=True)
    a = torch.load(straight / "checkpoint.pt", weights_only=False)
    b = torch.load(split / "checkpoint.pt", weights_only=False)
    assert a["step"] == b["step"] == 6
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    assert read_losses(straight) == read_losses(split)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "no-such-model"}, "unknown model"),
        ({"lambdas": [0.0]}, "positive"),
        ({"lambdas": [-0.01]}, "positive"),
        ({"data": ["/nonexistent/folder"]}, "not found"),
    ],
)
def test_bad_settings_fail_before_training(image_dir, tmp_path, change, message):
    cfg = config(image_dir, tmp_path / "bad", steps=2, **change)
    with pytest.raises(InputError, match=message):
        train(cfg)
    assert not (tmp_path / "bad" / "checkpoint.pt").exists()


def test_folder_without_images_is_rejected(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no images here")
    with pytest.raises(InputError, match="no images"):
        train(config(empty, tmp_path / "run", steps=2))


def test_existing_run_needs_resume(image_dir, tmp_path):
    train(config(image_dir, tmp_path / "run", steps=1))
    with pytest.raises(InputError, match="--resume"):
        train(config(image_dir, tmp_path / "run", steps=2))


def test_cli_reports_bad_lambda_in_one_line(image_dir, tmp_path):
    from click.testing import CliRunner

    from ncodec.cli import main

    result = CliRunner().invoke(
        main,
        [
            "train",
            "--model",
            "mean-scale-hyperprior",
            "--lmbda",
            "-1",
            "--data",
            str(image_dir),
            "--steps",
            "5",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "ncodec: error: lambda must be positive, got [-1.0]"
    ]


def test_cli_passes_every_option_into_the_run(image_dir, tmp_path):
    import json

    from click.testing import CliRunner

    from ncodec.cli import main

    out = tmp_path / "r"
    result = CliRunner().invoke(
        main,
        [
            "train",
            "--model",
            "factorized-prior",
            "--lmbda",
            "0.01,0.02",
            "--data",
            str(image_dir),
            "--steps",
            "1",
            "--out",
            str(out),
            "--patch",
            "64",
            "--batch-size",
            "1",
            "--channels",
            "8,12",
            "--holdout",
            "0",
            "--precision",
            "bf16",
            "--lr",
            "0.0003",
            "--seed",
            "7",
        ],
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "run.json").read_text())
    assert (saved["precision"], saved["lr"], saved["seed"], saved["n"], saved["m"]) == (
        "bf16",
        0.0003,
        7,
        8,
        12,
    )


def test_warm_start_from_shipped_weights(image_dir, tmp_path):
    from ncodec.models import build_model
    from ncodec.zoo import load_model_weights, save_model

    cfg = {"n": 8, "m": 12, "lambdas": [0.01, 0.05]}
    torch.manual_seed(3)
    source = build_model("mean-scale-hyperprior", cfg)
    weights = tmp_path / "w.safetensors"
    save_model(weights, source, "mean-scale-hyperprior", cfg)
    run = tmp_path / "warm"
    train(config(image_dir, run, steps=12, init_from=str(weights), start_step=10, lr=1e-9))
    state = torch.load(run / "checkpoint.pt", weights_only=False)
    assert state["step"] == 12
    loaded = load_model_weights(weights)
    # Two steps at a negligible learning rate: the weights are (almost) the shipped ones
    # (the density quantiles have their own learning rate and move).
    for key, value in loaded.items():
        if key.endswith("quantiles"):
            continue
        assert torch.allclose(state["model"][key], value, atol=1e-5), key


def test_factorized_model_warm_starts_from_hyperprior_transforms(image_dir, tmp_path):
    import json

    from ncodec.models import build_model
    from ncodec.zoo import save_model

    cfg = {"n": 8, "m": 12, "lambdas": [0.01, 0.05]}
    weights = tmp_path / "hp.safetensors"
    save_model(weights, build_model("mean-scale-hyperprior", cfg), "mean-scale-hyperprior", cfg)
    run = tmp_path / "fp"
    train(config(image_dir, run, steps=1, model="factorized-prior", init_from=str(weights)))
    report = json.loads((run / "init_from.json").read_text())
    assert any(k.startswith("g_a.") for k in report["loaded"])
    assert any(k.startswith("g_s.") for k in report["loaded"])
    assert all(k.startswith("y_density.") for k in report["fresh"])
