"""ncodec.entropy."""
