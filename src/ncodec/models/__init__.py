"""ncodec.models."""
