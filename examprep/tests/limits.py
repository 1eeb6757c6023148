"""Reset this checkout's rate-limit counters in Redis (only its own keys: other checkouts share the server)."""

from django.conf import settings
from django.core.cache import caches


def clear_rate_limits() -> None:
    client = caches["ratelimit"]._cache.get_client(write=True)
    for key in client.scan_iter(match=f"{settings.REDIS_KEY_PREFIX}ratelimit:*"):
        client.delete(key)
