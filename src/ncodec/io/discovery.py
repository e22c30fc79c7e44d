"""Find the image files in folders: one suffix list and one sort order for eval, train, bounds."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ncodec.errors import InputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".ppm", ".pgm", ".webp")
"""File name endings (compared in lower case) that count as images."""

Folder = str | os.PathLike[str]


def find_images(folders: Folder | Sequence[Folder], recursive: bool = False) -> list[Path]:
    """Image files (by suffix) in one folder or several, sorted by path within each folder.

    The folders' lists follow each other in the order given, so "the last K files" is stable
    (training holds those out). `recursive` also searches subfolders. A missing folder, a
    path that is not a folder, or a folder without images is a one-line InputError.
    """
    roots = [folders] if isinstance(folders, str | os.PathLike) else list(folders)
    return [path for root in roots for path in _images_in(Path(root), recursive)]


def _images_in(root: Path, recursive: bool) -> list[Path]:
    """The sorted image files of one folder; InputError if there are none."""
    if not root.exists():
        raise InputError(f"image folder not found: {root}")
    if not root.is_dir():
        raise InputError(f"not a folder: {root}")
    candidates = root.rglob("*") if recursive else root.iterdir()
    found = sorted(p for p in candidates if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not found:
        raise InputError(f"no images found in {root} (looked for {' '.join(IMAGE_SUFFIXES)})")
    return found
