"""DynamoDB's attribute values and expressions: typed values kept as JSON data, ``#name`` and ``:value``
placeholders, conditions (comparisons, ``attribute_exists``, ``attribute_not_exists``, ``begins_with``,
``BETWEEN``, AND/OR/NOT) and update expressions (``SET`` with ``+``, ``-``, ``if_not_exists``, ``list_append``;
``REMOVE``; ``ADD``; ``DELETE``). Failures are AWS's ``ValidationException`` wording."""

from __future__ import annotations

import base64
import re
from decimal import Decimal, InvalidOperation

from .common import Failure

# --- values ------------------------------------------------------------------------------------------


def store(value):
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
                out[kind] = {k: store(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [store(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def load(value):
    """A stored attribute value as the SDK expects it (binary as bytes)."""
    if isinstance(value, dict):
        out = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64decode(inner)
            elif kind == "BS":
                out[kind] = [base64.b64decode(v) for v in inner]
            elif kind == "M":
                out[kind] = {k: load(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [load(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def scalar(value: dict):
    kind, inner = next(iter(value.items()))
    if kind == "N":
        try:
            return ("N", Decimal(str(inner)))
        except InvalidOperation:
            raise Failure(
                "ValidationException", f"The parameter cannot be converted to a numeric value: {inner}"
            ) from None
    return (kind, inner)


# --- expressions --------------------------------------------------------------------------------------


class Expression:
    """Placeholders of one request: ``#name`` and ``:value``."""

    def __init__(self, params: dict):
        self.names = dict(params.get("ExpressionAttributeNames") or {})
        self.values = {k: store(v) for k, v in (params.get("ExpressionAttributeValues") or {}).items()}

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


def split(text: str, separator: str) -> list[str]:
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
    a, b = scalar(left), scalar(right)
    if operator == "=":
        return a == b
    if operator == "<>":
        return a != b
    if a[0] != b[0]:
        return False
    return {"<": a[1] < b[1], "<=": a[1] <= b[1], ">": a[1] > b[1], ">=": a[1] >= b[1]}[operator]


def condition(text: str, item: dict, expression: Expression) -> bool:
    """Clauses joined by AND (OR between groups); comparisons, attribute_(not_)exists and begins_with."""
    for group in re.split(r"\s+OR\s+", text.strip(), flags=re.I):
        if all(holds(part, item, expression) for part in and_clauses(group)):
            return True
    return False


def and_clauses(text: str) -> list[str]:
    """Clauses joined by AND, keeping ``x BETWEEN :a AND :b`` whole."""
    joined: list[str] = []
    for part in AND.split(text.strip()):
        if joined and re.search(r"\bBETWEEN\s+\S+$", joined[-1], re.I):
            joined[-1] = f"{joined[-1]} AND {part}"
        else:
            joined.append(part)
    return joined


def holds(clause: str, item: dict, expression: Expression) -> bool:
    """Whether one clause (no AND/OR) holds for the item."""
    clause = clause.strip()
    if clause.upper().startswith("NOT "):
        return not holds(clause[4:], item, expression)
    between = re.match(r"^(.+?)\s+BETWEEN\s+(\S+)\s+AND\s+(\S+)$", clause, re.I)
    if between:
        value = expression.operand(between.group(1), item)
        low, high = expression.value(between.group(2)), expression.value(between.group(3))
        return _compare(value, ">=", low) and _compare(value, "<=", high)
    called = FUNCTION.match(clause)
    if called:
        function, args = called.group(1).lower(), split(called.group(2), ",")
        if function == "attribute_exists":
            return expression.name(args[0]) in item
        if function == "attribute_not_exists":
            return expression.name(args[0]) not in item
        if function == "begins_with":
            value, prefix = expression.operand(args[0], item), expression.operand(args[1], item)
            return bool(value and prefix and str(scalar(value)[1]).startswith(str(scalar(prefix)[1])))
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
        args = split(called.group(2), ",")
        if called.group(1).lower() == "if_not_exists":
            present = item.get(expression.name(args[0]))
            return present if present is not None else _set_value(args[1], item, expression)
        first, second = _set_value(args[0], item, expression), _set_value(args[1], item, expression)
        return {"L": list(first.get("L", [])) + list(second.get("L", []))}
    for operator in ("+", "-"):
        parts = split(text, operator)
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


def update(text: str, item: dict, expression: Expression, key_names: list[str]) -> None:
    sections = re.split(r"(?<![#:\w])(SET|REMOVE|ADD|DELETE)\b", text, flags=re.I)
    if sections[0].strip():
        raise Failure("ValidationException", f'Invalid UpdateExpression: Syntax error; token: "{sections[0].strip()}"')
    for verb, body in zip(sections[1::2], sections[2::2], strict=True):
        verb = verb.upper()
        for action in split(body, ","):
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
