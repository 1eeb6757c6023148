"""Requests that hold a web thread while their run goes, bounded per workspace and on the whole site.

A function URL request, or an Invoke through a workspace's AWS endpoint, waits for its run (up to
``HOLD_S``). ``place(workspace_id)`` takes one place among the requests waiting at once: at most
``WAITING_REQUESTS_PER_WORKSPACE`` in one workspace and ``WAITING_REQUESTS`` on the whole site (sandbox
limits, ``SANDBOX_<NAME>`` settings). The places live in Redis (sorted sets scored by when a place lapses),
so the count holds across web processes and hosts; a place a crashed process never gave back lapses after
``HOLD_S`` plus a margin. When either count is full, ``Crowded`` is raised at once and the caller answers
429 without starting a run.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator

import redis

from sandbox import limits, locks

HOLD_S = 30.0  # the longest a request waits for its run (function URLs and the endpoint's Invoke)
MARGIN_S = 15.0  # a place lapses this long after its wait would have ended, should its process die
SITE_KEY = "sandbox:waiting:site"
WORKSPACE_PREFIX = "sandbox:waiting:workspace:"

log = logging.getLogger(__name__)

# KEYS: the workspace's set, the site's set. ARGV: lapse after (s), workspace cap, site cap, place id.
# Returns 0 (taken), 1 (the workspace is full) or 2 (the site is full).
_TAKE = """
local clock = redis.call('time')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
for _, key in ipairs(KEYS) do redis.call('zremrangebyscore', key, '-inf', now) end
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[2]) then return 1 end
if redis.call('zcard', KEYS[2]) >= tonumber(ARGV[3]) then return 2 end
local lapses = now + tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  redis.call('zadd', key, lapses, ARGV[4])
  redis.call('expire', key, math.ceil(tonumber(ARGV[1])) + 1)
end
return 0
"""


class Crowded(Exception):
    """Too many requests are waiting already, in the workspace (``scope == "workspace"``) or on the site."""

    def __init__(self, scope: str):
        super().__init__(f"too many requests waiting at once on this {scope}")
        self.scope = scope


def workspace_key(workspace_id) -> str:
    return f"{WORKSPACE_PREFIX}{workspace_id}"


def waiting(workspace_id=None) -> int:
    """How many requests hold a place now, in the workspace or (without one) on the site."""
    key = workspace_key(workspace_id) if workspace_id is not None else SITE_KEY
    return int(locks.client().zcard(key))


@contextlib.contextmanager
def place(workspace_id) -> Iterator[None]:
    """Hold a place while the request waits; raises ``Crowded`` at once when none is free.

    Should Redis not answer, the request goes on without a place (the run it starts needs Redis too, and
    reports its own failure).
    """
    keys = [workspace_key(workspace_id), SITE_KEY]
    token = uuid.uuid4().hex
    client = locks.client()
    try:
        taken = int(
            client.eval(
                _TAKE,
                len(keys),
                *keys,
                HOLD_S + MARGIN_S,
                limits.limit("WAITING_REQUESTS_PER_WORKSPACE"),
                limits.limit("WAITING_REQUESTS"),
                token,
            )
        )
    except redis.RedisError:
        log.warning("waiting places: Redis did not answer; the request goes on without one", exc_info=True)
        taken = -1
    if taken == 1:
        raise Crowded("workspace")
    if taken == 2:
        raise Crowded("site")
    try:
        yield
    finally:
        if taken == 0:
            with contextlib.suppress(redis.RedisError):
                for key in keys:
                    client.zrem(key, token)
