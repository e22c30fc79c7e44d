"""ncodec.format."""
