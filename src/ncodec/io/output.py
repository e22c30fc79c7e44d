"""Safe output files: check the path before expensive work, then write atomically, never clobber."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from ncodec.errors import InputError, OutputExistsError


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


def write_file_atomic(path: str | os.PathLike[str], data: bytes, force: bool = False) -> Path:
    """Write `data` to `path` via a temporary file in the same directory and an atomic rename.

    An interrupted write leaves no partial file; without `force` an existing file is never
    replaced, even one created by another process after the check.
    """
    target = check_output_path(path, force)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        _write_new_file(temp, data)
        if force:
            os.replace(temp, target)
        else:
            _publish_without_overwrite(temp, target)
    except OSError as err:
        raise InputError(f"cannot write {target}: {err.strerror or err}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return target


def _write_new_file(path: Path, data: bytes) -> None:
    """Create `path` (which must not exist) with the umask's permissions and flush it to disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _publish_without_overwrite(temp: Path, target: Path) -> None:
    """Give the finished temp file its final name, failing if that name already exists."""
    try:
        os.link(temp, target)  # atomic and refuses to replace an existing file
    except FileExistsError:
        raise OutputExistsError(
            f"output file exists: {target} (use --force to overwrite)"
        ) from None
    except OSError:
        # Filesystems without hard links: fall back to check-then-rename.
        if target.exists():
            raise OutputExistsError(
                f"output file exists: {target} (use --force to overwrite)"
            ) from None
        os.replace(temp, target)
