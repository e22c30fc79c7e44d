"""ncodec.layers."""
