"""Show times in the student's own time zone: the browser reports it once in the ``tz`` cookie."""

from __future__ import annotations

import re
import zoneinfo

from django.utils import timezone

ZONE_COOKIE = "tz"
ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}")


def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA zone of that name, or None when the name is not one (never an error for a bad cookie)."""
    if not name or len(name) > 64 or not ZONE_NAME.fullmatch(name):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


class TimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = zone_named(request.COOKIES.get(ZONE_COOKIE, ""))
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
