"""ncodec.io: find and load images as codec-ready RGB with notices, and write outputs safely."""

from ncodec.io.arrays import MAX_PIXELS, LoadedImage, is_grayscale_mode, load_image_array
from ncodec.io.discovery import IMAGE_SUFFIXES, find_images
from ncodec.io.images import (
    check_image_output_path,
    encode_image,
    load_image,
    load_image_bytes,
    load_rgb,
    save_image,
)
from ncodec.io.inputs import check_input_file, read_input_file
from ncodec.io.output import check_not_input, check_output_path, write_file_atomic

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
    "LoadedImage",
    "check_image_output_path",
    "check_input_file",
    "check_not_input",
    "check_output_path",
    "encode_image",
    "find_images",
    "is_grayscale_mode",
    "load_image",
    "load_image_array",
    "load_image_bytes",
    "load_rgb",
    "read_input_file",
    "save_image",
    "write_file_atomic",
]
