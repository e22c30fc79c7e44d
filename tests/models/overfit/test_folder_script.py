"""scripts/overfit_folder.py: batched encoding of a folder, resumable, files decode on a CPU."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from ncodec import api
from ncodec.eval.precomputed import pixels_sha256
from ncodec.io import load_rgb

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "overfit_folder.py"


def _run(monkeypatch, capsys, *args: str) -> str:
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *args])
    try:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    except SystemExit as stop:
        assert stop.code == 0
    return capsys.readouterr().out


def test_folder_is_encoded_in_batches_and_resumed(
    quick_model, small_photo, tmp_path, monkeypatch, capsys
):
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    Image.fromarray(small_photo).save(source / "a.png")
    Image.fromarray(small_photo[::-1].copy()).save(source / "b.png")
    args = [str(source), str(out), "--model", quick_model, "--effort", "1", "--batch", "2"]
    printed = _run(monkeypatch, capsys, *args, "--quality", "50")
    assert "2 files to write" in printed
    records = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert all("in batches of 2" in r["encode_note"] for r in records)
    decoded = [api.decode((out / f"{name}.q50.ncz").read_bytes()).rgb for name in "ab"]
    assert decoded[0].shape == decoded[1].shape == small_photo.shape
    assert not np.array_equal(decoded[0], decoded[1])
    # The manifest finds each file by the pixels it encodes (what `eval --codecs files:` reads).
    sources = {r["file"]: r["source_sha256"] for r in records}
    assert sources == {
        f"{name}.q50.ncz": pixels_sha256(load_rgb(source / f"{name}.png")) for name in "ab"
    }
    assert "0 files to write" in _run(monkeypatch, capsys, *args, "--quality", "50")
