"""Outputs appear complete or not at all: anonymous files where the system has them, named
temporaries of ours (cleaned up after a kill) where it does not; the input is never the output."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

import ncodec.io.output as output_module
from ncodec.errors import InputError, OutputExistsError
from ncodec.io import check_not_input, encode_image, load_image_bytes, write_file_atomic
from ncodec.io.anonymous import open_anonymous
from ncodec.io.temporaries import remove_stale_temporaries, temporary_name


def test_a_write_shows_no_name_before_it_is_complete(tmp_path, monkeypatch):
    seen = []
    real_fsync = os.fsync

    def look(descriptor: int) -> None:
        seen.append(sorted(os.listdir(tmp_path)))
        real_fsync(descriptor)

    monkeypatch.setattr(output_module.os, "fsync", look)
    write_file_atomic(tmp_path / "out.ncz", b"data")
    if open_anonymous(tmp_path) is not None:  # Linux with O_TMPFILE: nothing has a name yet
        assert seen == [[]]
    assert os.listdir(tmp_path) == ["out.ncz"]


@pytest.mark.parametrize("force", [False, True])
def test_the_named_fallback_behaves_the_same(tmp_path, monkeypatch, force):
    monkeypatch.setattr(output_module, "open_anonymous", lambda _folder: None)
    target = tmp_path / "out.ncz"
    if force:
        target.write_bytes(b"old")
    write_file_atomic(target, b"new", force=force)
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["out.ncz"]
    with pytest.raises(OutputExistsError):
        write_file_atomic(target, b"again")


def test_the_named_fallback_leaves_nothing_when_interrupted(tmp_path, monkeypatch):
    monkeypatch.setattr(output_module, "open_anonymous", lambda _folder: None)

    def interrupted(_descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output_module.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_file_atomic(tmp_path / "half.ncz", b"x" * 1000)
    assert os.listdir(tmp_path) == []


def test_temporary_names_say_whose_they_are(tmp_path):
    name = temporary_name(tmp_path / "a.ncz").name
    assert name.startswith(".a.ncz.ncodec-") and f"-{os.getpid()}-" in name
    assert name.endswith(".tmp")


def test_only_our_temporaries_of_ended_processes_are_removed(tmp_path):
    dead = tmp_path / ".x.png.ncodec-999999999-0123abcd.tmp"
    mine = tmp_path / f".x.png.ncodec-{os.getpid()}-0123abcd.tmp"
    init = tmp_path / ".x.png.ncodec-1-0123abcd.tmp"  # pid 1 always runs
    others = [tmp_path / ".x.png.1a2b3c4d.tmp", tmp_path / "x.ncodec-999999999-0123abcd.tmp"]
    for path in (dead, mine, init, *others):
        path.write_bytes(b"")
    assert remove_stale_temporaries(tmp_path) == [dead]
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in (mine, init, *others))


def test_the_input_is_never_the_output(tmp_path):
    source = tmp_path / "in.png"
    source.write_bytes(b"x")
    for same in (source, tmp_path / "." / "in.png", tmp_path / "sub" / ".." / "in.png"):
        with pytest.raises(InputError, match="is the input file"):
            check_not_input(source, same)
    link = tmp_path / "link.png"
    link.symlink_to(source)
    with pytest.raises(InputError):
        check_not_input(link, source)
    check_not_input(source, tmp_path / "out.png")


def test_images_load_from_bytes_and_encode_to_bytes(photo):
    png = encode_image(photo, "RGB", ".png")
    loaded = load_image_bytes(png, "<stdin>")
    assert np.array_equal(loaded.rgb, photo) and loaded.source_format == "PNG"
    gray = Image.open(__import__("io").BytesIO(encode_image(photo, "L", ".png")))
    assert gray.mode == "L"
    with pytest.raises(InputError, match="<stdin>: empty input"):
        load_image_bytes(b"")
    with pytest.raises(InputError, match="<stdin>"):
        load_image_bytes(b"not an image at all")
