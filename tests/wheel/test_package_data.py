"""The shipped weights are package data, found first in the package folder; `--version`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import ncodec
from ncodec import zoo
from ncodec.cli import main

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(ncodec.__file__).resolve().parent


def test_package_weights_are_the_checkouts_weights():
    link = PACKAGE / "weights"
    assert link.is_dir() and link.resolve() == (ROOT / "weights").resolve()
    assert (link / "hyperprior-mse.safetensors").is_file()


def test_package_folder_is_searched_after_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(zoo.ENV_PATH, str(tmp_path))
    dirs = zoo.weights_dirs()
    assert dirs[0] == tmp_path and dirs[1] == PACKAGE / "weights"
    assert len({d.resolve() for d in dirs}) == len(dirs)  # the checkout is not listed twice


def test_wheel_includes_the_weights():
    config = (ROOT / "pyproject.toml").read_text()
    section = config.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    assert '"weights/*.safetensors"' in section and '"weights/*.json"' in section


def test_version_names_format_and_weights(installed):
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    first, *models, overfit_kernels, lidar_kernels = result.output.splitlines()
    assert first == f"ncodec {ncodec.__version__} (.ncz format 2.0)"
    assert overfit_kernels.startswith("kernels: overfit decoder ")
    assert lidar_kernels.startswith("kernels: lidar-octree contexts ")
    hashes = {line.split()[0]: line.split()[2] for line in models}
    assert hashes["tiny-hp"] == zoo.find_model("tiny-hp").weights_hash
    assert "hyperprior-mse" in hashes
