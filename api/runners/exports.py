"""Runner for large exports built in the background."""
