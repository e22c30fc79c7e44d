"""save_image / check_output_path / write_file_atomic: exact files, no clobbering, no half files."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

import ncodec.io.output as output_module
from ncodec.errors import InputError, OutputExistsError
from ncodec.io import (
    check_image_output_path,
    check_output_path,
    load_image,
    save_image,
    write_file_atomic,
)

RGB = np.random.default_rng(3).integers(0, 256, (7, 13, 3), dtype=np.uint8)


def _leftovers(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


@pytest.mark.parametrize("name", ["out.png", "out", "out.PPM", "out.pnm", "out.bmp", "out.tiff"])
def test_save_round_trips_exactly(tmp_path, name):
    path = save_image(tmp_path / name, RGB)
    assert path == tmp_path / name
    with Image.open(path) as image:
        assert image.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(image), RGB)
    assert _leftovers(tmp_path) == []


def test_save_png_without_extension_is_png(tmp_path):
    save_image(tmp_path / "decoded", RGB)
    assert (tmp_path / "decoded").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("mode", ["L", "I;16", "LA", "1"])
def test_grayscale_modes_are_restored(tmp_path, mode):
    gray = RGB[:, :, 0]
    save_image(tmp_path / "gray.png", np.repeat(gray[:, :, None], 3, axis=2), mode=mode)
    with Image.open(tmp_path / "gray.png") as image:
        assert image.mode == "L"
        np.testing.assert_array_equal(np.asarray(image), gray)


def test_save_then_load_gives_back_the_same_image(tmp_path):
    save_image(tmp_path / "a.png", RGB)
    loaded = load_image(tmp_path / "a.png")
    np.testing.assert_array_equal(loaded.rgb, RGB)


def test_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "keep.png"
    path.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match=r"output file exists: .*keep\.png.*--force"):
        save_image(path, RGB)
    assert path.read_bytes() == b"precious"
    save_image(path, RGB, force=True)
    np.testing.assert_array_equal(load_image(path).rgb, RGB)
    assert _leftovers(tmp_path) == []


def test_output_directory_problems(tmp_path):
    with pytest.raises(InputError, match="output directory does not exist"):
        save_image(tmp_path / "missing" / "out.png", RGB)
    with pytest.raises(InputError, match="output path is a directory"):
        save_image(tmp_path, RGB, force=True)
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(InputError, match="output directory is not a directory"):
        check_output_path(tmp_path / "file" / "out.ncz")


def test_unwritable_directory(tmp_path, monkeypatch):
    # Simulated: the tests may run as root, who can write anywhere.
    monkeypatch.setattr(output_module.os, "access", lambda _path, _mode: False)
    with pytest.raises(InputError, match="output directory is not writable"):
        save_image(tmp_path / "out.png", RGB)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["out.jpg", "out.webp", "out.gif"])
def test_lossy_or_unknown_extensions_are_refused_before_any_work(tmp_path, name):
    with pytest.raises(InputError, match=r"unsupported output extension .*use one of \.bmp"):
        check_image_output_path(tmp_path / name)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "bad", [RGB[:, :, 0], RGB.astype(np.uint16), np.zeros((0, 4, 3), np.uint8), RGB[..., :2]]
)
def test_save_rejects_arrays_that_are_not_rgb8(tmp_path, bad):
    with pytest.raises(InputError, match="cannot save"):
        save_image(tmp_path / "x.png", bad)
    assert os.listdir(tmp_path) == []


def test_check_output_path_accepts_new_and_forced_paths(tmp_path):
    assert check_output_path(tmp_path / "new.ncz") == tmp_path / "new.ncz"
    (tmp_path / "old.ncz").write_bytes(b"x")
    assert check_output_path(tmp_path / "old.ncz", force=True) == tmp_path / "old.ncz"
    with pytest.raises(OutputExistsError):
        check_output_path(tmp_path / "old.ncz")


def test_write_file_atomic_writes_exact_bytes_with_umask_permissions(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    path = write_file_atomic(tmp_path / "data.ncz", b"\x89NCZ payload")
    assert path.read_bytes() == b"\x89NCZ payload"
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert _leftovers(tmp_path) == []


def test_file_created_after_the_check_is_not_clobbered(tmp_path, monkeypatch):
    path = tmp_path / "race.ncz"
    path.write_bytes(b"someone else's")
    monkeypatch.setattr(output_module, "check_output_path", lambda target, force: target)
    with pytest.raises(OutputExistsError, match="--force"):
        write_file_atomic(path, b"mine")
    assert path.read_bytes() == b"someone else's"
    assert _leftovers(tmp_path) == []


def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    def interrupted(_descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output_module.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_file_atomic(tmp_path / "half.ncz", b"x" * 100_000)
    assert os.listdir(tmp_path) == []


def test_disk_errors_become_one_line_input_errors(tmp_path, monkeypatch):
    def disk_full(_descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output_module.os, "fsync", disk_full)
    with pytest.raises(InputError, match=r"cannot write .*full\.ncz: No space left on device"):
        write_file_atomic(tmp_path / "full.ncz", b"x")
    assert os.listdir(tmp_path) == []
