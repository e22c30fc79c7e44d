"""The `ncodec` command line: a thin shell over the library; every user error is one line.

The installed `ncodec` command enters through `ncodec.__main__`, which handles Ctrl-C before
this module imports torch.
"""

from __future__ import annotations

import importlib
import sys

import click

from ncodec import interrupts
from ncodec.decode_limits import is_allocation_failure
from ncodec.errors import NcodecError
from ncodec.version_info import version_option

_COMMANDS = {
    "compress": "ncodec.commands:compress_command",
    "decompress": "ncodec.commands:decompress_command",
    "info": "ncodec.commands:info_command",
    "models": "ncodec.commands:models_command",
    "eval": "ncodec.eval.cli:eval_command",
    "bounds": "ncodec.bounds.cli:bounds_command",
    "train": "ncodec.train.cli:train_command",
    "compare": "ncodec.compare.cli:compare_command",
    "batch": "ncodec.batch.cli:batch_command",
}
"""Subcommands, imported when used (`ncodec info` need not load the evaluation's libraries)."""


class _Group(click.Group):
    """Click group that turns library errors into `ncodec: error: ...` and exit code 2, Ctrl-C
    into one line and 130, and a closed output pipe into a silent 141 (as `cat` would end)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _COMMANDS and name not in self.commands:
            module, attribute = _COMMANDS[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def _import_command(self, ctx: click.Context) -> None:
        """Import the named subcommand's module (and torch with it) now, while Ctrl-C still
        exits at once: a KeyboardInterrupt raised inside torch's import could unwind through
        its C++ initialization, which then aborted the process (SIGABRT, a Python trace)."""
        # Click keeps the subcommand's name apart from its arguments until it resolves it.
        tokens = [*getattr(ctx, "_protected_args", ()), *ctx.args]
        if tokens:
            self.get_command(ctx, tokens[0])

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            self._import_command(ctx)
            with interrupts.raising():
                return super().invoke(ctx)
        except NcodecError as err:
            click.echo(f"ncodec: error: {err}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            # The command's cleanup ran while the interrupt unwound; leave at once. With a
            # normal interpreter exit, `python -m ncodec compress` interrupted mid-encode ended
            # killed by SIGINT (status -2, not 130) in about 1 run in 6: CPython re-raises
            # SIGINT at exit when it has marked an interrupt as unhandled, which it did here
            # although the interrupt was caught (the exact trigger was not found).
            interrupts.flush_standard_streams()
            interrupts.exit_now(interrupts.INTERRUPTED, interrupts.MESSAGE)
        except BrokenPipeError:
            interrupts.silence_stdout()
            sys.exit(interrupts.BROKEN_PIPE)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except MemoryError:
            click.echo("ncodec: error: out of memory", err=True)
            sys.exit(1)
        except RuntimeError as err:
            if not is_allocation_failure(err):
                _internal_error(ctx, err)
            click.echo("ncodec: error: out of memory", err=True)
            sys.exit(1)
        except Exception as err:
            _internal_error(ctx, err)


def _internal_error(ctx: click.Context, err: Exception) -> None:
    """Report a bug in one line (or re-raise it with --debug) and exit 1."""
    if ctx.obj and ctx.obj.get("debug"):
        raise err
    click.echo(
        f"ncodec: internal error: {type(err).__name__}: {err} (rerun with --debug)",
        err=True,
    )
    sys.exit(1)


@click.group(cls=_Group)
@version_option
@click.option("--debug", is_flag=True, help="Show full tracebacks for internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """ncodec: learned image compression that writes real files."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


if __name__ == "__main__":
    main(prog_name="ncodec")
