"""Redis for the sandbox shell: the per-workspace lock and the broker's identity.

The lock's value names its holder (``host:pid:token``) so that a worker on the same host can tell
that the holder died (SIGKILL) and break the lock at once instead of waiting for it to expire.
``server_id()`` is Redis's ``run_id``, which changes on every restart: a run queued on an older
server may have lost its message, so the sweeper sends it again.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid

import redis
from django.conf import settings

LOCK_PREFIX = "examprep:sandbox:workspace:"
HOST = socket.gethostname()

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()

# Deletes the key only while it still holds the expected value.
_BREAK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def client() -> redis.Redis:
    url = settings.REDIS_URL
    with _clients_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        return _clients[url]


def server_id() -> str:
    """The Redis server's run_id ("" when Redis does not answer)."""
    try:
        return str(client().info("server").get("run_id", ""))
    except redis.RedisError:
        return ""


def key(workspace_id) -> str:
    return f"{LOCK_PREFIX}{workspace_id}"


def new_token() -> str:
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex}"


def holder_is_dead(value: str) -> bool:
    """True when the holder ran on this host and its process is gone."""
    host, _, rest = value.partition(":")
    pid_text = rest.partition(":")[0]
    if host != HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class WorkspaceLock:
    """One advance per workspace at a time. ``timeout_s`` must exceed the task's hard time limit."""

    def __init__(self, workspace_id, timeout_s: float):
        self.name = key(workspace_id)
        self.timeout_s = timeout_s
        self.token = new_token()
        self.lock = client().lock(self.name, timeout=timeout_s, sleep=0.02, thread_local=False)

    def acquire(self, wait_s: float) -> bool:
        self.break_if_holder_dead()
        return bool(self.lock.acquire(blocking=True, blocking_timeout=wait_s, token=self.token))

    def break_if_holder_dead(self) -> bool:
        current = client().get(self.name)
        if current is None:
            return False
        value = current.decode()
        if holder_is_dead(value):
            return bool(client().eval(_BREAK, 1, self.name, value))
        return False

    def release(self) -> None:
        with contextlib.suppress(redis.exceptions.LockError):  # expired or broken: nothing to give back
            self.lock.release()

    def held(self) -> bool:
        return self.lock.owned()


def is_locked(workspace_id) -> bool:
    try:
        return client().exists(key(workspace_id)) == 1
    except redis.RedisError:
        return False
