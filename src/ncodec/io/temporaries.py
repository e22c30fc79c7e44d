"""Our temporary files in an output folder: names that say whose they are, and stale clean-up.

Outputs are written as anonymous files (Linux `O_TMPFILE`) that get a name only when complete,
so a crash leaves nothing behind. Where anonymous files are unavailable, and for the moment
between naming a finished file and moving it over an existing one (`--force`), the temporary
is called `.NAME.ncodec-PID-RANDOM.tmp`; the next write into that folder removes every such
file whose process has ended (killed, power loss).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

_TEMPORARY = re.compile(r"\..+\.ncodec-(\d+)-[0-9a-f]{8}\.tmp")


def temporary_name(target: Path) -> Path:
    """A fresh temporary path beside `target`, marked with this process's id."""
    return target.with_name(f".{target.name}.ncodec-{os.getpid()}-{secrets.token_hex(4)}.tmp")


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete our temporaries in `folder` whose process no longer runs; return what went."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.fullmatch(entry.name)
        if match is None or _running(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    """True if a process with this id exists (ours, or another user's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True
