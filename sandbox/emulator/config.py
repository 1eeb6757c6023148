"""Normalise a (validated) scenario dict: fill every default in one place.

The result is plain JSON data, stored inside the emulator state as ``state["config"]``.
Field names are the scenario format's (docs/scenarios.md), which also lists the fields
this module adds.
"""

from __future__ import annotations

import copy
from typing import Any, cast

from .layers import layer_config
from .model import Config
from .validation.rules import (
    ACCOUNT_DEFAULTS,
    ASYNC_DEFAULTS,
    ESM_SQS_DEFAULTS,
    ESM_STREAM_DEFAULTS,
    FUNCTION_DEFAULTS,
    QUEUE_DEFAULTS,
    TABLE_DEFAULTS,
)


def _without(table: dict, *names: str) -> dict:
    return {key: value for key, value in table.items() if key not in names}


# The format's defaults live with the validation rules; the engine adds only its own fields.
DEFAULT_ACCOUNT = {
    **ACCOUNT_DEFAULTS,
    "idle_reclaim_s": 900,  # [emu] AWS keeps idle environments "for some time"
    "init_billing": True,  # bill Init Duration (on-demand zip functions since 2025-08-01)
    "duplicate_delivery": False,  # deliver each async event twice when on (idempotency practice)
    "max_attempts": 20000,  # safety net: stop a runaway scenario
    "vpc_eni_delay_s": 0,  # Pending state after creation for VPC functions
    "scaling_limit": 1000,  # new environments per function per 10 s (a test override, like concurrency_limit)
    "inactive_after_s": 1_209_600,  # a VPC function idle for 14 days becomes Inactive
}

DEFAULT_ASYNC = ASYNC_DEFAULTS

DEFAULT_FUNCTION = {
    **_without(FUNCTION_DEFAULTS, "async", "description"),  # async is merged on its own below
    "code": "def lambda_handler(event, context):\n    return None\n",
    "provisioned_qualifier": None,
    "role": None,  # None: the role allows everything the scenario needs
    "runtime": "python3.12",
    "recursive_loop": "Terminate",
    "versions": {},
    "aliases": {},
}

DEFAULT_TABLE = TABLE_DEFAULTS

DEFAULT_API = {"function": None, "integration_timeout_ms": 29000, "stage": "prod"}
DEFAULT_FUNCTION_URL = {"auth_type": "NONE", "cors": None, "invoke_mode": "BUFFERED"}

# Fields whose change makes new execution environments (code or configuration).
SPEC_FIELDS = (
    "code",
    "files",
    "handler",
    "memory_mb",
    "timeout_s",
    "ephemeral_storage_mb",
    "environment",
    "vpc",
    "runtime",
    "layers",
    "snap_start",
)

# What PublishVersion freezes: code and the per-version settings. The DLQ, reserved
# concurrency and VPC settings stay per function.
VERSIONED_FIELDS = tuple(field for field in SPEC_FIELDS if field != "vpc")

DEFAULT_QUEUE = QUEUE_DEFAULTS

DEFAULT_SQS_MAPPING = _without(ESM_SQS_DEFAULTS, "function", "source")

DEFAULT_STREAM_MAPPING = {
    **_without(ESM_STREAM_DEFAULTS, "function", "source", "starting_position_timestamp", "tumbling_window_s"),
    "starting_position": "TRIM_HORIZON",
}


def _merged(defaults: dict, given: dict | None) -> dict:
    out = copy.deepcopy(defaults)
    for key, value in (given or {}).items():
        out[key] = copy.deepcopy(value)
    return out


def function_config(given: dict | None) -> dict:
    fn = _merged(DEFAULT_FUNCTION, given)
    fn["async"] = _merged(DEFAULT_ASYNC, (given or {}).get("async"))
    fn["environment"] = {str(k): str(v) for k, v in (fn.get("environment") or {}).items()}
    fn["files"] = dict(fn.get("files") or {})
    fn["layers"] = [str(ref) for ref in fn.get("layers") or []]
    # A declared version is frozen at creation: later updates of $LATEST don't reach it.
    fn["versions"] = {str(k): _version(fn, v) for k, v in (fn.get("versions") or {}).items()}
    fn["aliases"] = {str(k): _alias(v) for k, v in (fn.get("aliases") or {}).items()}
    fn["provisioned_concurrency"] = int(fn.get("provisioned_concurrency") or 0)
    return fn


def _version(fn: dict, overrides) -> dict:
    version = {**snapshot(fn), **dict(overrides or {})}
    if version.get("async") is not None:
        version["async"] = _merged(DEFAULT_ASYNC, version["async"])
    return version


def snapshot(fn: dict) -> dict:
    """The versioned part of a function's configuration, as PublishVersion freezes it."""
    return {field: copy.deepcopy(fn.get(field)) for field in VERSIONED_FIELDS}


def _alias(given) -> dict:
    if isinstance(given, (str, int)):
        return {"version": str(given), "weights": {}}
    alias = {
        "version": str(given.get("version")),
        "weights": {str(k): float(v) for k, v in (given.get("weights") or {}).items()},
    }
    if given.get("async") is not None:
        alias["async"] = _merged(DEFAULT_ASYNC, given["async"])
    return alias


def event_invoke_config(function: dict, qualifier: str | None) -> dict:
    """The asynchronous-invocation settings for calls naming ``qualifier``.

    Each qualifier has its own configuration, as PutFunctionEventInvokeConfig sets it: the function's
    ``async`` serves unqualified and ``$LATEST`` calls, an alias's or a version's own ``async`` serves calls
    through it, and a qualifier without one gets Lambda's defaults (nothing is inherited from the function).
    """
    if qualifier in (None, "", "$LATEST"):
        return function["async"]
    owner = function["aliases"].get(qualifier) or function["versions"].get(qualifier) or {}
    return owner.get("async") or copy.deepcopy(DEFAULT_ASYNC)


def queue_config(name: str, given: dict | None) -> dict:
    queue = _merged(DEFAULT_QUEUE, given)
    if name.endswith(".fifo"):
        queue["fifo"] = True
    return queue


def mapping_config(given: dict, index: int) -> dict:
    source = given.get("source", "")
    kind = source.split(":", 1)[0]
    defaults = DEFAULT_SQS_MAPPING if kind == "queue" else DEFAULT_STREAM_MAPPING
    mapping = _merged(defaults, given)
    mapping["kind"] = "sqs" if kind == "queue" else "stream"  # a table's stream (``table:NAME``) is a stream
    mapping["source_name"] = source.split(":", 1)[1] if ":" in source else source
    mapping["index"] = index
    mapping["uuid"] = f"esm-{index + 1}"
    return mapping


def normalise(raw: dict) -> Config:
    """Return the scenario with every default filled in."""
    config: dict[str, Any] = {
        "name": raw.get("name") or "scenario",
        "description": raw.get("description") or "",
        "account": _merged(DEFAULT_ACCOUNT, raw.get("account")),
        "functions": {name: function_config(fn) for name, fn in (raw.get("functions") or {}).items()},
        "queues": {name: queue_config(name, q) for name, q in (raw.get("queues") or {}).items()},
        "topics": {
            name: _merged({"subscriptions": [], "fifo": False}, t) for name, t in (raw.get("topics") or {}).items()
        },
        "streams": {
            name: _merged({"type": "kinesis", "shards": 1, "retention_s": 86400}, s)
            for name, s in (raw.get("streams") or {}).items()
        },
        "buses": {name: _merged({"rules": []}, b) for name, b in (raw.get("buses") or {}).items()},
        "buckets": {name: _merged({"notifications": []}, b) for name, b in (raw.get("buckets") or {}).items()},
        "tables": {name: _merged(DEFAULT_TABLE, t) for name, t in (raw.get("tables") or {}).items()},
        "event_source_mappings": [mapping_config(m, i) for i, m in enumerate(raw.get("event_source_mappings") or [])],
        "network": copy.deepcopy(raw.get("network") or {}),
        "apis": {name: _merged(DEFAULT_API, a) for name, a in (raw.get("apis") or {}).items()},
        "state_machines": copy.deepcopy(raw.get("state_machines") or {}),
        "layers": {str(name): layer_config(layer) for name, layer in (raw.get("layers") or {}).items()},
        "function_urls": {
            str(target): _merged(DEFAULT_FUNCTION_URL, u) for target, u in (raw.get("function_urls") or {}).items()
        },
        "permissions": copy.deepcopy(list(raw.get("permissions") or [])),
        "users": copy.deepcopy(raw.get("users") or {}),
        "steps": [copy.deepcopy(step) for step in (raw.get("steps") or [])],
        "run_until_s": raw.get("run_until_s"),
    }
    # A table's stream is a DynamoDB stream named after the table.
    for name, table in config["tables"].items():
        if table.get("stream"):
            config["streams"][name] = {
                "type": "dynamodb",
                "shards": 1,
                "retention_s": 86400,
                "view_type": table["stream"],
            }
    # Queues named only as DLQs or targets still exist.
    for queue in list(config["queues"].values()):
        redrive = queue.get("redrive") or {}
        dlq = redrive.get("dead_letter_queue")
        if dlq and dlq not in config["queues"]:
            config["queues"][dlq] = queue_config(dlq, {})
    return cast(Config, config)


def version_config(function: dict, version: str) -> dict:
    """The configuration a published version froze: the function's plus its overrides."""
    if version == "$LATEST":
        return function
    merged = dict(function)
    for key, value in function["versions"].get(version, {}).items():
        merged[key] = value
    merged["environment"] = {str(k): str(v) for k, v in (merged.get("environment") or {}).items()}
    return merged
