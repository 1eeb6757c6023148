"""Filling in every default of the scenario format.

``apply_defaults(raw)`` expects a scenario that ``validate`` accepted and returns a new
dict (the input is not changed) in which:

* every section exists (``functions``, ``queues``, ``topics``, ``streams``, ``buses``
  with the ``default`` bus, ``buckets``, ``event_source_mappings``, ``network``,
  ``steps``) and ``account`` holds ``concurrency_limit``, ``unreserved_minimum``
  (100, or the limit when that is lower), ``region`` and ``account_id``;
* every function has every field of the format; ``async`` is always a mapping;
  ``vpc`` is None or ``{subnets, security_groups, ipv6_allowed_for_dual_stack}``
  (no subnets means no VPC); environment values are text; a function without
  ``role`` gets the role its configuration needs (basic logging, VPC access when it
  has ``vpc``, polling for its mappings, send rights for its DLQ and destinations);
* queues know whether they are FIFO; mappings carry the defaults of their source
  (SQS or stream), with filter patterns parsed into mappings;
* steps have ``at_s`` and the defaults of their action; message bodies, SNS messages
  and Kinesis data are text (mappings and lists become compact JSON); a message given
  as plain text becomes ``{body: text}``;
* ``network`` sections are filled as ``network.network_defaults`` describes.

``tables`` get ``partition_key`` (``id``), ``sort_key``, ``stream`` and ``policy``.

Fields the format doesn't name are kept as they are.
"""

from __future__ import annotations

import copy
import json

from .network import network_defaults
from .rules import (
    ACCOUNT_DEFAULTS,
    ASYNC_DEFAULTS,
    BUCKET_DEFAULTS,
    BUS_DEFAULTS,
    DYNAMODB_RECORD_DEFAULTS,
    ENTRY_DEFAULTS,
    ESM_SQS_DEFAULTS,
    ESM_STREAM_DEFAULTS,
    FUNCTION_DEFAULTS,
    KINESIS_RECORD_DEFAULTS,
    MESSAGE_DEFAULTS,
    NOTIFICATION_DEFAULTS,
    QUEUE_DEFAULTS,
    RULE_DEFAULTS,
    SEND_ACTIONS,
    STEP_DEFAULTS,
    STREAM_DEFAULTS,
    TABLE_DEFAULTS,
    TOPIC_DEFAULTS,
    as_text,
    env_text,
    parse_ref,
)

POLICY_FOR_SOURCE = {
    "sqs": "AWSLambdaSQSQueueExecutionRole",
    "kinesis": "AWSLambdaKinesisExecutionRole",
    "dynamodb": "AWSLambdaDynamoDBExecutionRole",
}


def apply_defaults(raw: dict) -> dict:
    """A complete copy of a valid scenario with every default filled in."""
    out = copy.deepcopy(raw)
    account = {**ACCOUNT_DEFAULTS, **(out.get("account") or {})}
    if "unreserved_minimum" not in (out.get("account") or {}):
        account["unreserved_minimum"] = min(100, account["concurrency_limit"])
    out["account"] = account
    out.setdefault("name", None)
    out.setdefault("seed", 0)
    out.setdefault("run_until_s", None)
    out["queues"] = {name: _queue(name, spec) for name, spec in (out.get("queues") or {}).items()}
    out["topics"] = {name: _merge(TOPIC_DEFAULTS, spec) for name, spec in (out.get("topics") or {}).items()}
    out["streams"] = {name: _merge(STREAM_DEFAULTS, spec) for name, spec in (out.get("streams") or {}).items()}
    buses = {name: _bus(spec) for name, spec in (out.get("buses") or {}).items()}
    buses.setdefault("default", {"rules": []})
    out["buses"] = buses
    out["buckets"] = {name: _bucket(spec) for name, spec in (out.get("buckets") or {}).items()}
    out["tables"] = {name: _merge(TABLE_DEFAULTS, spec) for name, spec in (out.get("tables") or {}).items()}
    out["event_source_mappings"] = [_mapping(esm, out["streams"]) for esm in out.get("event_source_mappings") or []]
    out["functions"] = {
        name: _function(name, spec, out["event_source_mappings"], out["streams"])
        for name, spec in (out.get("functions") or {}).items()
    }
    out["network"] = network_defaults(out.get("network") or {})
    out["steps"] = [_step(step, out["streams"]) for step in out.get("steps") or []]
    return out


def _merge(defaults: dict, spec) -> dict:
    return {**copy.deepcopy(defaults), **(spec or {})}


def _queue(name: str, spec) -> dict:
    queue = _merge(QUEUE_DEFAULTS, spec)
    if "fifo" not in (spec or {}):
        queue["fifo"] = name.endswith(".fifo")
    return queue


def _bus(spec) -> dict:
    bus = _merge(BUS_DEFAULTS, spec)
    bus["rules"] = [_merge(RULE_DEFAULTS, rule) for rule in bus["rules"] or []]
    return bus


def _bucket(spec) -> dict:
    bucket = _merge(BUCKET_DEFAULTS, spec)
    bucket["notifications"] = [_merge(NOTIFICATION_DEFAULTS, note) for note in bucket["notifications"] or []]
    return bucket


def _mapping(esm: dict, streams: dict) -> dict:
    ref = parse_ref(esm.get("source"))
    defaults = ESM_SQS_DEFAULTS if ref and ref[0] == "queue" else ESM_STREAM_DEFAULTS
    mapping = _merge(defaults, esm)
    mapping["filter_patterns"] = [json.loads(p) if isinstance(p, str) else p for p in mapping["filter_patterns"] or []]
    return mapping


def source_kind(mapping: dict, streams: dict) -> str:
    """``sqs``, ``kinesis`` or ``dynamodb`` for a mapping's source."""
    kind, name = parse_ref(mapping.get("source")) or ("queue", "")
    if kind == "queue":
        return "sqs"
    if kind == "table":
        return "dynamodb"
    return (streams.get(name) or {}).get("type", "kinesis")


def _function(name: str, spec, mappings: list, streams: dict) -> dict:
    function = _merge(FUNCTION_DEFAULTS, spec)
    function["files"] = dict(function["files"] or {})
    function["environment"] = {str(k): env_text(v) for k, v in (function["environment"] or {}).items()}
    function["async"] = _merge(ASYNC_DEFAULTS, function["async"])
    vpc = function["vpc"]
    if vpc and vpc.get("subnets"):
        function["vpc"] = {
            "subnets": list(vpc["subnets"]),
            "security_groups": list(vpc.get("security_groups") or []),
            "ipv6_allowed_for_dual_stack": bool(vpc.get("ipv6_allowed_for_dual_stack", False)),
            **{k: v for k, v in vpc.items() if k not in ("subnets", "security_groups", "ipv6_allowed_for_dual_stack")},
        }
    else:
        function["vpc"] = None
    if function["role"] is None:
        function["role"] = _needed_role(name, function, mappings, streams)
    else:
        function["role"] = {
            "policies": list(function["role"].get("policies") or []),
            "actions": list(function["role"].get("actions") or []),
            "statements": list(function["role"].get("statements") or []),
            "name": function["role"].get("name") or f"{name}-role",
        }
    return function


def _needed_role(name: str, function: dict, mappings: list, streams: dict) -> dict:
    """The role a console-made function would end up with for this configuration."""
    policies = ["AWSLambdaBasicExecutionRole"]
    actions: list[str] = []
    if function["vpc"]:
        policies.append("AWSLambdaVPCAccessExecutionRole")
    for mapping in mappings:
        if str(mapping.get("function", "")).split(":")[0] == name:
            policy = POLICY_FOR_SOURCE[source_kind(mapping, streams)]
            if policy not in policies:
                policies.append(policy)
            target = parse_ref(mapping.get("on_failure"))
            if target:
                actions.extend(SEND_ACTIONS[target[0]])
    targets = [function["dead_letter"], function["async"]["on_success"], function["async"]["on_failure"]]
    for target in filter(None, map(parse_ref, targets)):
        actions.extend(SEND_ACTIONS[target[0]])
    return {"policies": policies, "actions": sorted(set(actions))}


def _step(step: dict, streams: dict) -> dict:
    out = dict(step)
    out.setdefault("at_s", 0)
    for action, defaults in STEP_DEFAULTS.items():
        if action not in out:
            continue
        body = dict(out[action] or {})
        if action != "update_function":
            body = _merge(defaults, body)
        if action == "send":
            body["messages"] = [_message(m) for m in body["messages"] or []]
        elif action == "publish":
            body["message"] = as_text(body["message"])
        elif action == "put_records":
            dynamodb = (streams.get(body["stream"]) or {}).get("type") == "dynamodb"
            body["records"] = [_record(r, dynamodb) for r in body["records"] or []]
        elif action == "put_events":
            body["entries"] = [_merge(ENTRY_DEFAULTS, entry) for entry in body["entries"] or []]
        out[action] = body
    return out


def _message(message) -> dict:
    if isinstance(message, str):
        message = {"body": message}
    out = _merge(MESSAGE_DEFAULTS, message)
    out["body"] = as_text(out["body"])
    out["attributes"] = dict(out["attributes"] or {})
    return out


def _record(record: dict, dynamodb: bool) -> dict:
    if dynamodb:
        return _merge(DYNAMODB_RECORD_DEFAULTS, record)
    out = _merge(KINESIS_RECORD_DEFAULTS, record)
    out["data"] = as_text(out["data"])
    return out
