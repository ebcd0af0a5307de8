"""The productivity-and-quality support programme."""
