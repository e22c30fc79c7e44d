"""ncodec.train."""
