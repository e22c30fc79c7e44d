"""Anonymous files (Linux `O_TMPFILE`): written without a name, linked into place when complete.

Nothing of such a file is visible until it is linked, and the kernel frees it if the process
dies first, so no interruption or kill can leave a partial or temporary file behind.
"""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path
from typing import Any

_PROC_FD = Path("/proc/self/fd")
_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400


def open_anonymous(folder: Path) -> int | None:
    """A write descriptor of a new nameless file in `folder`, or None where there is none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or _linkat() is None or not _PROC_FD.is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o666)
    except OSError as err:
        if err.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return None  # this filesystem cannot make anonymous files
        raise


def link_anonymous(descriptor: int, target: Path) -> None:
    """Give the anonymous file its name `target`; FileExistsError if that name is taken.

    Through `/proc/self/fd` with AT_SYMLINK_FOLLOW (os.link does not follow that link here).
    """
    source = os.fsencode(_PROC_FD / str(descriptor))
    linkat = _linkat()
    if linkat(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(target), _AT_SYMLINK_FOLLOW) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(target))


def _linkat() -> Any:
    """libc's linkat, or None on systems without it."""
    try:
        return ctypes.CDLL(None, use_errno=True).linkat
    except (OSError, AttributeError):
        return None
