"""Factories for the runtime tests: specs, requests, network tables and environment ids."""

from __future__ import annotations

import itertools
import json
import os
import socket
import textwrap

import redis

from sandbox.emulator.executor import EnvironmentSpec, InvokeRequest, NetworkTable, Verdict
from sandbox.runtime import client
from sandbox.runtime.daemon import processes_of_uid

REDIS_KEY = "examprep-hostile-canary"

_ids = itertools.count(1)


def make_spec(handler_source: str = "def lambda_handler(event, context):\n    return event\n", **overrides):
    code = overrides.pop("code", None) or {"lambda_function.py": textwrap.dedent(handler_source)}
    values = {"function_name": "fn", "code": code, "timeout_s": 3.0, "memory_mb": 128, "ephemeral_storage_mb": 64}
    values.update(overrides)
    return EnvironmentSpec(**values)


def make_request(payload=None, **overrides) -> InvokeRequest:
    values = {
        "request_id": f"req-{next(_ids):04d}",
        "payload": json.dumps(payload if payload is not None else {}),
        "clock_start_s": 1_700_000_000.0,
    }
    values.update(overrides)
    return InvokeRequest(**values)


def make_network(**hosts) -> NetworkTable:
    """make_network(db=("connected", "same VPC"), ...) for every port of each host."""
    return NetworkTable(hosts={name.replace("_", "."): {"*": Verdict(*verdict)} for name, verdict in hosts.items()})


def new_environment_id() -> str:
    return f"env-{next(_ids):04d}"


def run(sandbox, source: str, payload=None, *, invokes: int = 1, **overrides):
    """Create an environment with ``source``, invoke it, and return (environment id, init, [results])."""
    environment_id = new_environment_id()
    overrides.setdefault("timeout_s", 2.0)
    init = sandbox.create(environment_id, make_spec(textwrap.dedent(source), **overrides))
    results = [sandbox.invoke(environment_id, make_request(payload)) for _ in range(invokes)]
    return environment_id, init, results


def body(result) -> object:
    assert result.outcome == "success", (result.outcome, result.error, result.logs[-2000:])
    return json.loads(result.response)


def assert_host_unaffected(sandbox, environment_id: str, written: tuple[str, ...] = ()) -> None:
    uid = sandbox.describe(environment_id)["uid"]

    teardown = sandbox.call({"op": "destroy", "id": environment_id})

    assert teardown["processes_left"] == 0
    assert processes_of_uid(uid) == []
    store = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    assert store.ping()
    assert store.exists(REDIS_KEY) == 0
    with socket.create_connection(("127.0.0.1", 5432), timeout=2):
        pass
    for path in written:
        assert not os.path.lexists(path), path
    assert client.ping(sandbox.path)["ok"]
