"""Wall-clock-limited training (for lent GPUs), uint8 batches and checkpoint shards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ncodec.errors import InputError
from ncodec.io import IMAGE_SUFFIXES
from ncodec.train.data import CropDataset, find_images
from ncodec.train.loop import lr_dropped, train
from ncodec.train.validate import on_cpu

from .helpers import config

SCRIPTS = Path(__file__).parents[2] / "scripts"


def test_max_minutes_stops_early_with_a_checkpoint(image_dir, tmp_path):
    torch.set_num_threads(1)
    # A budget of ~0 minutes: the loop stops before its first step, still writes a checkpoint.
    train(config(image_dir, tmp_path / "run", steps=1000, max_minutes=1e-9))
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert state["step"] == 0


def test_lr_drop_by_steps_or_by_time(image_dir, tmp_path):
    by_steps = config(image_dir, tmp_path / "a", steps=100)
    assert not lr_dropped(by_steps, 89, run_seconds=1e9)
    assert lr_dropped(by_steps, 90, run_seconds=0.0)
    by_time = config(image_dir, tmp_path / "b", steps=100, max_minutes=10.0)
    assert not lr_dropped(by_time, 10, run_seconds=539.0)
    assert lr_dropped(by_time, 10, run_seconds=540.0)


@pytest.mark.parametrize(
    ("change", "message"), [({"max_minutes": 0.0}, "max-minutes"), ({"lr_drop_at": 1.5}, "lr drop")]
)
def test_bad_budget_settings_fail_before_training(image_dir, tmp_path, change, message):
    with pytest.raises(InputError, match=message):
        train(config(image_dir, tmp_path / "bad", steps=2, **change))
    assert not (tmp_path / "bad").exists()


def test_uint8_batch_is_the_float_batch(image_dir):
    data = CropDataset(find_images([image_dir]), 64, seed=5)
    raw = data.batch_uint8(3, 4)
    assert raw.dtype == torch.uint8 and raw.shape == (4, 3, 64, 64)
    assert torch.equal(raw.float() / 255.0, data.batch(3, 4))


def test_validation_copy_is_only_made_off_the_cpu():
    model = torch.nn.Linear(2, 2)
    assert on_cpu(model) is model
    meta = torch.nn.Linear(2, 2, device="meta")
    with pytest.raises(NotImplementedError):  # a copy is attempted (meta tensors cannot move)
        on_cpu(meta)


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=120
    )


def test_checkpoint_shards_round_trip(image_dir, tmp_path):
    torch.set_num_threads(1)
    train(config(image_dir, tmp_path / "run", steps=2))
    ckpt, shards_dir = tmp_path / "run" / "checkpoint.pt", tmp_path / "shards"
    # A small shard size forces several shards, as the 29 MB shipped model needs.
    split = run_script(
        "checkpoint_shards.py", "split", str(ckpt), str(shards_dir), "--shard-bytes", "20000"
    )
    assert split.returncode == 0, split.stderr
    shards = sorted(shards_dir.glob("model-*.safetensors"))
    assert len(shards) > 1
    joined = tmp_path / "joined.pt"
    ok = run_script("checkpoint_shards.py", "join", str(shards_dir), str(joined))
    assert ok.returncode == 0, ok.stderr
    a = torch.load(ckpt, weights_only=False)
    b = torch.load(joined, weights_only=False)
    assert (a["step"], a["config"]) == (b["step"], b["config"])
    assert a["model"].keys() == b["model"].keys()
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    # Existing output is never overwritten without --force; a lost shard is a one-line error.
    before = joined.read_bytes()
    again = run_script("checkpoint_shards.py", "join", str(shards_dir), str(joined))
    assert again.returncode != 0 and "--force" in again.stderr
    assert joined.read_bytes() == before
    shards[-1].unlink()
    broken = run_script("checkpoint_shards.py", "join", str(shards_dir), str(tmp_path / "x.pt"))
    assert broken.returncode != 0 and len(broken.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.pt").exists()


def test_training_pack_halves_images_and_leaves_out_the_holdout(image_dir, tmp_path):
    from PIL import Image

    out = tmp_path / "pack"
    args = [str(image_dir), "--out", str(out), "--holdout", "2", "--jobs", "1"]
    assert run_script("pack_training_data.py", *args).returncode == 0
    packed = sorted(out.rglob("*.jpg"))
    originals = find_images([image_dir])
    assert [p.stem for p in packed] == [f.stem for f in originals[:-2]]
    with Image.open(packed[0]) as img, Image.open(originals[0]) as src:
        assert img.size == (src.size[0] // 2, src.size[1] // 2)
    again = run_script("pack_training_data.py", *args)
    assert again.returncode != 0 and "--force" in again.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = run_script("pack_training_data.py", str(empty), "--out", str(tmp_path / "p2"))
    suffixes = " ".join(IMAGE_SUFFIXES)
    assert bad.returncode != 0 and bad.stderr.strip().splitlines() == [
        f"pack_training_data: error: no images found in {empty} (looked for {suffixes})"
    ]
