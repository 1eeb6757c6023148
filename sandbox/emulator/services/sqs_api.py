"""SQS through the SDK: send (and batch), receive, delete (and batch), change visibility, queue URL and attributes.

Queues are the scenario's ``queues``; their URLs are ``https://sqs.<region>.amazonaws.com/<account>/<name>``.
A message received here gets a receipt handle; the queue's visibility timeout, FIFO groups and redrive
apply as they do for an event source mapping. ``WaitTimeSeconds`` on an empty queue costs that long on
the handler's clock.
"""

from __future__ import annotations

import hashlib
import json

from .. import events, ids, logs, pollers, queues
from ..validation.rules import SQS_MESSAGE_BYTES, VISIBILITY_S
from . import iam
from .common import Caller, Failure, World, account, required, text_of

BATCH_LIMIT = 10
NOT_FOUND = "The specified queue does not exist."


def queue_url(state, name: str) -> str:
    region, account_id = account(state)
    return f"https://sqs.{region}.amazonaws.com/{account_id}/{name}"


def _queue(world: World, caller: Caller, params: dict, action: str) -> str:
    url = str(required(params, "QueueUrl"))
    name = url.rstrip("/").rsplit("/", 1)[-1]
    if name not in world.state["config"]["queues"]:
        raise Failure("QueueDoesNotExist", NOT_FOUND)
    config = world.state["config"]["queues"][name]
    iam.require(world.state, caller, "sqs", action, queues.queue_arn(world.state, name), config.get("policy"))
    return name


def _attributes(given: object) -> dict:
    """SDK message attributes (``{name: {DataType, StringValue|BinaryValue}}``) as the emulator keeps them."""
    kept = {}
    for key, value in (given or {}).items() if isinstance(given, dict) else ():
        value = dict(value or {})
        if isinstance(value.get("BinaryValue"), (bytes, bytearray)):
            value["BinaryValue"] = bytes(value["BinaryValue"]).decode("utf-8", errors="replace")
        kept[str(key)] = {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
    return kept


def _send_one(world: World, caller: Caller, name: str, entry: dict, at: float) -> dict:
    body = text_of(entry.get("MessageBody"))
    if not body:
        raise Failure("MissingParameter", "The request must contain the parameter MessageBody.")
    if len(body.encode()) > SQS_MESSAGE_BYTES:
        raise Failure(
            "InvalidParameterValue",
            f"One or more parameters are invalid. Reason: Message must be shorter than {SQS_MESSAGE_BYTES} bytes.",
        )
    config = world.state["config"]["queues"][name]
    fifo = bool(config.get("fifo"))
    if fifo and not entry.get("MessageGroupId"):
        raise Failure("MissingParameter", "The request must contain the parameter MessageGroupId.")
    if fifo and not entry.get("MessageDeduplicationId") and not config.get("content_based_deduplication"):
        raise Failure(
            "InvalidParameterValue",
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
            "explicitly",
        )
    attributes = _attributes(entry.get("MessageAttributes"))
    delay = entry.get("DelaySeconds")
    message_id = queues.send(
        world.state,
        name,
        body,
        at,
        message_attributes=attributes,
        group_id=entry.get("MessageGroupId"),
        dedup_id=entry.get("MessageDeduplicationId"),
        delay_s=None if delay is None else float(delay),
        chain=caller.next_chain(),
    )
    result = {"MessageId": message_id or ids.uuid(world.state, "message"), "MD5OfMessageBody": _md5(body)}
    if attributes:
        result["MD5OfMessageAttributes"] = events.md5_of_message_attributes(attributes)
    if fifo:
        sent = [m for m in world.state["queues"][name] if m["message_id"] == message_id]
        if sent:
            result["SequenceNumber"] = sent[0]["attributes"]["SequenceNumber"]
    return result


def _sdk_attribute(value: object) -> dict:
    data_type, text, binary = events.sqs_attribute_parts(value)
    return (
        {"DataType": data_type, "BinaryValue": binary}
        if binary is not None
        else {"DataType": data_type, "StringValue": text}
    )


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def send_message(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name = _queue(world, caller, call.params, "sqs:SendMessage")
    return _send_one(world, caller, name, call.params, at), 0.0


def _entries(params: dict, key: str = "Entries") -> list:
    entries = list(params.get(key) or [])
    if not entries:
        raise Failure(
            "AWS.SimpleQueueService.EmptyBatchRequest",
            "There should be at least one SendMessageBatchRequestEntry in the request.",
        )
    if len(entries) > BATCH_LIMIT:
        raise Failure(
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {BATCH_LIMIT}. You have sent {len(entries)}.",
        )
    seen = set()
    for entry in entries:
        if entry.get("Id") in seen:
            raise Failure("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", f"Id {entry.get('Id')} repeated.")
        seen.add(entry.get("Id"))
    return entries


def send_message_batch(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name = _queue(world, caller, call.params, "sqs:SendMessage")
    successful, failed = [], []
    for entry in _entries(call.params):
        try:
            sent = _send_one(world, caller, name, entry, at)
        except Failure as failure:
            failed.append(
                {
                    "Id": entry.get("Id"),
                    "SenderFault": True,
                    "Code": failure.error.code,
                    "Message": failure.error.message,
                }
            )
            continue
        successful.append({"Id": entry.get("Id"), **sent})
    return {"Successful": successful, "Failed": failed}, 0.0


def receive_message(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    state = world.state
    name = _queue(world, caller, call.params, "sqs:ReceiveMessage")
    config = state["config"]["queues"][name]
    wanted = int(call.params.get("MaxNumberOfMessages") or 1)
    if not 1 <= wanted <= BATCH_LIMIT:
        raise Failure(
            "InvalidParameterValue",
            f"Value {wanted} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.",
        )
    visibility = call.params.get("VisibilityTimeout")
    visibility_s = float(config.get("visibility_timeout_s") or 30) if visibility is None else float(visibility)
    queues.expire(state, name, at)
    busy_groups = queues.in_flight_groups(state["queues"][name], at) if config.get("fifo") else set()
    redrive = config.get("redrive") or {}
    taken: list[dict] = []
    for message in list(state["queues"][name]):
        if len(taken) >= wanted:
            break
        if message["visible_at"] > at or message["group_id"] in busy_groups:
            continue
        if redrive.get("max_receive_count") and message["receive_count"] >= int(redrive["max_receive_count"]):
            queues.move_to_dead_letter(state, name, message)
            continue
        queues.receive(message, at, visibility_s)
        message["receipt"] = f"{message['message_id']}#{ids.hex_id(state, 'receipt', 24)}"
        if config.get("fifo"):
            busy_groups.add(message["group_id"])
        taken.append(message)
    if visibility_s:
        for message in taken:
            pollers.poke_queue(state, name, message["visible_at"])
    names = set(call.params.get("MessageSystemAttributeNames") or []) | set(call.params.get("AttributeNames") or [])
    wanted_attributes = set(call.params.get("MessageAttributeNames") or [])
    messages = []
    for message in taken:
        item = {
            "MessageId": message["message_id"],
            "ReceiptHandle": message["receipt"],
            "MD5OfBody": message["md5"],
            "Body": message["body"],
        }
        attributes = {k: v for k, v in message["attributes"].items() if "All" in names or k in names}
        if attributes:
            item["Attributes"] = attributes
        chosen = {
            k: v
            for k, v in message["message_attributes"].items()
            if wanted_attributes & {"All", ".*", k}
            or any(p.endswith(".*") and k.startswith(p[:-2]) for p in wanted_attributes)
        }
        if chosen:
            item["MessageAttributes"] = {k: _sdk_attribute(v) for k, v in chosen.items()}
            item["MD5OfMessageAttributes"] = events.md5_of_message_attributes(chosen)
        messages.append(item)
    wait_s = float(call.params.get("WaitTimeSeconds") or 0)
    elapsed = 0.0 if messages else wait_s * 1000.0
    return ({"Messages": messages} if messages else {}), elapsed


def _by_receipt(world: World, name: str, handle: object) -> dict:
    for message in world.state["queues"][name]:
        if message.get("receipt") == handle:
            return message
    raise Failure("ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.')


def delete_message(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name = _queue(world, caller, call.params, "sqs:DeleteMessage")
    handle = required(call.params, "ReceiptHandle")
    message = _by_receipt(world, name, handle)
    queues.delete(world.state, name, [message["message_id"]])
    return {}, 0.0


def delete_message_batch(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name = _queue(world, caller, call.params, "sqs:DeleteMessage")
    successful, failed = [], []
    for entry in _entries(call.params):
        try:
            message = _by_receipt(world, name, entry.get("ReceiptHandle"))
        except Failure as failure:
            failed.append(
                {
                    "Id": entry.get("Id"),
                    "SenderFault": True,
                    "Code": failure.error.code,
                    "Message": failure.error.message,
                }
            )
            continue
        queues.delete(world.state, name, [message["message_id"]])
        successful.append({"Id": entry.get("Id")})
    return {"Successful": successful, "Failed": failed}, 0.0


def change_message_visibility(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name = _queue(world, caller, call.params, "sqs:ChangeMessageVisibility")
    message = _by_receipt(world, name, required(call.params, "ReceiptHandle"))
    timeout = int(call.params.get("VisibilityTimeout") or 0)
    if not VISIBILITY_S[0] <= timeout <= VISIBILITY_S[1]:
        raise Failure(
            "InvalidParameterValue",
            f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.",
        )
    message["visible_at"] = at + timeout
    pollers.poke_queue(world.state, name, at + timeout)
    return {}, 0.0


def get_queue_url(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name = str(required(call.params, "QueueName"))
    if name not in world.state["config"]["queues"]:
        raise Failure("QueueDoesNotExist", NOT_FOUND)
    policy = world.state["config"]["queues"][name].get("policy")
    iam.require(world.state, caller, "sqs", "sqs:GetQueueUrl", queues.queue_arn(world.state, name), policy)
    return {"QueueUrl": queue_url(world.state, name)}, 0.0


def get_queue_attributes(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    state = world.state
    name = _queue(world, caller, call.params, "sqs:GetQueueAttributes")
    config = state["config"]["queues"][name]
    queues.expire(state, name, at)
    messages = state["queues"][name]
    visible = [m for m in messages if m["visible_at"] <= at]
    delayed = [m for m in messages if m["visible_at"] > at and m["receive_count"] == 0]
    every = {
        "QueueArn": queues.queue_arn(state, name),
        "ApproximateNumberOfMessages": str(len(visible)),
        "ApproximateNumberOfMessagesNotVisible": str(len(messages) - len(visible) - len(delayed)),
        "ApproximateNumberOfMessagesDelayed": str(len(delayed)),
        "CreatedTimestamp": str(int(logs.epoch(0.0))),
        "LastModifiedTimestamp": str(int(logs.epoch(0.0))),
        "VisibilityTimeout": str(int(config.get("visibility_timeout_s") or 30)),
        "MaximumMessageSize": str(SQS_MESSAGE_BYTES),
        "MessageRetentionPeriod": str(int(config.get("message_retention_s") or 345600)),
        "DelaySeconds": str(int(config.get("delay_s") or 0)),
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
    }
    redrive = config.get("redrive") or {}
    if redrive.get("dead_letter_queue"):
        every["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": queues.queue_arn(state, redrive["dead_letter_queue"]),
                "maxReceiveCount": int(redrive.get("max_receive_count") or 1),
            }
        )
    if config.get("fifo"):
        every["FifoQueue"] = "true"
        every["ContentBasedDeduplication"] = "true" if config.get("content_based_deduplication") else "false"
    names = list(call.params.get("AttributeNames") or [])
    if not names:
        return {}, 0.0
    chosen = every if "All" in names else {k: v for k, v in every.items() if k in names}
    return {"Attributes": chosen}, 0.0


OPERATIONS = {
    "SendMessage": send_message,
    "SendMessageBatch": send_message_batch,
    "ReceiveMessage": receive_message,
    "DeleteMessage": delete_message,
    "DeleteMessageBatch": delete_message_batch,
    "ChangeMessageVisibility": change_message_visibility,
    "GetQueueUrl": get_queue_url,
    "GetQueueAttributes": get_queue_attributes,
}
