"""Wall-clock-limited training (for lent GPUs), uint8 batches and checkpoint shards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ncodec.errors import InputError
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


def test_checkpoint_shards_round_trip(image_dir, tmp_path):
    torch.set_num_threads(1)
    train(config(image_dir, tmp_path / "run", steps=2))
    ckpt = tmp_path / "run" / "checkpoint.pt"
    script = [sys.executable, str(SCRIPTS / "checkpoint_shards.py")]
    subprocess.run([*script, "split", str(ckpt), str(tmp_path / "shards")], check=True, timeout=120)
    shards = sorted((tmp_path / "shards").glob("model-*.safetensors"))
    assert shards and all(s.stat().st_size < 16_000_000 for s in shards)
    joined = tmp_path / "joined.pt"
    subprocess.run(
        [*script, "join", str(tmp_path / "shards"), str(joined)], check=True, timeout=120
    )
    a = torch.load(ckpt, weights_only=False)
    b = torch.load(joined, weights_only=False)
    assert (a["step"], a["config"]) == (b["step"], b["config"])
    assert a["model"].keys() == b["model"].keys()
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def test_training_pack_halves_images_and_leaves_out_the_holdout(image_dir, tmp_path):
    from PIL import Image

    out = tmp_path / "pack"
    args = [str(image_dir), "--out", str(out), "--holdout", "2", "--jobs", "1"]
    subprocess.run(
        [sys.executable, str(SCRIPTS / "pack_training_data.py"), *args], check=True, timeout=120
    )
    packed = sorted(out.rglob("*.jpg"))
    originals = find_images([image_dir])
    assert [p.stem for p in packed] == [f.stem for f in originals[:-2]]
    with Image.open(packed[0]) as img, Image.open(originals[0]) as src:
        assert img.size == (src.size[0] // 2, src.size[1] // 2)
