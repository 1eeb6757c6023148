"""Redis for the sandbox shell: the per-workspace lock and the broker's identity.

The lock's value names its holder (``host:pid:token``) so that a worker on the same host can tell
that the holder died (SIGKILL) and break the lock at once instead of waiting for it to expire.
``server_id()`` is Redis's ``run_id``, which changes on every restart: a run queued on an older
server may have lost its message, so the sweeper sends it again. It is read at most once a second
per process (``SERVER_ID_TTL_S``): a value up to a second old can only name an *older* server, and a
run noted with an older server is sent once more by the sweeper, which the claim makes harmless.

``announce_finished(run_id)`` / ``wait_finished(run_id, timeout_s)`` let a reader sleep until a run's
row is finished instead of polling it. They are hints: the row stays the source of truth, and a lost
hint costs only the reader's timeout.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid

import redis
from django.conf import settings

LOCK_PREFIX = "sandbox:workspace:"
FINISHED_PREFIX = "sandbox:finished:"
FINISHED_TTL_S = 60
SERVER_ID_TTL_S = 1.0
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


_server_ids: dict[str, tuple[float, str]] = {}  # Redis URL -> (monotonic time read, run_id)


def server_id() -> str:
    """The Redis server's run_id ("" when Redis does not answer); read at most once a second."""
    url = settings.REDIS_URL
    cached = _server_ids.get(url)
    if cached is not None and time.monotonic() - cached[0] < SERVER_ID_TTL_S:
        return cached[1]
    try:
        value = str(client().info("server").get("run_id", ""))
    except redis.RedisError:
        _server_ids.pop(url, None)
        return ""
    _server_ids[url] = (time.monotonic(), value)
    return value


def forget_server_id() -> None:
    """Read the run_id afresh next time (after a connection error, or in tests that restart Redis)."""
    _server_ids.clear()


def announce_finished(run_id) -> None:
    """Wake a reader waiting for this run (a hint; the row is the truth)."""
    name = f"{settings.REDIS_KEY_PREFIX}{FINISHED_PREFIX}{run_id}"
    try:
        pipe = client().pipeline(transaction=False)
        pipe.rpush(name, 1)
        pipe.expire(name, FINISHED_TTL_S)
        pipe.execute()
    except redis.RedisError:
        pass


def wait_finished(run_id, timeout_s: float) -> bool:
    """Sleep until the run is announced finished or ``timeout_s`` passes; True when announced."""
    try:
        return client().blpop([f"{settings.REDIS_KEY_PREFIX}{FINISHED_PREFIX}{run_id}"], timeout=timeout_s) is not None
    except redis.RedisError:
        time.sleep(min(timeout_s, 0.05))
        return False


def key(workspace_id) -> str:
    return f"{settings.REDIS_KEY_PREFIX}{LOCK_PREFIX}{workspace_id}"


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
        # One round trip when the lock is free; only a taken lock is checked for a dead holder.
        if self.lock.acquire(blocking=False, token=self.token):
            return True
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
