"""Placeholder for the `ncodec eval` command; replaced by the real implementation."""

import click


@click.command()
def eval_command() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
