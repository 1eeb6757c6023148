"""DynamoDB through the SDK, on the scenario's ``tables``: PutItem, GetItem, UpdateItem, DeleteItem, Query.

Items are kept typed (``{"S": ...}``, ``{"N": ...}``; binary values in base64) under their key. Conditions,
updates and key conditions understand the common expression forms (``attribute_not_exists``, comparisons,
``SET a = :v, n = n + :one``, ``REMOVE``, ``ADD``, ``begins_with``, ``BETWEEN``), with ``#name`` and
``:value`` placeholders. A table with a ``stream`` writes a record per change (INSERT, MODIFY, REMOVE)
with the images its view type keeps; that stream feeds event source mappings like any other.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from decimal import Decimal, InvalidOperation

from .. import streams
from . import iam
from .common import Caller, Failure, World, account, required

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


# --- values ------------------------------------------------------------------------------------------


def _store(value):
    """An attribute value as JSON data: binary values become base64 text."""
    if isinstance(value, dict):
        out = {}
        for kind, inner in value.items():
            if kind == "B" and isinstance(inner, (bytes, bytearray)):
                out[kind] = base64.b64encode(bytes(inner)).decode()
            elif kind == "BS":
                out[kind] = [
                    base64.b64encode(bytes(v)).decode() if isinstance(v, (bytes, bytearray)) else v for v in inner
                ]
            elif kind == "M":
                out[kind] = {k: _store(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [_store(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def _load(value):
    """A stored attribute value as the SDK expects it (binary as bytes)."""
    if isinstance(value, dict):
        out = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64decode(inner)
            elif kind == "BS":
                out[kind] = [base64.b64decode(v) for v in inner]
            elif kind == "M":
                out[kind] = {k: _load(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [_load(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def _item_out(item: dict) -> dict:
    return {k: _load(v) for k, v in item.items()}


def _scalar(value: dict):
    kind, inner = next(iter(value.items()))
    if kind == "N":
        try:
            return ("N", Decimal(str(inner)))
        except InvalidOperation:
            raise Failure(
                "ValidationException", f"The parameter cannot be converted to a numeric value: {inner}"
            ) from None
    return (kind, inner)


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
    stored = {name: _store(key[name]) for name in names}
    return json.dumps([stored[name] for name in names], sort_keys=True), stored


# --- expressions --------------------------------------------------------------------------------------


class Expression:
    """Placeholders of one request: ``#name`` and ``:value``."""

    def __init__(self, params: dict):
        self.names = dict(params.get("ExpressionAttributeNames") or {})
        self.values = {k: _store(v) for k, v in (params.get("ExpressionAttributeValues") or {}).items()}

    def name(self, token: str) -> str:
        token = token.strip()
        if token.startswith("#"):
            if token not in self.names:
                raise Failure(
                    "ValidationException",
                    f"An expression attribute name used in the document path is not defined; attribute name: {token}",
                )
            return self.names[token]
        return token

    def value(self, token: str) -> dict:
        token = token.strip()
        if token not in self.values:
            raise Failure(
                "ValidationException",
                f"An expression attribute value used in expression is not defined; attribute value: {token}",
            )
        return self.values[token]

    def operand(self, token: str, item: dict) -> dict | None:
        token = token.strip()
        if token.startswith(":"):
            return self.value(token)
        return item.get(self.name(token))


def _split(text: str, separator: str) -> list[str]:
    """Split on a separator outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


COMPARISON = re.compile(r"^(.+?)\s*(<>|<=|>=|=|<|>)\s*(.+)$")
FUNCTION = re.compile(r"^(\w+)\s*\((.*)\)$", re.S)
AND = re.compile(r"\s+AND\s+", re.I)


def _compare(left: dict | None, operator: str, right: dict | None) -> bool:
    if left is None or right is None:
        return operator == "<>" and left != right
    a, b = _scalar(left), _scalar(right)
    if operator == "=":
        return a == b
    if operator == "<>":
        return a != b
    if a[0] != b[0]:
        return False
    return {"<": a[1] < b[1], "<=": a[1] <= b[1], ">": a[1] > b[1], ">=": a[1] >= b[1]}[operator]


def _condition(text: str, item: dict, expression: Expression) -> bool:
    """Clauses joined by AND (OR between groups); comparisons, attribute_(not_)exists and begins_with."""
    for group in re.split(r"\s+OR\s+", text.strip(), flags=re.I):
        if all(_clause(clause, item, expression) for clause in _and_clauses(group)):
            return True
    return False


def _and_clauses(text: str) -> list[str]:
    """Clauses joined by AND, keeping ``x BETWEEN :a AND :b`` whole."""
    joined: list[str] = []
    for part in AND.split(text.strip()):
        if joined and re.search(r"\bBETWEEN\s+\S+$", joined[-1], re.I):
            joined[-1] = f"{joined[-1]} AND {part}"
        else:
            joined.append(part)
    return joined


def _clause(clause: str, item: dict, expression: Expression) -> bool:
    clause = clause.strip()
    if clause.upper().startswith("NOT "):
        return not _clause(clause[4:], item, expression)
    between = re.match(r"^(.+?)\s+BETWEEN\s+(\S+)\s+AND\s+(\S+)$", clause, re.I)
    if between:
        value = expression.operand(between.group(1), item)
        low, high = expression.value(between.group(2)), expression.value(between.group(3))
        return _compare(value, ">=", low) and _compare(value, "<=", high)
    called = FUNCTION.match(clause)
    if called:
        function, args = called.group(1).lower(), _split(called.group(2), ",")
        if function == "attribute_exists":
            return expression.name(args[0]) in item
        if function == "attribute_not_exists":
            return expression.name(args[0]) not in item
        if function == "begins_with":
            value, prefix = expression.operand(args[0], item), expression.operand(args[1], item)
            return bool(value and prefix and str(_scalar(value)[1]).startswith(str(_scalar(prefix)[1])))
        raise Failure(
            "ValidationException", f"Invalid ConditionExpression: Invalid function name; function: {function}"
        )
    compared = COMPARISON.match(clause)
    if not compared:
        raise Failure("ValidationException", f'Invalid ConditionExpression: Syntax error; token: "{clause}"')
    left, operator, right = compared.groups()
    return _compare(expression.operand(left, item), operator, expression.operand(right, item))


def _number(value: dict | None, what: str) -> Decimal:
    if value is None or "N" not in value:
        raise Failure(
            "ValidationException",
            "The provided expression refers to an attribute that does not exist in the item"
            if value is None
            else f"An operand in the update expression has an incorrect data type ({what})",
        )
    return Decimal(str(value["N"]))


def _text_number(number: Decimal) -> str:
    text = format(number.normalize(), "f") if number == number.to_integral() else str(number)
    return text if text != "-0" else "0"


def _set_value(text: str, item: dict, expression: Expression) -> dict:
    text = text.strip()
    called = FUNCTION.match(text)
    if called and called.group(1).lower() in ("if_not_exists", "list_append"):
        args = _split(called.group(2), ",")
        if called.group(1).lower() == "if_not_exists":
            present = item.get(expression.name(args[0]))
            return present if present is not None else _set_value(args[1], item, expression)
        first, second = _set_value(args[0], item, expression), _set_value(args[1], item, expression)
        return {"L": list(first.get("L", [])) + list(second.get("L", []))}
    for operator in ("+", "-"):
        parts = _split(text, operator)
        if len(parts) == 2:
            left = _number(_set_value(parts[0], item, expression), operator)
            right = _number(_set_value(parts[1], item, expression), operator)
            return {"N": _text_number(left + right if operator == "+" else left - right)}
    value = expression.operand(text, item)
    if value is None:
        raise Failure(
            "ValidationException", "The provided expression refers to an attribute that does not exist in the item"
        )
    return value


def _update(text: str, item: dict, expression: Expression, key_names: list[str]) -> None:
    sections = re.split(r"(?<![#:\w])(SET|REMOVE|ADD|DELETE)\b", text, flags=re.I)
    if sections[0].strip():
        raise Failure("ValidationException", f'Invalid UpdateExpression: Syntax error; token: "{sections[0].strip()}"')
    for verb, body in zip(sections[1::2], sections[2::2], strict=True):
        verb = verb.upper()
        for action in _split(body, ","):
            if verb == "SET":
                path, _, value = action.partition("=")
                name = expression.name(path)
                if name in key_names:
                    raise Failure(
                        "ValidationException",
                        f"One or more parameter values were invalid: Cannot update attribute {name}. "
                        "This attribute is part of the key",
                    )
                item[name] = _set_value(value, item, expression)
            elif verb == "REMOVE":
                item.pop(expression.name(action), None)
            elif verb == "ADD":
                path, value = action.split(None, 1)
                name, given = expression.name(path), expression.value(value)
                if "N" in given:
                    current = _number(item[name], "ADD") if name in item else Decimal(0)
                    item[name] = {"N": _text_number(current + Decimal(str(given["N"])))}
                else:
                    kind = next(iter(given))
                    merged = list((item.get(name) or {}).get(kind, []))
                    item[name] = {kind: merged + [v for v in given[kind] if v not in merged]}
            else:
                path, value = action.split(None, 1)
                name, given = expression.name(path), expression.value(value)
                kind = next(iter(given))
                left = [v for v in (item.get(name) or {}).get(kind, []) if v not in given[kind]]
                if left:
                    item[name] = {kind: left}
                else:
                    item.pop(name, None)


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
    if text and not _condition(str(text), item, expression):
        raise Failure("ConditionalCheckFailedException", CONDITION_FAILED)


# --- operations ------------------------------------------------------------------------------------------


def put_item(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    name, config = _table(world, caller, call.params, "dynamodb:PutItem")
    given = dict(required(call.params, "Item"))
    slot, keys = _key(config, given, "item")
    items = _items(world, name)
    old = items.get(slot)
    _check(call.params, old or {}, Expression(call.params))
    new = {k: _store(v) for k, v in given.items()}
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
        names = [expression.name(p) for p in _split(str(wanted), ",")]
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
        _update(str(call.params["UpdateExpression"]), new, expression, _key_names(config))
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
    clauses = _and_clauses(str(text))
    partition = config.get("partition_key")
    compared = [m for m in map(COMPARISON.match, clauses) if m is not None]
    on_partition = [m for m in compared if expression.name(m.group(1)) == partition]
    if not on_partition or on_partition[0].group(2) != "=":
        raise Failure("ValidationException", "Query condition missed key schema element: " + str(partition))
    matched = [item for item in _items(world, name).values() if all(_clause(c, item, expression) for c in clauses)]
    sort = config.get("sort_key")
    if sort:
        matched.sort(key=lambda item: _scalar(item[sort])[1] if sort in item else "")
    if call.params.get("ScanIndexForward") is False:
        matched.reverse()
    scanned = len(matched)
    limit = call.params.get("Limit")
    result: dict = {}
    if limit is not None and len(matched) > int(limit):
        matched = matched[: int(limit)]
        last = matched[-1]
        result["LastEvaluatedKey"] = {k: _load(last[k]) for k in _key_names(config)}
        scanned = len(matched)
    if call.params.get("FilterExpression"):
        matched = [item for item in matched if _condition(str(call.params["FilterExpression"]), item, expression)]
    result.update({"Items": [_item_out(item) for item in matched], "Count": len(matched), "ScannedCount": scanned})
    return result, 0.0


OPERATIONS = {
    "PutItem": put_item,
    "GetItem": get_item,
    "UpdateItem": update_item,
    "DeleteItem": delete_item,
    "Query": query,
}
