"""Push sources with async semantics (SNS, EventBridge, S3) and delivery to targets.

A target is a ``KIND:NAME`` reference. Functions reached this way are invoked
asynchronously, through the same internal queue as an ``Event`` invoke: retries,
maximum event age, DLQ and destinations all apply.
"""

from __future__ import annotations

import json

from . import events, ids, inbox, patterns, queues
from .model import State
from .validation.rules import ASYNC_PAYLOAD_BYTES, SNS_MESSAGE_BYTES


def _arn(state: State, service: str, name: str) -> str:
    account = state["config"]["account"]
    if service == "s3":
        return events.bucket_arn(name)
    if service == "events":
        return events.bus_arn(account["region"], account["account_id"], name)
    return f"arn:aws:{service}:{account['region']}:{account['account_id']}:{name}"


def split_target(target: str) -> tuple[str, str]:
    kind, _, name = str(target).partition(":")
    return kind, name


def deliver(
    state: State, target: str, message: str, now: float, *, chain: dict | None = None, trigger: str = "async"
) -> bool:
    """Hand a text message to a target; False when the target can't take it."""
    kind, name = split_target(target)
    if kind == "queue" and name in state["config"]["queues"]:
        queues.send(state, name, message, now, chain=chain)
        return True
    if kind == "topic" and name in state["config"]["topics"]:
        if len(message.encode()) > SNS_MESSAGE_BYTES:
            return False
        publish(state, name, message, now, chain=chain)
        return True
    if kind == "function" and name in state["config"]["functions"]:
        if len(message.encode()) > ASYNC_PAYLOAD_BYTES:
            return False
        inbox.enqueue(state, function=name, qualifier=None, payload=message, trigger=trigger, now=now, chain=chain)
        return True
    if kind == "bus" and name in state["config"]["buses"]:
        try:
            detail = json.loads(message)
        except ValueError:
            detail = {"message": message}
        put_event(state, name, {"source": "custom", "detail_type": "Message", "detail": detail}, now, chain=chain)
        return True
    if kind == "bucket" and name in state["config"]["buckets"]:
        put_object(state, name, f"message-{ids.hex_id(state, 'object', 12)}", now, body=message, chain=chain)
        return True
    return False


# --- SNS -------------------------------------------------------------------------


def publish(
    state: State,
    topic: str,
    message: str,
    now: float,
    *,
    subject: str | None = None,
    attributes: dict | None = None,
    chain: dict | None = None,
) -> str:
    message_id = ids.uuid(state, "sns")
    topic_arn = _arn(state, "sns", topic)
    state["trace"]["topics"].setdefault(topic, []).append(
        {"message_id": message_id, "message": message, "subject": subject, "at_s": now}
    )
    notification = events.sns_notification(
        message_id=message_id,
        topic_arn=topic_arn,
        subject=subject,
        message=message,
        now=now,
        attributes=dict(attributes or {}),
    )
    for subscription in state["config"]["topics"][topic].get("subscriptions") or []:
        if isinstance(subscription, str):
            subscription = {"target": subscription}
        policy = subscription.get("filter_policy")
        if policy and not patterns.matches(policy, {k: v for k, v in (attributes or {}).items()}):
            continue
        kind, name = split_target(subscription.get("target", ""))
        if kind == "function" and name in state["config"]["functions"]:
            event = events.sns_event(notification, f"{topic_arn}:{ids.uuid(state, 'subscription')}")
            inbox.enqueue(
                state, function=name, qualifier=None, payload=json.dumps(event), trigger="sns", now=now, chain=chain
            )
        elif kind == "queue" and name in state["config"]["queues"]:
            body = message if subscription.get("raw_message_delivery") else json.dumps(notification)
            queues.send(state, name, body, now, chain=chain)
    return message_id


# --- EventBridge -----------------------------------------------------------------


def put_event(state: State, bus: str, entry: dict, now: float, *, chain: dict | None = None) -> dict:
    account = state["config"]["account"]
    event = events.eventbridge_event(
        event_id=ids.uuid(state, "event"),
        source=entry.get("source", ""),
        detail_type=entry.get("detail_type", entry.get("detail-type", "")),
        detail=entry.get("detail"),
        now=now,
        resources=list(entry.get("resources") or []),
        region=account["region"],
        account=account["account_id"],
    )
    matched: list[str] = []  # the targets the bus's rules sent this event to, as the emulator decided
    state["trace"]["buses"].setdefault(bus, []).append(
        {
            "id": event["id"],
            "source": event["source"],
            "detail_type": event["detail-type"],
            "detail": event["detail"],
            "targets": matched,
            "at_s": now,
        }
    )
    for rule in state["config"]["buses"][bus].get("rules") or []:
        if rule.get("enabled", True) is False or not patterns.matches(rule.get("pattern") or {}, event):
            continue
        for target in rule.get("targets") or []:
            matched.append(target)
            kind, name = split_target(target)
            text = json.dumps(event)
            if kind == "function" and name in state["config"]["functions"]:
                inbox.enqueue(
                    state, function=name, qualifier=None, payload=text, trigger="eventbridge", now=now, chain=chain
                )
            else:
                deliver(state, target, text, now, chain=chain)
    return event


# --- S3 ----------------------------------------------------------------------------


def _event_matches(wanted: str, event_name: str) -> bool:
    wanted = wanted[3:] if wanted.startswith("s3:") else wanted
    if wanted.endswith("*"):
        return event_name.startswith(wanted[:-1])
    return wanted == event_name


def put_object(
    state: State,
    bucket: str,
    key: str,
    now: float,
    *,
    size: int | None = None,
    body: str = "",
    event_name: str = "ObjectCreated:Put",
    chain: dict | None = None,
) -> None:
    size = len(body.encode()) if size is None else int(size)
    written = {"key": key, "size": size, "body": body, "at_s": now}
    if event_name != "ObjectCreated:Put":
        written["event"] = event_name
    state["trace"]["buckets"].setdefault(bucket, []).append(written)
    account = state["config"]["account"]
    for notification in state["config"]["buckets"][bucket].get("notifications") or []:
        kinds = notification.get("events") or ["s3:ObjectCreated:*"]
        if not any(_event_matches(wanted, event_name) for wanted in kinds):
            continue
        if not key.startswith(notification.get("prefix", "")) or not key.endswith(notification.get("suffix", "")):
            continue
        event = events.s3_event(
            region=account["region"],
            now=now,
            event_name=event_name,
            request_id=ids.hex_id(state, "s3req", 16).upper(),
            host_id=ids.hex_id(state, "s3id2", 40),
            configuration_id=notification.get("id", "notification-1"),
            bucket=bucket,
            key=key,
            size=size,
            etag=ids.hex_id(state, "etag", 32),
            sequencer=ids.hex_id(state, "sequencer", 18).upper(),
        )
        kind, name = split_target(notification.get("target", ""))
        if kind == "function" and name in state["config"]["functions"]:
            inbox.enqueue(
                state, function=name, qualifier=None, payload=json.dumps(event), trigger="s3", now=now, chain=chain
            )
        else:
            deliver(state, notification.get("target", ""), json.dumps(event), now, chain=chain)
