"""`ncodec train --resume`: per-invocation options apply, run-defining ones must agree."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from ncodec.cli import main

TINY_RUN = {
    "--model": "factorized-prior",
    "--lmbda": "0.01,0.02",
    "--patch": "64",
    "--batch-size": "1",
    "--channels": "8,12",
    "--holdout": "0",
}


def run_train(image_dir: Path, out: Path, steps: int, *extra: str, **changed: str):
    """`ncodec train` on a tiny run; `changed` replaces TINY_RUN options (batch_size="4")."""
    options = TINY_RUN | {"--" + k.replace("_", "-"): v for k, v in changed.items()}
    args = ["train", "--data", str(image_dir), "--steps", str(steps), "--out", str(out)]
    for flag, value in options.items():
        args += [flag, value]
    return CliRunner().invoke(main, [*args, *extra])


def logged_lrs(out: Path) -> dict[int, float]:
    with (out / "log.csv").open() as f:
        return {int(row["step"]): float(row["lr"]) for row in csv.DictReader(f)}


def test_resume_with_explicit_lr_uses_it_from_the_next_step(image_dir, tmp_path):
    torch.set_num_threads(1)
    out = tmp_path / "r"
    assert run_train(image_dir, out, 20, "--lr", "0.001").exit_code == 0
    result = run_train(image_dir, out, 40, "--lr", "0.0002", "--resume")
    assert result.exit_code == 0, result.output
    assert "lr 0.001 -> 0.0002" in result.output
    lrs = logged_lrs(out)  # both logged steps fall in the last 10 % of their run: lr x0.1
    assert lrs[20] == pytest.approx(1e-4) and lrs[40] == pytest.approx(2e-5)
    assert json.loads((out / "run.json").read_text())["lr"] == 0.0002
    assert torch.load(out / "checkpoint.pt", weights_only=False)["step"] == 40


def test_resume_without_lr_keeps_the_runs_rate(image_dir, tmp_path):
    torch.set_num_threads(1)
    out = tmp_path / "r"
    assert run_train(image_dir, out, 20, "--lr", "0.001").exit_code == 0
    assert run_train(image_dir, out, 40, "--resume").exit_code == 0
    lrs = logged_lrs(out)  # x0.1 of the run's 1e-3 (the default 1e-4 would log 1e-5)
    assert lrs[20] == pytest.approx(1e-4) and lrs[40] == pytest.approx(1e-4)


@pytest.mark.parametrize(
    ("changed", "flag", "saved"),
    [
        ({"batch_size": "4"}, "--batch-size", "1"),
        ({"lmbda": "0.05"}, "--lmbda", "[0.01, 0.02]"),
        ({"channels": "8,16"}, "--channels", "8,12"),
    ],
)
def test_resume_with_a_conflicting_setting_fails_in_one_line(
    image_dir, tmp_path, changed, flag, saved
):
    out = tmp_path / "r"
    assert run_train(image_dir, out, 1).exit_code == 0
    before = (out / "checkpoint.pt").read_bytes()
    result = run_train(image_dir, out, 3, "--resume", **changed)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"{flag} differs from the run" in lines[0], lines
    assert f"({saved})" in lines[0]
    assert (out / "checkpoint.pt").read_bytes() == before
    assert torch.load(out / "checkpoint.pt", weights_only=False)["step"] == 1
