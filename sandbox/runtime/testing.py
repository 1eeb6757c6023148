"""Small helpers for the runtime's tests (kept here because they are shared by several test modules)."""

from __future__ import annotations

import itertools
import json
import textwrap

from sandbox.emulator.executor import EnvironmentSpec, InvokeRequest, NetworkTable, Verdict

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
