"""Fixed-window counters in the cache, for rate limits (sign-in failures, lookups, reports)."""

from django.core.cache import cache


def count_in_window(key: str, *, seconds: int) -> int:
    """Count one more event under `key` and return the count in the window that the first event
    started (`seconds` long); a window that expired between the two cache calls starts again at 1."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
