"""The `ncodec` command line: a thin shell over the library; every user error is one line."""

from __future__ import annotations

import sys

import click

from ncodec.errors import NcodecError
from ncodec.version_info import version_option


class _Group(click.Group):
    """Click group that turns library errors into `ncodec: error: ...` and exit code 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except NcodecError as err:
            click.echo(f"ncodec: error: {err}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("ncodec: interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except MemoryError:
            click.echo("ncodec: error: out of memory", err=True)
            sys.exit(1)
        except Exception as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
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


def _register() -> None:
    from ncodec.bounds.cli import bounds_command
    from ncodec.commands import compress_command, decompress_command, info_command, models_command
    from ncodec.eval.cli import eval_command
    from ncodec.train.cli import train_command

    for command in (compress_command, decompress_command, info_command, models_command):
        main.add_command(command)
    main.add_command(eval_command, "eval")
    main.add_command(bounds_command, "bounds")
    main.add_command(train_command, "train")


_register()

if __name__ == "__main__":
    main()
