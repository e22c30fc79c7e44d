"""Write the bits-back companion of the shipped `hyperprior-mse` (export time, once).

    .venv/bin/python bench/bits_back_companion.py [--q-net /work/runs/bitsback/q_net.pt] \
        [--far /work/runs/bitsback/far.npy]

The fractional-mean y tables come from the model's scale table; the q network is h_a itself
unless a trained one (bench/bits_back_train_q.py) is given; the far-choice weights are
stochastic rounding unless fitted ones (bench/bits_back_fit_q.py) are given. The file lands in
src/ncodec/models/bits_back_data/<weights hash>.npz.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import numpy as np
import torch

from ncodec import zoo
from ncodec.models.bits_back import DATA_DIR
from ncodec.models.bits_back_tables import save_companion


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="hyperprior-mse")
    parser.add_argument("--q-net", type=Path, default=None)
    parser.add_argument("--far", type=Path, default=None, help="bench/bits_back_fit_q.py output")
    args = parser.parse_args()
    codec = zoo.load_codec(zoo.find_model(args.model))
    q_net = None
    if args.q_net is not None:
        q_net = copy.deepcopy(codec.module.h_a)
        q_net.load_state_dict(torch.load(args.q_net))
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"{codec.weights_hash}.npz"
    far = None if args.far is None else np.load(args.far)
    save_companion(path, codec.scale_table, q_net, far)
    print(path, path.stat().st_size)


if __name__ == "__main__":
    main()
