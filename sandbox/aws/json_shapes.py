"""Values of a botocore shape to and from JSON documents (the json and rest-json protocols' bodies).

Blobs travel as base64 text, timestamps as epoch seconds unless the shape says otherwise; members keep their
model names (or their ``locationName``). Unknown members of a request are ignored, as AWS's JSON services do.
"""

from __future__ import annotations

from botocore.model import Shape

from .values import EPOCH, FLOATS, INTEGERS, BadValue, decode_blob, encode_blob, format_timestamp, parse_timestamp


def _wire_name(name: str, member: Shape) -> str:
    return member.serialization.get("name", name)


def from_json(shape: Shape, value: object, path: str = "") -> object:
    """The Python value of ``value`` (decoded JSON) read as ``shape``; BadValue naming the member when it does not fit."""
    if value is None:
        return None
    kind = shape.type_name
    where = path or shape.name
    if getattr(shape, "is_document_type", False):
        return value
    if kind == "structure":
        if not isinstance(value, dict):
            raise BadValue(f"{where} must be an object")
        result = {}
        for name, member in shape.members.items():
            key = _wire_name(name, member)
            if key in value and value[key] is not None:
                result[name] = from_json(member, value[key], f"{path}.{name}" if path else name)
        return result
    if kind == "list":
        if not isinstance(value, list):
            raise BadValue(f"{where} must be a list")
        return [from_json(shape.member, item, f"{where}[{index}]") for index, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise BadValue(f"{where} must be an object")
        return {str(key): from_json(shape.value, item, f"{where}.{key}") for key, item in value.items()}
    if kind == "blob":
        return decode_blob(value)
    if kind == "timestamp":
        return parse_timestamp(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise BadValue(f"{where} must be true or false")
        return value
    if kind in INTEGERS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadValue(f"{where} must be an integer")
        return value
    if kind in FLOATS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadValue(f"{where} must be a number")
        return value
    if not isinstance(value, str):
        raise BadValue(f"{where} must be a string")
    return value


def to_json(shape: Shape, value: object) -> object:
    """The JSON-ready form of a Python value of ``shape``."""
    if value is None:
        return None
    kind = shape.type_name
    if getattr(shape, "is_document_type", False):
        return value
    if kind == "structure":
        result = {}
        for name, member in shape.members.items():
            if name in value and value[name] is not None and "location" not in member.serialization:
                result[_wire_name(name, member)] = to_json(member, value[name])
        return result
    if kind == "list":
        return [to_json(shape.member, item) for item in value]
    if kind == "map":
        return {str(key): to_json(shape.value, item) for key, item in value.items()}
    if kind == "blob":
        return encode_blob(value)
    if kind == "timestamp":
        return format_timestamp(value, shape.serialization.get("timestampFormat", EPOCH))
    return value
