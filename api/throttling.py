from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey


class CallerRateThrottle(SimpleRateThrottle):
    """One allowance per API key (or per signed-in person, or per address when anonymous); the rate is
    `API_THROTTLE_RATE`. Counted in the cache: set CACHE_URL to share the count between processes."""

    scope = "caller"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
