"""ncodec.format: the versioned, checksummed `.ncz` container that learned codecs write."""

from ncodec.format.container import (
    FORMAT_VERSION,
    MAGIC,
    NczHeader,
    describe,
    read_header,
    read_ncz,
    write_ncz,
)
from ncodec.format.weights_hash import weights_hash, weights_hash_of_file

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "NczHeader",
    "describe",
    "read_header",
    "read_ncz",
    "weights_hash",
    "weights_hash_of_file",
    "write_ncz",
]
