"""ncodec.eval (placeholder)."""
