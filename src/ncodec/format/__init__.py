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
from ncodec.format.payloads import (
    ImageInfo,
    LosslessImageInfo,
    Payload,
    PayloadKind,
    PointCloudInfo,
    TensorInfo,
)
from ncodec.format.pixel_checksum import check_decoded_pixels, pixels_crc32
from ncodec.format.weights_hash import weights_hash, weights_hash_of_file

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "ImageInfo",
    "LosslessImageInfo",
    "NczHeader",
    "Payload",
    "PayloadKind",
    "PointCloudInfo",
    "TensorInfo",
    "check_decoded_pixels",
    "describe",
    "pixels_crc32",
    "read_header",
    "read_ncz",
    "weights_hash",
    "weights_hash_of_file",
    "write_ncz",
]
