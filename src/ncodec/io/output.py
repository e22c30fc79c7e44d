"""Safe output files: check the path before expensive work, then write atomically, never clobber.

A file appears under its name only when it is complete: it is written as an anonymous file in
the target folder and linked into place (`ncodec.io.anonymous`, `ncodec.io.temporaries`), so
neither Ctrl-C nor a kill at any moment leaves a partial or temporary file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ncodec.errors import InputError, OutputExistsError
from ncodec.io.anonymous import link_anonymous, open_anonymous
from ncodec.io.temporaries import remove_stale_temporaries, temporary_name


def check_output_path(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Fail now (one line) if `path` cannot be written: exists without force, bad directory."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"output path is a directory: {target}")
    if (target.exists() or target.is_symlink()) and not force:
        raise OutputExistsError(f"output file exists: {target} (use --force to overwrite)")
    parent = target.parent
    if not parent.exists():
        raise InputError(f"output directory does not exist: {parent}")
    if not parent.is_dir():
        raise InputError(f"output directory is not a directory: {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"output directory is not writable: {parent}")
    return target


def check_not_input(source: str | os.PathLike[str], output: str | os.PathLike[str]) -> None:
    """InputError if writing `output` would replace the input file `source`, even with --force
    (same path once resolved, or the same file through a hard or symbolic link)."""
    src, out = Path(source), Path(output)
    same = src.resolve() == out.resolve()
    if not same and src.exists() and out.exists():
        with contextlib.suppress(OSError):
            same = os.path.samefile(src, out)
    if same:
        raise InputError(f"output {out} is the input file: write to another file")


def write_file_atomic(path: str | os.PathLike[str], data: bytes, force: bool = False) -> Path:
    """Write `data` to `path` so that it appears complete or not at all.

    Without `force` an existing file is never replaced, even one created by another process
    after the check. Stale temporaries of earlier, killed runs in the folder are removed first.
    """
    target = check_output_path(path, force)
    remove_stale_temporaries(target.parent)
    try:
        descriptor = open_anonymous(target.parent)
        if descriptor is None:
            _write_named(target, data, force)
        else:
            _write_anonymous(descriptor, target, data, force)
    except OSError as err:
        raise InputError(f"cannot write {target}: {err.strerror or err}") from None
    return target


def _write_anonymous(descriptor: int, target: Path, data: bytes, force: bool) -> None:
    """Fill the nameless file, then give it the target's name (replacing only with `force`)."""
    try:
        _fill(descriptor, data)
        if not force:
            try:
                link_anonymous(descriptor, target)
            except FileExistsError:
                raise _exists(target) from None
            return
        temp = temporary_name(target)
        try:
            link_anonymous(descriptor, temp)
            os.replace(temp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    finally:
        os.close(descriptor)


def _write_named(target: Path, data: bytes, force: bool) -> None:
    """Fallback: a named temporary of ours, renamed (or hard-linked, without `force`)."""
    temp = temporary_name(target)
    try:
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            _fill(descriptor, data)
        finally:
            os.close(descriptor)
        if force:
            os.replace(temp, target)
        else:
            _publish_without_overwrite(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _fill(descriptor: int, data: bytes) -> None:
    """Write all of `data` and flush it to disk."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
    os.fsync(descriptor)


def _publish_without_overwrite(temp: Path, target: Path) -> None:
    """Give the finished temp file its final name, failing if that name already exists."""
    try:
        os.link(temp, target)  # atomic and refuses to replace an existing file
    except FileExistsError:
        raise _exists(target) from None
    except OSError:
        # Filesystems without hard links: fall back to check-then-rename.
        if target.exists():
            raise _exists(target) from None
        os.replace(temp, target)


def _exists(target: Path) -> OutputExistsError:
    return OutputExistsError(f"output file exists: {target} (use --force to overwrite)")
