"""SQS queues as the emulator keeps them: messages, visibility, redrive, FIFO groups."""

from __future__ import annotations

import hashlib

from . import events, ids, logs, pollers
from .model import State

SENDER_ID = "AIDAEXAMPRPEMULATOR01"
DEDUP_WINDOW_S = 300.0


def queue_arn(state: State, name: str) -> str:
    account = state["config"]["account"]
    return events.queue_arn(account["region"], account["account_id"], name)


def send(
    state: State,
    name: str,
    body: str,
    now: float,
    *,
    message_attributes: dict | None = None,
    group_id: str | None = None,
    dedup_id: str | None = None,
    delay_s: float | None = None,
    chain: dict | None = None,
) -> str | None:
    """Put a message on a queue; returns its id (None when FIFO deduplication drops it)."""
    queue_config = state["config"]["queues"][name]
    messages = state["queues"].setdefault(name, [])
    fifo = bool(queue_config.get("fifo"))
    if delay_s is None:
        delay_s = float(queue_config.get("delay_s") or 0)
    if fifo:
        dedup_id = dedup_id or hashlib.sha256(body.encode()).hexdigest()
        recent = state.setdefault("dedup", {}).setdefault(name, {})
        seen_at = recent.get(dedup_id)
        if seen_at is not None and now - seen_at < DEDUP_WINDOW_S:
            return None
        recent[dedup_id] = now
    message_id = ids.uuid(state, "message")
    attributes = {"SenderId": SENDER_ID, "SentTimestamp": str(logs.epoch_ms(now)), "ApproximateReceiveCount": "0"}
    if fifo:
        attributes["MessageGroupId"] = str(group_id or "default")
        attributes["MessageDeduplicationId"] = str(dedup_id)
        attributes["SequenceNumber"] = str(10**19 + ids.next_counter(state, f"fifo:{name}"))
    messages.append(
        {
            "message_id": message_id,
            "body": body,
            "attributes": attributes,
            "message_attributes": dict(message_attributes or {}),
            "receive_count": 0,
            "sent_at": now,
            "visible_at": now + float(delay_s),
            "group_id": str(group_id or "default") if fifo else group_id,
            "first_receive_at": None,
            "md5": hashlib.md5(body.encode()).hexdigest(),
            "chain": dict(chain or {}),
        }
    )
    pollers.poke_queue(state, name, now + float(delay_s))
    return message_id


def expire(state: State, name: str, now: float) -> None:
    retention = float(state["config"]["queues"][name].get("message_retention_s") or 345600)
    state["queues"][name] = [m for m in state["queues"][name] if now - m["sent_at"] < retention]


def in_flight_groups(messages: list, now: float) -> set:
    return {m["group_id"] for m in messages if m["visible_at"] > now and m["receive_count"] > 0}


def receive(message: dict, now: float, visibility_s: float) -> None:
    message["receive_count"] += 1
    if message["first_receive_at"] is None:
        message["first_receive_at"] = now
        message["attributes"]["ApproximateFirstReceiveTimestamp"] = str(logs.epoch_ms(now))
    message["attributes"]["ApproximateReceiveCount"] = str(message["receive_count"])
    message["visible_at"] = now + visibility_s


def move_to_dead_letter(state: State, name: str, message: dict) -> str | None:
    """SQS redrive: a message received more than maxReceiveCount times moves to the DLQ."""
    redrive = state["config"]["queues"][name].get("redrive") or {}
    target = redrive.get("dead_letter_queue")
    if not target:
        return None
    state["queues"][name] = [m for m in state["queues"][name] if m["message_id"] != message["message_id"]]
    moved = dict(message)
    moved["attributes"] = dict(message["attributes"])
    moved["attributes"]["DeadLetterQueueSourceArn"] = queue_arn(state, name)
    moved["visible_at"] = 0.0
    state["queues"].setdefault(target, []).append(moved)
    return target


def delete(state: State, name: str, message_ids) -> None:
    wanted = set(message_ids)
    state["queues"][name] = [m for m in state["queues"][name] if m["message_id"] not in wanted]


def sqs_record(state: State, name: str, message: dict) -> dict:
    """One record of an SQS event, as the function receives it."""
    return events.sqs_record(
        queue_arn=queue_arn(state, name),
        region=state["config"]["account"]["region"],
        message_id=message["message_id"],
        receive_count=message["receive_count"],
        body=message["body"],
        attributes=message["attributes"],
        message_attributes=message["message_attributes"],
        md5_of_body=message["md5"],
    )


def snapshot(state: State) -> dict:
    """What every queue holds, for the trace."""
    return {
        name: [
            {
                "message_id": m["message_id"],
                "body": m["body"],
                "attributes": dict(m["attributes"]),
                "message_attributes": dict(m["message_attributes"]),
                "receive_count": m["receive_count"],
            }
            for m in messages
        ]
        for name, messages in state["queues"].items()
    }
