"""EventBridge PutEvents through the SDK: entries go to the named bus (``default`` when none) and its rules fire."""

from __future__ import annotations

import json

from .. import events, ids, push
from ..validation.rules import EVENTBRIDGE_ENTRY_BYTES
from . import iam
from .common import Caller, Failure, World, account

BATCH_LIMIT = 10


def _bus_name(reference: object) -> str:
    text = str(reference or "default")
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


def put_events(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    state = world.state
    entries = list(call.params.get("Entries") or [])
    if not entries or len(entries) > BATCH_LIMIT:
        raise Failure(
            "ValidationException",
            f"1 validation error detected: Value '{len(entries)}' at 'entries' failed to satisfy constraint: "
            f"Member must have length {'less than or equal to 10' if entries else 'greater than or equal to 1'}",
        )
    region, account_id = account(state)
    results, failed = [], 0
    for entry in entries:
        bus = _bus_name(entry.get("EventBusName"))
        arn = events.bus_arn(region, account_id, bus)
        policy = (state["config"]["buses"].get(bus) or {}).get("policy")
        iam.require(state, caller, "events", "events:PutEvents", arn, policy)
        missing = [key for key in ("Source", "DetailType", "Detail") if not entry.get(key)]
        if missing:
            message = {
                "Source": "Parameter Source is not valid. Reason: Source is a required argument.",
                "DetailType": "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
                "Detail": "Parameter Detail is not valid. Reason: Detail is a required argument.",
            }[missing[0]]
            results.append({"ErrorCode": "InvalidArgument", "ErrorMessage": message})
            failed += 1
            continue
        try:
            detail = json.loads(entry["Detail"])
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            results.append({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."})
            failed += 1
            continue
        if len(json.dumps(entry).encode()) > EVENTBRIDGE_ENTRY_BYTES:
            results.append(
                {
                    "ErrorCode": "InvalidArgument",
                    "ErrorMessage": "Total size of the entries in the request is over the limit.",
                }
            )
            failed += 1
            continue
        if bus != "default" and bus not in state["config"]["buses"]:
            # EventBridge accepts an entry for a bus that doesn't exist and drops it: an id, and no rule runs.
            results.append({"EventId": ids.uuid(state, "event")})
            continue
        if bus not in state["config"]["buses"]:
            state["config"]["buses"][bus] = {"rules": []}
        event = push.put_event(
            state,
            bus,
            {
                "source": entry["Source"],
                "detail_type": entry["DetailType"],
                "detail": detail,
                "resources": list(entry.get("Resources") or []),
            },
            at,
            chain=None,  # EventBridge carries no loop-detection metadata: a loop through a bus is never stopped
        )
        results.append({"EventId": event["id"]})
    return {"FailedEntryCount": failed, "Entries": results}, 0.0


OPERATIONS = {"PutEvents": put_events}
