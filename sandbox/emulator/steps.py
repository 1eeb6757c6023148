"""Scenario steps that are not invokes: send, publish, put_records, put_events,
put_object, update_function, update_mapping, publish_version, get_function, http
(API Gateway), start_execution (Step Functions), url_request (function URLs) and aws_call (an SDK call from
outside, ``outside.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable

from . import (
    apigateway,
    concurrency,
    invoke,
    layers,
    lifecycle,
    outside,
    pollers,
    push,
    queues,
    snapstart,
    stepfunctions,
    streams,
    urls,
    versions,
)
from .attempts import network_for
from .config import SPEC_FIELDS
from .model import State
from .qualifiers import resolve


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def run_step(state: State, data: dict, now: float) -> list[dict]:
    step = state["config"]["steps"][data["index"]]
    for name, action in ACTIONS.items():
        if name in step:
            return action(state, data["index"], step[name], now)
    return []


def _send(state: State, index: int, action: dict, now: float) -> list[dict]:
    for message in action.get("messages") or []:
        if not isinstance(message, dict):
            message = {"body": message}
        queues.send(
            state,
            action["queue"],
            _text(message.get("body", "")),
            now,
            message_attributes=message.get("attributes") or message.get("message_attributes"),
            group_id=message.get("group_id"),
            dedup_id=message.get("deduplication_id"),
            delay_s=message.get("delay_s"),
        )
    return []


def _publish(state: State, index: int, action: dict, now: float) -> list[dict]:
    push.publish(
        state,
        action["topic"],
        _text(action.get("message", "")),
        now,
        subject=action.get("subject"),
        attributes=action.get("attributes"),
    )
    return []


def _put_records(state: State, index: int, action: dict, now: float) -> list[dict]:
    streams.put_records(state, action["stream"], action.get("records") or [], now)
    return []


def _put_events(state: State, index: int, action: dict, now: float) -> list[dict]:
    for entry in action.get("entries") or []:
        push.put_event(state, action.get("bus", "default"), entry, now)
    return []


def _put_object(state: State, index: int, action: dict, now: float) -> list[dict]:
    push.put_object(
        state,
        action["bucket"],
        str(action["key"]),
        now,
        size=action.get("size_bytes"),
        body=_text(action.get("body", "")),
        event_name=action.get("event_name") or "ObjectCreated:Put",
    )
    return []


def _publish_version(state: State, index: int, action: dict, now: float) -> list[dict]:
    version = versions.publish(state, index, action, now)
    return take_snapshot(state, str(action["function"]), version, now)


def take_snapshot(state: State, name: str, version: str, now: float) -> list[dict]:
    """SnapStart: a published version's Init runs now, once, for the snapshot its environments restore from."""

    def spec_for(env: dict):
        taken = {**(snapstart.restore_settings(state, name, version) or {}), "phase": "snapshot"}
        return concurrency.build_spec(state, name, version, env, _network(state, name), False, snapshot=taken)

    return snapstart.take(state, name, version, now, spec_for)


def _publish_layer_version(state: State, index: int, action: dict, now: float) -> list[dict]:
    layers.publish(state, index, action, now)
    return []


def _delete_layer_version(state: State, index: int, action: dict, now: float) -> list[dict]:
    layers.delete(state, index, action, now)
    return []


def _get_function(state: State, index: int, action: dict, now: float) -> list[dict]:
    lifecycle.get_function(state, index, action, now)
    return []


def update_function(state: State, changes: dict, now: float) -> list[dict]:
    name = changes.pop("function")
    fn = state["config"]["functions"][name]
    known_versions = set(fn.get("versions") or {})
    new_spec = False
    for key, value in changes.items():
        if key == "async":
            fn["async"].update(value or {})
            continue
        if key == "environment":
            value = {str(k): str(v) for k, v in (value or {}).items()}
        if key in SPEC_FIELDS and fn.get(key) != value:
            new_spec = True
        fn[key] = value
    effects: list[dict] = []
    if new_spec:
        # New code or configuration: later invocations get new environments.
        concurrency.function_runtime(state, name)["generation"] += 1
    if "provisioned_concurrency" in changes or new_spec:
        effects.extend(sync_provisioned(state, name, now))
    effects.extend(concurrency.reclaim_idle(state, now))
    for version in sorted(set(fn.get("versions") or {}) - known_versions):
        effects.extend(take_snapshot(state, name, str(version), now))  # a version added to the world
    return effects


def update_mapping(state: State, changes: dict, now: float) -> list[dict]:
    mappings = state["config"]["event_source_mappings"]
    if "index" in changes:
        chosen = [mappings[int(changes.pop("index"))]]
    else:
        function = changes.pop("function", None)
        source = changes.pop("source", None)
        chosen = [
            m
            for m in mappings
            if (function is None or m["function"] == function) and (source is None or m["source"] == source)
        ]
    for mapping in chosen:
        mapping.update(changes)
        if mapping["kind"] == "sqs":
            pollers.poke(state, mapping["index"], now)
        else:
            streams.poke_mapping(state, mapping["index"], now)
    return []


def sync_provisioned(state: State, name: str, now: float) -> list[dict]:
    """Bring the provisioned environments of a function to the configured number."""
    fn = state["config"]["functions"][name]
    wanted = int(fn.get("provisioned_concurrency") or 0)
    runtime = concurrency.function_runtime(state, name)
    effects: list[dict] = []
    current = []
    for env_id, env in list(state["environments"].items()):
        if env["function"] != name or not env["provisioned"]:
            continue
        if env["generation"] != runtime["generation"] and not env["busy"]:
            del state["environments"][env_id]
            effects.append({"kind": "destroy", "env": env_id})
        else:
            current.append(env_id)
    for env_id in current[wanted:]:
        env = state["environments"][env_id]
        if not env["busy"]:
            del state["environments"][env_id]
            effects.append({"kind": "destroy", "env": env_id})
    missing = wanted - len(current)
    if missing > 0:
        qualifier = fn.get("provisioned_qualifier")
        version = resolve(state, name, qualifier).get("version", "$LATEST") if qualifier else "$LATEST"
        for env_id in concurrency.add_provisioned(state, name, version, missing, now):
            env = state["environments"][env_id]
            spec = concurrency.build_spec(state, name, version, env, _network(state, name), provisioned=True)
            effects.append({"kind": "create", "env": env_id, "spec": spec})
    return effects


def _network(state: State, name: str):
    return network_for(state, name)


# What each action of a step does: ``action(state, step_index, body, now) -> effects``. A step has one action.
ACTIONS: dict[str, Callable[[State, int, dict, float], list[dict]]] = {
    "invoke": lambda state, index, _body, now: invoke.start_step(state, index, now),
    "send": _send,
    "publish": _publish,
    "put_records": _put_records,
    "put_events": _put_events,
    "put_object": _put_object,
    "update_function": lambda state, _index, body, now: update_function(state, dict(body), now),
    "update_mapping": lambda state, _index, body, now: update_mapping(state, dict(body), now),
    "publish_version": _publish_version,
    "publish_layer_version": _publish_layer_version,
    "delete_layer_version": _delete_layer_version,
    "get_function": _get_function,
    "http": lambda state, index, _body, now: apigateway.request(state, index, now),
    "start_execution": lambda state, index, _body, now: stepfunctions.start(state, index, now),
    "url_request": lambda state, index, _body, now: urls.request(state, index, now),
    "aws_call": outside.call_step,
}
