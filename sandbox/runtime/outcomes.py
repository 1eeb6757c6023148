"""Turning what a runtime sent (untrusted) into executor results. Shared by the local executor and the daemon.

Everything the runtime sends is treated as this function's output: it can only change this function's own
result. Types are checked and values clamped so a forged frame cannot break the caller.
"""

from __future__ import annotations

import uuid

from sandbox.runtime.protocol import (  # noqa: F401 - code_files and number are used through this module
    code_files,
    exit_message,
    exit_words,
    number,
    out_of_memory_error,
    runtime_exit_error,
    timeout_error,
)

RESPONSE_LIMIT = 6_291_556
VERDICTS = ("connected", "timeout", "refused", "dns_failure")
OUTCOMES = ("success", "error", "timeout", "oom", "runtime_exit")


def trusted_ms(reported, measured_ms: float, limit_ms: float) -> float:
    """An emulated duration a runtime reported: never below what was measured outside, never above the limit."""
    return min(max(number(reported), measured_ms, 0.0), limit_ms)


def clean_connections(raw) -> list[dict]:
    if not isinstance(raw, list):
        return []
    cleaned = []
    for item in raw[:1000]:
        if not isinstance(item, dict) or item.get("outcome") not in VERDICTS:
            continue
        port = item.get("port")
        cleaned.append(
            {
                "host": str(item.get("host", ""))[:253],
                "port": port if isinstance(port, int) and not isinstance(port, bool) else 0,
                "outcome": item["outcome"],
                "reason": str(item.get("reason", ""))[:500],
                "at_ms": max(0.0, number(item.get("at_ms"))),
            }
        )
    return cleaned


def clean_error(raw, request_id: str | None = None) -> dict | None:
    if not isinstance(raw, dict):
        return None
    error = {key: raw[key] for key in ("errorMessage", "errorType", "requestId", "stackTrace") if key in raw}
    error["errorMessage"] = str(error.get("errorMessage", ""))
    error["errorType"] = str(error.get("errorType", "Unknown"))
    if not isinstance(error.get("stackTrace", []), list):
        error["stackTrace"] = []
    if request_id is not None and "requestId" in error:
        error["requestId"] = request_id
    return error


def trace_id() -> str:
    hexed = uuid.uuid4().hex
    return f"Root=1-{hexed[:8]}-{hexed[8:32]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def invoke_frame(request: dict, clock_start_s: float, budget_s: float, timeout_s: float) -> dict:
    return {
        "type": "invoke",
        "request_id": request["request_id"],
        "payload": request["payload"],
        "clock_start_s": clock_start_s,
        "budget_s": budget_s,
        "timeout_s": timeout_s,
        "invoked_function_arn": request.get("invoked_function_arn") or "",
        "client_context": request.get("client_context"),
        "identity": request.get("identity"),
        "trace_id": trace_id(),
    }


def result(
    outcome: str,
    duration_ms: float,
    memory_mb: int,
    logs: str,
    *,
    response=None,
    error=None,
    connections=(),
    suppressed_init: bool = False,
) -> dict:
    """An InvokeResult as plain data."""
    return {
        "outcome": outcome,
        "duration_ms": round(duration_ms, 3),
        "max_memory_used_mb": int(memory_mb),
        "logs": logs,
        "response": response,
        "error": error,
        "connections": list(connections),
        "suppressed_init": suppressed_init,
    }


def from_result_frame(
    frame: dict,
    request_id: str,
    timeout_s: float,
    init_ms: float,
    memory_used_mb: int,
    memory_size_mb: int,
    logs: str,
    suppressed: bool,
    measured_ms: float | None = None,
    connections: list[dict] | None = None,
) -> dict:
    """Interpret a ``result`` frame. ``measured_ms`` is a duration measured outside the runtime, and
    ``connections`` the connections recorded outside it; when given, they replace what the frame claims."""
    outcome = frame.get("outcome")
    if outcome not in ("success", "error", "timeout", "oom"):
        outcome = "error"
    limit_ms = timeout_s * 1000
    reported = init_ms + max(number(frame.get("elapsed_ms")), 0.0)
    duration = reported if measured_ms is None else max(init_ms + measured_ms, reported)
    connections = clean_connections(frame.get("connections") if connections is None else connections)
    for connection in connections:
        connection["at_ms"] = min(connection["at_ms"], max(duration - init_ms, 0.0))
    if outcome == "timeout" or duration >= limit_ms:
        return result(
            "timeout",
            limit_ms,
            memory_used_mb,
            logs,
            error=timeout_error(request_id, timeout_s),
            connections=connections,
            suppressed_init=suppressed,
        )
    if outcome == "oom":
        return result(
            "oom",
            duration,
            memory_size_mb,
            logs,
            error=out_of_memory_error(request_id),
            connections=connections,
            suppressed_init=suppressed,
        )
    if outcome == "success":
        response = frame.get("response")
        if isinstance(response, str) and len(response.encode("utf-8", errors="replace")) > RESPONSE_LIMIT:
            error = {
                "errorMessage": f"Response payload size exceeded maximum allowed payload size "
                f"({RESPONSE_LIMIT} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
            return result(
                "error",
                duration,
                memory_used_mb,
                logs,
                error=error,
                connections=connections,
                suppressed_init=suppressed,
            )
        return result(
            "success",
            duration,
            memory_used_mb,
            logs,
            response=response if isinstance(response, str) else "null",
            connections=connections,
            suppressed_init=suppressed,
        )
    error = clean_error(frame.get("error"), request_id) or {"errorMessage": "", "errorType": "Unknown"}
    return result(
        "error", duration, memory_used_mb, logs, error=error, connections=connections, suppressed_init=suppressed
    )


def unsendable(message: dict, problem: Exception) -> dict:
    """A reply that could not be encoded (too big once re-encoded, or too deep), turned into a Lambda error."""
    result = message.get("result")
    if isinstance(result, dict) and "outcome" in result:
        error = {
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).",
        }
        fields = {"response": None, "error": error, "connections": [], "logs": str(result.get("logs", ""))[-65536:]}
        return {"ok": True, "result": dict(result, outcome="error", **fields)}
    if isinstance(result, dict) and "init_duration_ms" in result:
        error = {"errorType": "Runtime.ExitError", "errorMessage": "Init's output could not be sent back"}
        fields = {"ok": False, "error": error, "status": "error", "logs": str(result.get("logs", ""))[-65536:]}
        return {"ok": True, "result": dict(result, **fields)}
    return {"ok": False, "error": f"the sandbox daemon could not send its reply: {str(problem)[:200]}"}


def real_time_error(request_id: str | None, real_s: float) -> dict:
    """The sandbox's own limit on real time (not Lambda's timeout) stopped the handler."""
    prefix = f"RequestId: {request_id} Error: " if request_id else ""
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"{prefix}Task stopped after {real_s:.2f} seconds of real time: the sandbox's limit of "
        "real time for one run was reached before the function's timeout",
    }


def timed_out(request_id: str, timeout_s: float, memory_used_mb: int, logs: str, suppressed: bool) -> dict:
    return result(
        "timeout",
        timeout_s * 1000,
        memory_used_mb,
        logs,
        error=timeout_error(request_id, timeout_s),
        suppressed_init=suppressed,
    )


def exited(
    request_id: str,
    status: int,
    duration_ms: float,
    timeout_s: float,
    memory_used_mb: int,
    memory_size_mb: int,
    logs: str,
    suppressed: bool,
    oom: bool = False,
) -> dict:
    duration = min(duration_ms, timeout_s * 1000)
    if oom:
        return result(
            "oom", duration, memory_size_mb, logs, error=out_of_memory_error(request_id), suppressed_init=suppressed
        )
    return result(
        "runtime_exit",
        duration,
        memory_used_mb,
        logs,
        error=runtime_exit_error(request_id, status),
        suppressed_init=suppressed,
    )


def violated(
    request_id: str, reason: str, duration_ms: float, memory_used_mb: int, logs: str, suppressed: bool
) -> dict:
    error = {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime broke the runtime protocol ({reason}); "
        "the environment was recycled",
    }
    return result("runtime_exit", duration_ms, memory_used_mb, logs, error=error, suppressed_init=suppressed)


def init_failure_in_invoke(
    frame: dict, request_id: str, timeout_s: float, memory_mb: int, logs: str, measured_ms: float = 0.0
) -> dict:
    """A suppressed Init inside an invoke failed: the invoke fails with Init's error."""
    status = frame.get("status")
    elapsed = trusted_ms(frame.get("elapsed_ms"), measured_ms, timeout_s * 1000)
    if status == "timeout" or elapsed >= timeout_s * 1000:
        return timed_out(request_id, timeout_s, memory_mb, logs, True)
    if status == "oom":
        return result("oom", elapsed, memory_mb, logs, error=out_of_memory_error(request_id), suppressed_init=True)
    error = clean_error(frame.get("error")) or {"errorMessage": "", "errorType": "Unknown"}
    error["requestId"] = request_id
    return result("error", elapsed, memory_mb, logs, error=error, suppressed_init=True)


def init_result(ok: bool, init_duration_ms: float, memory_mb: int, logs: str, error=None, status="success") -> dict:
    return {
        "ok": ok,
        "init_duration_ms": round(init_duration_ms, 3),
        "max_memory_used_mb": int(memory_mb),
        "logs": logs,
        "error": error,
        "status": status,
    }


def init_exit_error(status: int) -> dict:
    return {"errorType": "Runtime.ExitError", "errorMessage": exit_message(status)}


def init_timeout_error(limit_s: float) -> dict:
    return {"errorType": "Sandbox.Timedout", "errorMessage": f"Init phase timed out after {limit_s:.2f} seconds"}


def log_stream_name(version: str) -> str:
    import time

    day = time.strftime("%Y/%m/%d", time.gmtime())
    return f"{day}/[{version}]{uuid.uuid4().hex}"


def shim_config(
    spec: dict,
    *,
    task_root: str,
    net_socket: str | None,
    tmp_dir: str | None,
    clock_start_s: float,
    init_budget_s: float,
    log_stream: str,
    sdk_path: str | None = None,
) -> dict:
    """What the shim needs to know, from a spec given as plain data. ``sdk_path``: the directory that holds the
    AWS SDK's packages, put on the handler's import path after the function's code."""
    name = spec["function_name"]
    return {
        "function_name": name,
        "handler": spec["handler"],
        "memory_mb": spec["memory_mb"],
        "version": spec["version"],
        "region": spec["region"],
        "function_arn": f"arn:aws:lambda:{spec['region']}:{spec['account_id']}:function:{name}",
        "log_group_name": f"/aws/lambda/{name}",
        "log_stream_name": log_stream,
        "environment": spec.get("environment") or {},
        "network": spec.get("network") or {},
        "runtime": spec.get("runtime") or "python3.12",
        "initialization_type": spec.get("initialization_type") or "on-demand",
        "task_root": task_root,
        "net_socket": net_socket,
        "tmp_dir": tmp_dir,
        "clock_start_s": clock_start_s,
        "init_budget_s": init_budget_s,
        "sdk_path": sdk_path,
    }
