"""DynamoDB through the SDK, on the scenario's ``tables``: PutItem, GetItem, UpdateItem, DeleteItem, Query.

Items are kept typed (``{"S": ...}``, ``{"N": ...}``; binary values in base64) under their key. Conditions,
updates and key conditions understand the common expression forms (``attribute_not_exists``, comparisons,
``SET a = :v, n = n + :one``, ``REMOVE``, ``ADD``, ``begins_with``, ``BETWEEN``), with ``#name`` and
``:value`` placeholders. A table with a ``stream`` writes a record per change (INSERT, MODIFY, REMOVE)
with the images its view type keeps; that stream feeds event source mappings like any other.
"""

from __future__ import annotations

import copy
import json

from .. import streams
from . import iam
from .common import Caller, Failure, World, account, required
from .dynamodb_expressions import (
    COMPARISON,
    Expression,
    and_clauses,
    condition,
    holds,
    load,
    scalar,
    split,
    store,
    update,
)

NOT_FOUND = "Requested resource not found"
CONDITION_FAILED = "The conditional request failed"


def table_arn(state, name: str) -> str:
    region, account_id = account(state)
    return f"arn:aws:dynamodb:{region}:{account_id}:table/{name}"


def _table(world: World, caller: Caller, params: dict, action: str) -> tuple[str, dict]:
    name = str(required(params, "TableName"))
    config = world.state["config"].get("tables", {}).get(name)
    if config is None:
        raise Failure("ResourceNotFoundException", NOT_FOUND)
    iam.require(world.state, caller, "dynamodb", action, table_arn(world.state, name), config.get("policy"))
    return name, config


def _items(world: World, name: str) -> dict:
    return world.state.setdefault("tables", {}).setdefault(name, {})


def _item_out(item: dict) -> dict:
    return {k: load(v) for k, v in item.items()}


def _key_names(config: dict) -> list[str]:
    return [n for n in (config.get("partition_key"), config.get("sort_key")) if n]


def _key(config: dict, given: dict, what: str = "key") -> tuple[str, dict]:
    names = _key_names(config)
    if what == "item":
        for name in names:
            if name not in given:
                raise Failure(
                    "ValidationException",
                    f"One or more parameter values were invalid: Missing the key {name} in the item",
                )
        key = {name: given[name] for name in names}
    else:
        if set(given) != set(names):
            raise Failure("ValidationException", "The provided key element does not match the schema")
        key = dict(given)
    stored = {name: store(key[name]) for name in names}
    return json.dumps([stored[name] for name in names], sort_keys=True), stored


# --- the stream ----------------------------------------------------------------------------------------


def _stream(
    world: World, name: str, config: dict, event: str, keys: dict, old: dict | None, new: dict | None, at: float
) -> None:
    view = config.get("stream")
    if not view:
        return
    record = {"event_name": event, "keys": copy.deepcopy(keys), "new_image": None, "old_image": None}
    if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new:
        record["new_image"] = copy.deepcopy(new)
    if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old:
        record["old_image"] = copy.deepcopy(old)
    streams.put_records(world.state, name, [record], at)


def _returned(params: dict, old: dict | None, new: dict | None, allowed: tuple[str, ...]) -> dict:
    wanted = str(params.get("ReturnValues") or "NONE")
    if wanted not in ("NONE", *allowed):
        raise Failure("ValidationException", "Return values set to invalid value")
    chosen = {"ALL_OLD": old, "ALL_NEW": new}.get(wanted)
    if wanted == "UPDATED_OLD" and old:
        chosen = {k: v for k, v in old.items() if (new or {}).get(k) != v}
    if wanted == "UPDATED_NEW" and new:
        chosen = {k: v for k, v in new.items() if (old or {}).get(k) != v}
    return {"Attributes": _item_out(chosen)} if chosen else {}


def _check(params: dict, item: dict, expression: Expression) -> None:
    text = params.get("ConditionExpression")
    if text and not condition(str(text), item, expression):
        raise Failure("ConditionalCheckFailedException", CONDITION_FAILED)


# --- operations ------------------------------------------------------------------------------------------


def put_item(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name, config = _table(world, caller, call.params, "dynamodb:PutItem")
    given = dict(required(call.params, "Item"))
    slot, keys = _key(config, given, "item")
    items = _items(world, name)
    old = items.get(slot)
    _check(call.params, old or {}, Expression(call.params))
    new = {k: store(v) for k, v in given.items()}
    items[slot] = new
    _stream(world, name, config, "MODIFY" if old else "INSERT", keys, old, new, at)
    return _returned(call.params, old, None, ("ALL_OLD",)), 0.0


def get_item(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name, config = _table(world, caller, call.params, "dynamodb:GetItem")
    slot, _keys = _key(config, dict(required(call.params, "Key")))
    item = _items(world, name).get(slot)
    if item is None:
        return {}, 0.0
    wanted = call.params.get("ProjectionExpression")
    if wanted:
        expression = Expression(call.params)
        names = [expression.name(p) for p in split(str(wanted), ",")]
        item = {k: v for k, v in item.items() if k in names}
    return {"Item": _item_out(item)}, 0.0


def update_item(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name, config = _table(world, caller, call.params, "dynamodb:UpdateItem")
    slot, keys = _key(config, dict(required(call.params, "Key")))
    items = _items(world, name)
    old = items.get(slot)
    expression = Expression(call.params)
    _check(call.params, old or {}, expression)
    new = copy.deepcopy(old) if old else dict(keys)
    if call.params.get("UpdateExpression"):
        update(str(call.params["UpdateExpression"]), new, expression, _key_names(config))
    items[slot] = new
    _stream(world, name, config, "MODIFY" if old else "INSERT", keys, old, new, at)
    return _returned(call.params, old, new, ("ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW")), 0.0


def delete_item(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name, config = _table(world, caller, call.params, "dynamodb:DeleteItem")
    slot, keys = _key(config, dict(required(call.params, "Key")))
    items = _items(world, name)
    old = items.get(slot)
    _check(call.params, old or {}, Expression(call.params))
    if old is not None:
        del items[slot]
        _stream(world, name, config, "REMOVE", keys, old, None, at)
    return _returned(call.params, old, None, ("ALL_OLD",)), 0.0


def query(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name, config = _table(world, caller, call.params, "dynamodb:Query")
    text = call.params.get("KeyConditionExpression")
    if not text:
        raise Failure(
            "ValidationException",
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
        )
    expression = Expression(call.params)
    clauses = and_clauses(str(text))
    partition = config.get("partition_key")
    compared = [m for m in map(COMPARISON.match, clauses) if m is not None]
    on_partition = [m for m in compared if expression.name(m.group(1)) == partition]
    if not on_partition or on_partition[0].group(2) != "=":
        raise Failure("ValidationException", "Query condition missed key schema element: " + str(partition))
    matched = [item for item in _items(world, name).values() if all(holds(c, item, expression) for c in clauses)]
    sort = config.get("sort_key")
    if sort:
        matched.sort(key=lambda item: scalar(item[sort])[1] if sort in item else "")
    if call.params.get("ScanIndexForward") is False:
        matched.reverse()
    scanned = len(matched)
    limit = call.params.get("Limit")
    result: dict = {}
    if limit is not None and len(matched) > int(limit):
        matched = matched[: int(limit)]
        last = matched[-1]
        result["LastEvaluatedKey"] = {k: load(last[k]) for k in _key_names(config)}
        scanned = len(matched)
    if call.params.get("FilterExpression"):
        matched = [item for item in matched if condition(str(call.params["FilterExpression"]), item, expression)]
    result.update({"Items": [_item_out(item) for item in matched], "Count": len(matched), "ScannedCount": scanned})
    return result, 0.0


OPERATIONS = {
    "PutItem": put_item,
    "GetItem": get_item,
    "UpdateItem": update_item,
    "DeleteItem": delete_item,
    "Query": query,
}
