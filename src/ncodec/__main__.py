"""The `ncodec` command (and `python -m ncodec`): Ctrl-C handling first, then the heavy imports.

Importing this module installs a minimal Ctrl-C handler at once (it is only imported to run the
command); `main` then installs the full one (`ncodec.interrupts`) and imports the CLI and torch.
"""

# The builtin `_signal`, not `signal`: importing `signal` (and with it `enum`) takes longer than
# the rest of this module and would leave Ctrl-C unhandled meanwhile.
import _signal
import os


def _interrupted_while_starting(signum, frame):
    """Ctrl-C before the command line is loaded: one line, exit 130, nothing to clean up."""
    os.write(2, b"ncodec: interrupted\n")
    os._exit(130)


_signal.signal(_signal.SIGINT, _interrupted_while_starting)


def main() -> None:
    """Install the interrupt handler before importing torch, then run the command line."""
    from ncodec import interrupts

    interrupts.install()
    from ncodec.cli import main as cli

    try:
        cli(prog_name="ncodec")
    finally:
        # The command is over (its files are complete): a Ctrl-C while the interpreter shuts
        # down changes nothing, instead of killing it with a signal status.
        interrupts.ignore()


if __name__ == "__main__":
    main()
