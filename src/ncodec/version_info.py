"""What `ncodec --version` prints: package version, `.ncz` format version, installed weights and
whether the compiled kernels (overfit decoder, lidar-octree contexts) are in use.

A bug report then says exactly which code, file format and weights made a file.
"""

from __future__ import annotations

import click

from ncodec import __version__


def version_text() -> str:
    """One line for the package and format, then one per installed model with its hash."""
    from ncodec.format.version import FORMAT_VERSION
    from ncodec.models.overfit.kernels import describe
    from ncodec.pointcloud.kernels import KERNELS as POINTCLOUD_KERNELS
    from ncodec.zoo import installed_models

    lines = [f"ncodec {__version__} (.ncz format {FORMAT_VERSION[0]}.{FORMAT_VERSION[1]})"]
    models = installed_models()
    for name, entry in models.items():
        lines.append(f"  {name:<20} weights {entry.weights_hash}  {entry.path}")
    if not models:
        lines.append("  no models installed")
    lines.append(f"kernels: overfit decoder {describe()}")
    lines.append(f"kernels: lidar-octree contexts {POINTCLOUD_KERNELS.describe()}")
    return "\n".join(lines)


def print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """Eager `--version` callback: print `version_text()` and exit."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(version_text())
    ctx.exit()


version_option = click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=print_version,
    help="Show the version, the .ncz format version and the installed models' weights hashes.",
)
"""The `--version` option of the `ncodec` group."""
