"""Training-data augmentation for circuits: integer shifts, seeded affine and elastic warps, the
--augment option of scripts/train_circuit.py."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ncodec.circuits.augment import (
    Augment,
    augmented,
    parse_augment,
    shifted_copies,
    warped_copies,
)
from ncodec.errors import NcodecError

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "train_circuit.py"


@pytest.fixture
def few(digits) -> torch.Tensor:
    return torch.from_numpy(digits[:20])


def test_parse_augment_reads_fields_and_refuses_bad_specs():
    spec = parse_augment("copies=3, rotate=12,scale=0.1,interp=nearest")
    assert spec == Augment(copies=3, rotate=12.0, scale=0.1, interp="nearest")
    assert parse_augment("match=1").match == 1
    for bad in ("copies=3,spin=4", "rotate", "copies=x", "interp=lanczos", "copies=-1", "match=2"):
        with pytest.raises(NcodecError):
            parse_augment(bad)


def test_shifted_copies_hold_every_integer_shift_once(few):
    out = shifted_copies(few, 2)
    assert out.shape == (25 * len(few), 28, 28) and out.dtype == torch.uint8
    copies = out.reshape(25, len(few), 28, 28)
    assert torch.equal(copies[12], few)  # (0, 0) in the middle
    # copy 0 is (dy, dx) = (-2, -2): pixel (y, x) comes from (y + 2, x + 2)
    assert torch.equal(copies[0][:, :26, :26], few[:, 2:, 2:])
    assert (copies[0][:, 26:] == 0).all() and (copies[0][:, :, 26:] == 0).all()


@pytest.mark.parametrize("interp", ["nearest", "bilinear", "bicubic"])
def test_a_warp_of_zero_size_gives_back_the_originals(few, interp):
    out = warped_copies(few, Augment(copies=2, interp=interp), torch.Generator().manual_seed(0))
    assert torch.equal(out, torch.cat([few, few]))


def test_warps_are_seeded_and_change_the_digits(few):
    spec = Augment(copies=2, rotate=15, scale=0.1, shear=0.2, shift=1.5, elastic=20, sigma=4)
    first = augmented(few, spec, seed=5)
    assert first.shape == (3 * len(few), 28, 28) and first.dtype == torch.uint8
    assert torch.equal(first[: len(few)], few)  # originals kept, first
    assert torch.equal(first, augmented(few, spec, seed=5))
    assert not torch.equal(first, augmented(few, spec, seed=6))
    moved = (first[len(few) :].int() - few.repeat(2, 1, 1).int()).abs().float().mean()
    assert moved > 5  # the copies really differ from their sources
    ink = first.reshape(3, len(few), -1).double().sum(-1)
    assert ((ink[1:] / ink[0]) - 1).abs().max() < 0.6  # digits stay in the frame


def test_nearest_keeps_the_source_values_and_bilinear_makes_new_ones(few):
    spec = dict(copies=1, rotate=10, scale=0.1, shift=0.5, elastic=10)
    nearest = warped_copies(
        few, Augment(**spec, interp="nearest"), torch.Generator().manual_seed(1)
    )
    bilinear = warped_copies(
        few, Augment(**spec, interp="bilinear"), torch.Generator().manual_seed(1)
    )
    new_values = 0
    for source, near, lin in zip(few, nearest, bilinear, strict=True):
        allowed = set(source.unique().tolist()) | {0}
        assert set(near.unique().tolist()) <= allowed
        new_values += len(set(lin.unique().tolist()) - allowed)
    assert new_values > 0


def test_matched_bilinear_warps_keep_each_digits_grey_levels(few):
    spec = Augment(copies=1, rotate=10, shift=0.5, interp="bilinear", match=1)
    out = warped_copies(few, spec, torch.Generator().manual_seed(2))
    plain = warped_copies(
        few, Augment(**{**spec.__dict__, "match": 0}), torch.Generator().manual_seed(2)
    )
    for source, matched, blurred in zip(few, out, plain, strict=True):
        # bilinear spreads ink over more pixels; the matched copy has the source's exact values
        assert (blurred > 0).sum() >= (source > 0).sum()
        assert torch.equal(matched.flatten().sort().values, source.flatten().sort().values)
        # and keeps the warp's shape: the brightest pixels of both are the same pixels
        ink = int((source > 0).sum())
        top = set(blurred.flatten().argsort(descending=True)[: ink // 2].tolist())
        assert (matched.flatten()[sorted(top)] > 0).all()


def _train(monkeypatch, capsys, *args: str) -> list[dict]:
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *args])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_train_script_trains_on_fresh_warps_and_starts_from_a_checkpoint(
    digits, tmp_path, monkeypatch, capsys
):
    data = tmp_path / "d.npz"
    np.savez(data, x=digits[:60])
    common = ["--data", str(data), "--hidden", "2", "--batch", "50", "--val", "10"]
    spec = "copies=2,rotate=10,interp=nearest"
    first = _train(
        monkeypatch, capsys, *common, "--epochs", "2", "--run", str(tmp_path / "a"),
        "--augment", spec, "--augment-fresh",
    )  # fmt: skip
    assert [row["images"] for row in first] == [150, 150]  # 50 digits + 2 warps of each
    assert all(np.isfinite(row["val_bpd"]) for row in first)
    again = _train(
        monkeypatch, capsys, *common, "--epochs", "1", "--run", str(tmp_path / "b"),
        "--init-from", str(tmp_path / "a" / "checkpoint.pt"),
    )  # fmt: skip
    assert again[0]["images"] == 50 and again[0]["epoch"] == 1
    start = torch.load(tmp_path / "a" / "checkpoint.pt")
    assert torch.equal(torch.load(tmp_path / "b" / "checkpoint.pt")["parent"], start["parent"])
    # starting from the trained model: the first epoch's training rate is already that model's
    assert abs(again[0]["train_bpd"] - first[-1]["train_bpd"]) < 0.5


def test_spread_hold_out_takes_every_nth_image_of_a_sorted_file():
    held_out = runpy.run_path(str(SCRIPT), run_name="train_circuit")["held_out"]
    labels = torch.arange(10).repeat_interleave(50)  # sorted by class, as mnist_5k is
    train, val = held_out(labels, 50, spread=True)
    assert torch.equal(torch.bincount(val), torch.full((10,), 5))  # every class held out
    assert torch.equal(torch.bincount(train), torch.full((10,), 45))
    train, val = held_out(labels, 50, spread=False)
    assert (val == 9).all() and len(train) == 450  # the last 50: one class only
    assert held_out(labels, 0, spread=True)[1] is None
