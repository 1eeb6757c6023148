"""A check that a result handed to ``serialize_result`` has the operation's output shape: a member the model does
not know, or a value of the wrong kind, would otherwise vanish or break on the wire without a word."""

from __future__ import annotations

from datetime import datetime

from botocore.model import Shape

from .values import FLOATS, INTEGERS

SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (bytes, bytearray, str),
    "timestamp": (datetime, int, float, str),
    "boolean": (bool,),
}


def check_result(shape: Shape, value: object, path: str) -> None:
    """ValueError naming the member when ``value`` does not fit ``shape``."""
    if value is None or getattr(shape, "is_document_type", False):
        return
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise ValueError(f"{path} must be a dict ({shape.name}), not {type(value).__name__}")
        for key, item in value.items():
            if key == "ResponseMetadata":
                continue
            if key not in shape.members:
                raise ValueError(f"{path} has no member {key!r}; {shape.name} has: {', '.join(shape.members)}")
            check_result(shape.members[key], item, f"{path}.{key}")
    elif kind == "list":
        if not isinstance(value, list | tuple):
            raise ValueError(f"{path} must be a list, not {type(value).__name__}")
        for index, item in enumerate(value):
            check_result(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            raise ValueError(f"{path} must be a dict, not {type(value).__name__}")
        for key, item in value.items():
            check_result(shape.value, item, f"{path}[{key!r}]")
    elif kind in INTEGERS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{path} must be an integer, not {value!r}")
    elif kind in FLOATS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{path} must be a number, not {value!r}")
    elif kind in SCALARS and not isinstance(value, SCALARS[kind]):
        raise ValueError(f"{path} must be a {kind}, not {type(value).__name__}")
