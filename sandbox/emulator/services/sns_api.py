"""SNS through the SDK: Publish and PublishBatch to the scenario's topics; subscriptions fire."""

from __future__ import annotations

from .. import push
from ..validation.rules import SNS_MESSAGE_BYTES
from . import iam
from .common import Caller, Failure, World, account, required, text_of

BATCH_LIMIT = 10


def topic_arn(state, name: str) -> str:
    region, account_id = account(state)
    return f"arn:aws:sns:{region}:{account_id}:{name}"


def _topic(world: World, caller: Caller, arn: str) -> str:
    name = str(arn).rsplit(":", 1)[-1]
    if name not in world.state["config"]["topics"] or str(arn) != topic_arn(world.state, name):
        raise Failure("NotFound", "Topic does not exist", 404)
    policy = world.state["config"]["topics"][name].get("policy")
    iam.require(world.state, caller, "sns", "sns:Publish", str(arn), policy)
    return name


def _attributes(given: object) -> dict:
    """SDK attributes ``{name: {DataType, StringValue}}`` as plain values, which filter policies match."""
    plain: dict[str, object] = {}
    for key, value in (given or {}).items() if isinstance(given, dict) else ():
        value = value or {}
        text = value.get("StringValue")
        if value.get("DataType") == "Number":
            try:
                plain[str(key)] = float(str(text)) if "." in str(text) else int(str(text))
                continue
            except ValueError:
                pass
        plain[str(key)] = text if text is not None else text_of(value.get("BinaryValue"))
    return plain


def _publish(world: World, caller: Caller, name: str, entry: dict, at: float) -> str:
    message = text_of(entry.get("Message"))
    if not message:
        raise Failure("InvalidParameter", "Invalid parameter: Empty message")
    if len(message.encode()) > SNS_MESSAGE_BYTES:
        raise Failure("InvalidParameter", "Invalid parameter: Message too long")
    return push.publish(
        world.state,
        name,
        message,
        at,
        subject=entry.get("Subject"),
        attributes=_attributes(entry.get("MessageAttributes")),
        chain=caller.next_chain(),
    )


def publish(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    arn = call.params.get("TopicArn") or call.params.get("TargetArn")
    if not arn:
        required(call.params, "TopicArn")
    name = _topic(world, caller, str(arn))
    return {"MessageId": _publish(world, caller, name, call.params, at)}, 0.0


def publish_batch(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name = _topic(world, caller, str(required(call.params, "TopicArn")))
    entries = list(call.params.get("PublishBatchRequestEntries") or [])
    if not entries:
        raise Failure("EmptyBatchRequest", "The batch request doesn't contain any entries.")
    if len(entries) > BATCH_LIMIT:
        raise Failure("TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.")
    successful, failed = [], []
    for entry in entries:
        try:
            successful.append({"Id": entry.get("Id"), "MessageId": _publish(world, caller, name, entry, at)})
        except Failure as failure:
            failed.append(
                {
                    "Id": entry.get("Id"),
                    "Code": failure.error.code,
                    "Message": failure.error.message,
                    "SenderFault": True,
                }
            )
    return {"Successful": successful, "Failed": failed}, 0.0


OPERATIONS = {"Publish": publish, "PublishBatch": publish_batch}
