"""find_images (one folder or several, flat or recursive) and load_rgb, as eval, train and
bounds use them: suffixes, sort order, folder order, EXIF orientation and one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ncodec.errors import InputError
from ncodec.io import IMAGE_SUFFIXES, find_images, load_rgb

PIXELS = np.random.default_rng(7).integers(0, 256, (20, 40, 3), dtype=np.uint8)


def _save(path: Path) -> Path:
    """Write a small lossless image at `path` (format from the suffix), making parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(PIXELS).save(path, format="PNG" if path.suffix.lower() == ".png" else None)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """b.png, A.PNG, c.bmp and notes.txt at the top; sub/d.ppm below; a folder named e.png."""
    root = tmp_path / "data"
    for name in ("b.png", "A.PNG", "c.bmp", "sub/d.ppm"):
        _save(root / name)
    (root / "notes.txt").write_text("not an image")
    (root / "e.png").mkdir()
    return root


def test_one_folder_lists_its_image_files_sorted_by_name(tree):
    assert [p.name for p in find_images(tree)] == ["A.PNG", "b.png", "c.bmp"]
    assert find_images(str(tree)) == find_images([tree])


def test_recursive_search_adds_subfolders_in_path_order(tree):
    found = find_images(tree, recursive=True)
    assert [p.relative_to(tree).as_posix() for p in found] == [
        "A.PNG",
        "b.png",
        "c.bmp",
        "sub/d.ppm",
    ]


def test_several_folders_keep_the_given_order_so_the_last_files_are_stable(tmp_path):
    first = [_save(tmp_path / "z" / f"{i}.png") for i in range(3)]
    second = [_save(tmp_path / "a" / f"{i}.png") for i in range(2)]
    assert find_images([tmp_path / "z", tmp_path / "a"], recursive=True) == first + second
    assert find_images([tmp_path / "z", tmp_path / "a"])[-2:] == second


def test_every_listed_suffix_is_found_in_any_case(tmp_path):
    for i, suffix in enumerate(IMAGE_SUFFIXES):
        (tmp_path / f"{i}{suffix.upper() if i % 2 else suffix}").write_bytes(b"x")
    assert len(find_images(tmp_path)) == len(IMAGE_SUFFIXES)


def test_missing_folder_file_and_empty_folder_are_one_line_errors(tmp_path, tree):
    with pytest.raises(InputError, match="image folder not found") as missing:
        find_images(tmp_path / "missing")
    with pytest.raises(InputError, match="not a folder"):
        find_images(tree / "b.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no images found in .*empty") as empty:
        find_images([tree, tmp_path / "empty"])
    for err in (missing, empty):
        assert "\n" not in str(err.value)


def test_subfolder_images_alone_are_not_enough_without_recursion(tmp_path):
    _save(tmp_path / "only" / "deeper" / "x.png")
    with pytest.raises(InputError, match="no images found"):
        find_images(tmp_path / "only")
    assert len(find_images(tmp_path / "only", recursive=True)) == 1


def test_load_rgb_gives_contiguous_uint8_rgb(tmp_path):
    rgb = load_rgb(_save(tmp_path / "x.png"))
    assert rgb.dtype == np.uint8 and rgb.flags.c_contiguous
    np.testing.assert_array_equal(rgb, PIXELS)
    Image.fromarray(PIXELS[:, :, 0]).save(tmp_path / "gray.png")
    np.testing.assert_array_equal(
        load_rgb(tmp_path / "gray.png"), np.repeat(PIXELS[:, :, :1], 3, 2)
    )


def test_load_rgb_applies_exif_orientation_unless_asked_not_to(tmp_path):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewers rotate by 90 degrees
    Image.fromarray(PIXELS).save(path, quality=95, exif=exif)
    assert load_rgb(path).shape == (40, 20, 3)
    assert load_rgb(path, exif_orientation=False).shape == (20, 40, 3)


def test_load_rgb_of_an_unreadable_file_is_an_input_error(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(InputError, match=r"broken\.png"):
        load_rgb(tmp_path / "broken.png")
