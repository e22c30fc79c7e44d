"""ncodec.io."""
