from array import array
from bisect import bisect_right

from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey


class CallerRateThrottle(SimpleRateThrottle):
    """One allowance per API key (or per signed-in person, or per address when anonymous); the rate is
    `API_THROTTLE_RATE`. Counted in the cache: set CACHE_URL to share the count between processes.

    The same sliding window as DRF's: the times of the requests of the last period, a request refused
    when as many as the rate allows are in it. They are kept as packed doubles, oldest first, not as
    a list of floats: DRF pickles and unpickles the list and inserts at its head on every request, which
    at a few thousand requests a minute cost more than the rest of a small API answer."""

    scope = "caller"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        stored = self.cache.get(self.key)
        # bytes as stored here; a list as DRF stored it (newest first), read once after an upgrade.
        self.times = array("d", stored if isinstance(stored, bytes) else sorted(stored or ()))
        self.now = self.timer()
        # As DRF: a request exactly one period old no longer counts.
        del self.times[: bisect_right(self.times, self.now - self.duration)]
        if len(self.times) >= self.num_requests:
            return self.throttle_failure()
        self.times.append(self.now)
        self.cache.set(self.key, self.times.tobytes(), self.duration)
        return True

    def wait(self):
        remaining = self.duration - (self.now - self.times[0]) if self.times else self.duration
        available = self.num_requests - len(self.times) + 1
        return None if available <= 0 else remaining / float(available)
