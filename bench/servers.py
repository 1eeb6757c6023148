"""Helpers the benchmark scripts share for the servers they start on this machine."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start listening")


def drop_redis_keys(url: str, prefix: str) -> int:
    """Delete every key a benchmark's stack wrote under its own prefix (sessions, rate limits, results)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        names = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(names), 500):
            client.delete(*names[start : start + 500])
        return len(names)
    except redis.RedisError:
        return 0
    finally:
        client.close()
