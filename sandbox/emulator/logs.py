"""Log lines in Lambda's text format, timestamps, and the LogType=Tail result."""

from __future__ import annotations

import base64
import datetime
import hashlib
import math

# Scenario time 0 is this emulated instant (2026-01-01T00:00:00Z).
EPOCH_START = 1767225600.0
TAIL_BYTES = 4096
RUNTIME_BUILD = "v64"  # the runtime build INIT_START names; AWS moves it on with each runtime update


def epoch(now_s: float) -> float:
    return EPOCH_START + now_s


def iso(now_s: float, millis: bool = True) -> str:
    moment = datetime.datetime.fromtimestamp(epoch(now_s), tz=datetime.UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(now_s: float) -> int:
    return int(round(epoch(now_s) * 1000))


def log_stream_name(now_s: float, version: str, suffix: str) -> str:
    moment = datetime.datetime.fromtimestamp(epoch(now_s), tz=datetime.UTC)
    return moment.strftime("%Y/%m/%d/") + f"[{version}]{suffix}"


def billed_ms(duration_ms: float, init_ms: float | None, init_billing: bool) -> int:
    total = duration_ms + ((init_ms or 0.0) if init_billing else 0.0)
    return max(1, math.ceil(round(total, 6)))


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    duration_ms: float,
    billed: int,
    memory_mb: int,
    max_used_mb: int,
    init_ms: float | None,
    status: str | None = None,
    restore: str | None = None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_used_mb} MB",
    ]
    if init_ms is not None:
        parts.append(f"Init Duration: {init_ms:.2f} ms")
    if restore:
        parts.append(restore)  # a SnapStart environment's Restore Duration and Billed Restore Duration
    if status:
        parts.append(status)
    return "\t".join(parts) + "\t"


def init_start_line(runtime: str, region: str) -> str:
    """The first line of a cold start: the managed runtime's version and its ARN (a stable made-up build)."""
    language, _, number = runtime.partition("python")
    name = f"python:{number}" if not language and number else runtime
    digest = hashlib.sha256(runtime.encode()).hexdigest()
    return (
        f"INIT_START Runtime Version: {name}.{RUNTIME_BUILD}\t"
        f"Runtime Version ARN: arn:aws:lambda:{region}::runtime:{digest}"
    )


def init_report_line(init_ms: float, status: str, error_type: str | None = None) -> str:
    line = f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: {status}"
    if error_type:
        line += f"\tError Type: {error_type}"
    return line


def traceback_line(line: str) -> str:
    """A stack frame line as the Python runtime logs it: leading spaces become no-break spaces."""
    stripped = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(stripped)) + stripped


def split_output(text: str) -> list[str]:
    if not text:
        return []
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def tail(lines: list[str]) -> str:
    """LogType=Tail: the last 4 KB of the log, base64-encoded."""
    data = ("\n".join(lines) + "\n").encode()
    return base64.b64encode(data[-TAIL_BYTES:]).decode()
