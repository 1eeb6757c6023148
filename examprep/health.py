"""What /health/ checks: the database, the Celery broker, a Celery worker and the sandbox daemon.

The database and the broker are required (503 when either fails: nothing can be queued); a missing worker or
daemon is reported as "degraded" with 200, since lessons and practice still work without them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection as db_connection
from redis import Redis
from redis.exceptions import RedisError

WORKER_PING_SECONDS = 1.0
WORKER_CACHE_SECONDS = 10  # a probe every few seconds must not hold a web process for a second each time


def database() -> dict:
    try:
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means the same to an operator: unreachable
        return {"ok": False, "error": f"database unreachable ({type(error).__name__})"}
    return {"ok": True}


def broker() -> dict:
    try:
        Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except (RedisError, OSError) as error:
        return {"ok": False, "error": f"no answer from the Redis broker ({type(error).__name__})"}
    return {"ok": True}


def worker() -> dict:
    key = "health:worker:" + settings.CELERY_BROKER_URL
    cached = cache.get(key)
    if cached is not None:
        return cached
    from examprep.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            replies = app.control.ping(timeout=WORKER_PING_SECONDS, connection=connection) or []
    except (RedisError, OSError) as error:
        replies, reason = [], f"cannot reach workers ({type(error).__name__})"
    else:
        reason = "no Celery worker answered a ping"
    result = {"ok": True, "workers": len(replies)} if replies else {"ok": False, "workers": 0, "error": reason}
    cache.set(key, result, WORKER_CACHE_SECONDS)
    return result


def sandbox_daemon() -> dict:
    from sandbox.runtime.client import ping

    if ping() is None:
        return {"ok": False, "error": "the sandbox daemon does not answer on its socket"}
    return {"ok": True}


def report() -> tuple[dict, int]:
    checks = {"database": database(), "broker": broker()}
    checks["worker"] = worker() if checks["broker"]["ok"] else {"ok": False, "error": "broker down"}
    checks["sandbox"] = sandbox_daemon()
    if not (checks["database"]["ok"] and checks["broker"]["ok"]):
        return {"status": "down", "checks": checks}, 503
    status = "ok" if all(check["ok"] for check in checks.values()) else "degraded"
    return {"status": status, "checks": checks}, 200
