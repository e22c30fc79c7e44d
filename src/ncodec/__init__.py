"""ncodec: learned codecs that write real files, decode anywhere, and are measured honestly."""

__version__ = "0.1.0"
