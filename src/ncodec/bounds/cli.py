"""Placeholder for the `ncodec bounds` command; replaced by the real implementation."""

import click


@click.command()
def bounds_command() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
