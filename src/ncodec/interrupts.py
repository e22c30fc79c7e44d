"""Ctrl-C and closed pipes: one line (or none) and the usual exit status, never a traceback.

`install()` runs first in the `ncodec` command, before the heavy imports. Until a command runs,
Ctrl-C prints one line and exits at once (nothing is being written yet); while it runs
(`raising()`), Ctrl-C raises KeyboardInterrupt so that cleanup code runs and the CLI reports
it. Standard library only, so that installing it costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType
    from typing import NoReturn

INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT, as shells report it)."""
BROKEN_PIPE = 141
"""Exit status when the reader of standard output went away (128 + SIGPIPE, as for `cat`)."""
MESSAGE = "ncodec: interrupted"

_raising = False


def install() -> None:
    """Handle Ctrl-C from now on (main thread only)."""
    signal.signal(signal.SIGINT, _on_interrupt)


def ignore() -> None:
    """Ignore Ctrl-C from now on (the work is done; only shutting down remains)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    """Raise inside a running command; exit at once anywhere else."""
    if _raising:
        raise KeyboardInterrupt
    exit_now(INTERRUPTED, MESSAGE)


@contextlib.contextmanager
def raising() -> Iterator[None]:
    """Within this block Ctrl-C raises KeyboardInterrupt (so `finally` blocks clean up)."""
    global _raising
    previous, _raising = _raising, True
    try:
        yield
    finally:
        _raising = previous


def exit_now(status: int, message: str = "") -> NoReturn:
    """Print `message` (one line) on stderr and leave immediately, skipping interpreter exit."""
    if message:
        with contextlib.suppress(OSError):
            os.write(2, f"{message}\n".encode())
    os._exit(status)


def flush_standard_streams() -> None:
    """Write out what Python still buffers for stdout and stderr (before `exit_now`)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()


def silence_stdout() -> None:
    """Point standard output at /dev/null, so a closed pipe's final flush says nothing."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
