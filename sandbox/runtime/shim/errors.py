"""Error bodies, the ``[ERROR]`` log line and response marshalling, as awslambdaric does them."""

from __future__ import annotations

import decimal
import json
import math
import os
import sys
import traceback

_SHIM_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class Fault(Exception):
    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def user_trace(tb) -> list[str]:
    frames = [frame for frame in traceback.extract_tb(tb) if not frame.filename.startswith(_SHIM_DIR)]
    frames = [f for f in frames if not f.filename.startswith("<frozen importlib")]
    return traceback.format_list(frames)


def error_body(error: BaseException, request_id: str) -> dict:
    if isinstance(error, Fault):
        return {
            "errorMessage": error.message,
            "errorType": error.error_type,
            "requestId": request_id,
            "stackTrace": error.trace,
        }
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": user_trace(error.__traceback__),
    }


def log_error(body: dict) -> None:
    line = "[ERROR]"
    if body.get("errorType"):
        line += " " + body["errorType"] + ":"
    if body.get("errorMessage"):
        line += " " + body["errorMessage"]
    lines = [line]
    if body.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        for element in body["stackTrace"]:
            # The Python runtime turns a frame's leading spaces into no-break spaces in the log.
            lines.extend(
                "\u00a0" * (len(line) - len(line.lstrip(" "))) + line.lstrip(" ") for line in element.splitlines()
            )
    try:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except Exception:  # the handler may have broken its own stdout; the error body still goes out
        pass


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            return int(o) if o.as_tuple().exponent >= 0 else float(o)
        return super().default(o)


def marshal(response) -> str:
    if isinstance(response, (bytes, bytearray)):
        return bytes(response).decode("utf-8", errors="replace")
    try:
        return _Encoder(allow_nan=True).encode(response)
    except (TypeError, ValueError) as error:
        raise Fault("Runtime.MarshalError", f"Unable to marshal response: {error}") from None
