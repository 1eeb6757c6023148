"""Scalar values between their wire text and Python: timestamps, blobs, numbers and booleans, as each protocol
writes them (epoch seconds in JSON bodies, ISO 8601 in XML and query strings, RFC 822 dates in headers)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

EPOCH = "unixTimestamp"
ISO = "iso8601"
HTTP_DATE = "rfc822"
INTEGERS = ("integer", "long", "short", "byte")
FLOATS = ("float", "double")


class BadValue(ValueError):
    """A value that does not fit its shape; the protocol turns it into its own error code."""


def parse_timestamp(value: object) -> datetime:
    """A datetime (UTC) from epoch seconds, ISO 8601 or an HTTP date."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    text = str(value).strip()
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).astimezone(UTC)
    except (TypeError, ValueError):
        raise BadValue(f"{text!r} is not a timestamp") from None


def format_timestamp(value: object, style: str) -> str | float | int:
    """A timestamp in one wire style: epoch seconds (a number), ISO 8601 or an HTTP date."""
    moment = parse_timestamp(value).astimezone(UTC)
    if style == EPOCH:
        seconds = moment.timestamp()
        return int(seconds) if seconds == int(seconds) else round(seconds, 3)
    if style == HTTP_DATE:
        return format_datetime(moment, usegmt=True)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def decode_blob(text: object) -> bytes:
    if isinstance(text, bytes):
        return text
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise BadValue(f"{str(text)[:40]!r} is not base64") from None


def encode_blob(value: object) -> str:
    data = value if isinstance(value, bytes | bytearray) else str(value).encode("utf-8")
    return base64.b64encode(bytes(data)).decode("ascii")


def scalar_from_text(type_name: str, text: str) -> object:
    """A scalar from the text a query string, a header or an XML element carries."""
    if type_name in INTEGERS:
        try:
            return int(text)
        except ValueError:
            raise BadValue(f"{text!r} is not an integer") from None
    if type_name in FLOATS:
        try:
            return float(text)
        except ValueError:
            raise BadValue(f"{text!r} is not a number") from None
    if type_name == "boolean":
        if text.lower() not in ("true", "false"):
            raise BadValue(f"{text!r} is not true or false")
        return text.lower() == "true"
    if type_name == "timestamp":
        return parse_timestamp(text)
    if type_name == "blob":
        return decode_blob(text)
    return text


def scalar_to_text(type_name: str, value: object, timestamp_style: str = ISO) -> str:
    """The text of a scalar in a query string, a header or an XML element."""
    if type_name == "boolean":
        return "true" if value else "false"
    if type_name == "timestamp":
        return str(format_timestamp(value, timestamp_style))
    if type_name == "blob":
        return encode_blob(value)
    if type_name in FLOATS and isinstance(value, float) and value == int(value):
        return str(value)
    return str(value)
