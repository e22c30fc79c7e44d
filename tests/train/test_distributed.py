"""Data-parallel training: two gloo processes on localhost follow the one-process run.

Each worker gets torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT), so
the Trainer takes the same path as under `torchrun --nproc-per-node 2`.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

from ncodec.errors import InputError
from ncodec.train.checkpoint import load_checkpoint
from ncodec.train.distributed import DataParallel
from ncodec.train.trainer import LoopSettings, Trainer

from .test_trainer import PixelDensityTask

LOSS_TOLERANCE = 1e-5
multiprocess = pytest.mark.skipif(
    not os.environ.get("NCODEC_MULTIPROCESS_TESTS"),
    reason="starts several processes (`make test-multiprocess`)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(out: Path, steps: int) -> LoopSettings:
    return LoopSettings(steps=steps, out=out, lr=0.05, log_every=1, checkpoint_minutes=100)


def _train(out: Path, steps: int, resume: bool) -> None:
    trainer = Trainer(PixelDensityTask(), _settings(out, steps), {"task": "pixel-density"})
    trainer.run(trainer.start(resume))


def _worker(rank: int, world: int, port: int, out: str, steps: int, resume: bool) -> None:
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)
    _train(Path(out), steps, resume)
    torch.distributed.destroy_process_group()


def _spawn(out: Path, steps: int, resume: bool = False) -> None:
    mp.spawn(_worker, args=(2, _free_port(), str(out), steps, resume), nprocs=2, join=True)


def _log(out: Path) -> list[dict[str, str]]:
    with (out / "log.csv").open() as f:
        return list(csv.DictReader(f))


def _weights(out: Path) -> torch.Tensor:
    return load_checkpoint(out / "checkpoint.pt")["model"]["logits"]


@pytest.mark.slow
@multiprocess
def test_two_processes_follow_one_process_and_resume(tmp_path):
    _train(tmp_path / "one", 12, resume=False)
    _spawn(tmp_path / "two", 5)
    _spawn(tmp_path / "two", 12, resume=True)  # resumed from rank 0's checkpoint
    one, two = _log(tmp_path / "one"), _log(tmp_path / "two")
    assert [r["step"] for r in two] == [str(s) for s in range(1, 13)]  # rank 0 alone logs
    for a, b in zip(one, two, strict=True):
        assert abs(float(a["loss"]) - float(b["loss"])) < LOSS_TOLERANCE
    assert torch.allclose(_weights(tmp_path / "one"), _weights(tmp_path / "two"), atol=1e-5)


def test_batch_shares():
    parallel = DataParallel(rank=1, world_size=2)
    x, level = torch.arange(8).reshape(4, 2), torch.arange(4)
    shared = parallel.share((x, {"level": level}))
    assert torch.equal(shared[0], x[2:]) and torch.equal(shared[1]["level"], level[2:])
    with pytest.raises(InputError, match="multiple of the process count"):
        parallel.share(torch.zeros(3))
    assert DataParallel().share(x) is x


@pytest.mark.slow
@multiprocess
def test_ncodec_train_under_torchrun(image_dir, tmp_path):
    """`torchrun --nproc-per-node 2 -m ncodec train` (an image model) logs one process's
    losses."""
    args = [
        "train", "--model", "mean-scale-hyperprior", "--lmbda", "0.01,0.05",
        "--data", str(image_dir), "--steps", "3", "--batch-size", "2", "--patch", "64",
        "--channels", "8,12", "--holdout", "0", "--lr", "0.003", "--threads", "1",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    one = subprocess.run(
        [sys.executable, "-m", "ncodec", *args, "--out", str(tmp_path / "one")],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert one.returncode == 0, one.stderr
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2"]
    torchrun += ["--master-addr", "127.0.0.1", "--master-port", str(_free_port())]
    two = subprocess.run(
        [*torchrun, "-m", "ncodec", *args, "--out", str(tmp_path / "two")],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert two.returncode == 0, two.stderr
    rows = [_log(tmp_path / run) for run in ("one", "two")]
    assert [r["step"] for r in rows[1]] == ["3"]  # the last step (log every 20), rank 0 only
    # Same data and weights; the training noise differs (each rank draws its own).
    losses = [[float(r[key]) for r in run for key in ("loss", "mse")] for run in rows]
    assert np.allclose(losses[0], losses[1], rtol=1e-2)
