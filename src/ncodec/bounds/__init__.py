"""ncodec.bounds (placeholder)."""
