def register(router) -> None:
    """Routes of this module (filled in by its resource)."""
