"""Log-in and sign-up limits.

Per account: django-axes locks a username after AXES_FAILURE_LIMIT failed log-ins, for AXES_COOLOFF_TIME.
Per client address: django-ratelimit caps log-in and sign-up attempts per window (LOGIN_RATE_PER_IP,
SIGNUP_RATE_PER_IP), counted in Redis so every web process shares the count. Both expire by themselves.
"""

from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

WINDOWS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


class LockoutBackend(AxesStandaloneBackend):
    """Refuses log-ins to a paused account. Checks made without a request (tests, scripts) are not counted."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the header the reverse proxy sets (CLIENT_IP_HEADER)."""
    if settings.CLIENT_IP_HEADER:
        forwarded = request.META.get(settings.CLIENT_IP_HEADER, "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def ip_key(group, request) -> str:
    return client_ip(request)


def over_limit(request, group: str, rate: str) -> bool:
    """Count this attempt against the client address; True when it goes over ``rate`` (e.g. "20/10m")."""
    try:
        return is_ratelimited(request, group=group, key=ip_key, rate=rate, method="POST", increment=True)
    except RedisError:
        log.warning("Redis is unreachable: %s is not rate-limited for now (account lockout still applies)", group)
        return False


def window_text(rate: str) -> str:
    """'20/10m' -> '10 minutes'; '5/h' -> 'hour'."""
    period = rate.split("/", 1)[1]
    number, unit = period[:-1], WINDOWS.get(period[-1], period[-1])
    return f"{number} {unit}s" if number and number != "1" else unit


def throttled(request, action: str, rate: str):
    context = {"action": action, "window": window_text(rate)}
    return render(request, "registration/throttled.html", context, status=429)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a log-in on a paused account: what happened and when it ends."""
    context = {
        "failures": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


class LoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        if over_limit(request, "login-ip", settings.LOGIN_RATE_PER_IP):
            return throttled(request, "log-in attempts", settings.LOGIN_RATE_PER_IP)
        return super().post(request, *args, **kwargs)


def admin_login(request):
    """The admin's log-in page sends staff to the site's log-in, which is throttled, keeping ``next``."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("login") + (f"?{query}" if query else "?next=" + reverse("admin:index")))
