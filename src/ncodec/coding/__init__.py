"""ncodec.coding."""
