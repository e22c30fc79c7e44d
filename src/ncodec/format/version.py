"""Which `.ncz` versions this ncodec writes and reads, and how a newer minor version is handled."""

from __future__ import annotations

from ncodec.errors import FormatError

FORMAT_VERSION: tuple[int, int] = (2, 0)
"""(major, minor) that every writer of this ncodec produces."""

LATEST_MINOR: dict[int, int] = {1: 0, 2: 0}
"""Newest known minor of each readable major (1.x is read-only, for files written before 2.0)."""


def check_readable(major: int, minor: int) -> None:
    """Raise a one-line FormatError unless this ncodec reads files of version `major`.`minor`."""
    if major in LATEST_MINOR:
        return
    majors = " and ".join(f"{known}.x" for known in sorted(LATEST_MINOR))
    newer = "; upgrade ncodec" if major > max(LATEST_MINOR) else ""
    raise FormatError(
        f"unsupported .ncz format version {major}.{minor}: "
        f"this ncodec reads versions {majors}{newer}"
    )


def is_newer_minor(version: tuple[int, int]) -> bool:
    """True if `version` is a minor this ncodec does not know, so unknown trailing fields are OK."""
    major, minor = version
    return minor > LATEST_MINOR[major]
