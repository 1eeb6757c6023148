"""One handler run ("attempt"): plan it, then turn the executor's result into a trace entry.

``plan_run`` picks the environment (or reports a throttle) and returns a ``run``
effect for the driver. When the driver has the executor's answer it calls
``complete_run``, which writes the attempt with its START/END/REPORT lines, records
connections and schedules ``attempt_end`` at the virtual end time. The owner of the
run (a sync invoke, the async queue, a mapping) reacts when that event fires.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from . import concurrency, logs, snapstart, vpc
from .executor import InitResult, InvokeRequest, InvokeResult
from .model import Environment, State
from .state import PRIORITY_END, metrics_for, schedule
from .validation.rules import SYNC_RESPONSE_BYTES

FAILED = ("error", "timeout", "oom", "runtime_exit")


def function_arn(state: State, name: str, qualifier: str | None = None) -> str:
    account = state["config"]["account"]
    arn = f"arn:aws:lambda:{account['region']}:{account['account_id']}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def network_for(state: State, name: str):
    return vpc.network_table(state["config"], name)


def plan_run(
    state: State,
    *,
    function: str,
    version: str,
    qualifier: str | None,
    payload: str,
    request_id: str,
    trigger: str,
    attempt: int,
    ctx: dict,
    now: float,
    sync: bool,
    batch: list | None = None,
    client_context: dict | None = None,
) -> dict:
    """Returns ``{"throttle": reason}`` or a ``run`` effect."""
    claimed = concurrency.acquire(state, function, version, qualifier, now)
    if "throttle" in claimed:
        return claimed
    concurrency.function_runtime(state, function)["last_used_s"] = now
    env = state["environments"][claimed["env"]]
    spec = None
    if claimed["create"]:
        spec = concurrency.build_spec(state, function, version, env, network_for(state, function), provisioned=False)
    fn_timeout = float(state["config"]["functions"][function]["timeout_s"])
    request = InvokeRequest(
        request_id=request_id,
        payload=payload,
        clock_start_s=logs.epoch(now),
        invoked_function_arn=function_arn(state, function, qualifier),
        client_context=client_context if sync else None,
    )
    return {
        "kind": "run",
        "env": env["id"],
        "spec": spec,
        "request": request,
        "meta": {
            "function": function,
            "version": version,
            "request_id": request_id,
            "trigger": trigger,
            "attempt": attempt,
            "ctx": ctx,
            "start": now,
            "sync": sync,
            "batch": batch,
            "timeout_s": fn_timeout,
            "provisioned": env["provisioned"],
        },
    }


def throttled_attempt(
    state: State, *, function: str, request_id: str, trigger: str, attempt: int, now: float, reason: str, batch=None
) -> None:
    """An async or mapping throttle: an attempt with no environment."""
    metrics_for(state, function)["throttles"] += 1
    state["trace"]["attempts"].append(
        {
            "request_id": request_id,
            "function": function,
            "trigger": trigger,
            "attempt": attempt,
            "start_s": now,
            "end_s": now,
            "environment_id": None,
            "cold_start": False,
            "init_duration_ms": None,
            "duration_ms": 0.0,
            "billed_duration_ms": 0,
            "max_memory_used_mb": 0,
            "outcome": "throttled",
            "error_type": "TooManyRequestsException",
            "error_message": reason,
            "response": None,
            "batch": batch,
            "logs": [],
        }
    )


def _ordered_error(error: dict, request_id: str) -> dict:
    body: dict[str, Any] = {
        "errorMessage": str(error.get("errorMessage", "")),
        "errorType": str(error.get("errorType", "Exception")),
    }
    body["requestId"] = error.get("requestId", request_id) if error.get("requestId") is not None else request_id
    body["stackTrace"] = list(error.get("stackTrace") or [])
    for key, value in error.items():
        body.setdefault(key, value)
    return body


def _init_start(state: State, function: str) -> str:
    runtime = str(state["config"]["functions"][function].get("runtime") or "python3.12")
    return logs.init_start_line(runtime, state["config"]["account"]["region"])


def _error_lines(body: dict) -> list[str]:
    lines = [f"[ERROR] {body.get('errorType')}: {body.get('errorMessage')}"]
    frames = body.get("stackTrace") or []
    if frames:
        lines.append("Traceback (most recent call last):")
        for frame in frames:
            lines.extend(logs.traceback_line(part) for part in str(frame).rstrip("\n").split("\n"))
    return lines


def complete_run(state: State, effect: dict, init: InitResult | None, result: InvokeResult | None) -> None:
    """Record the attempt the executor ran and schedule its end."""
    meta = effect["meta"]
    env = state["environments"][effect["env"]]
    account = state["config"]["account"]
    memory = int(state["config"]["functions"][meta["function"]]["memory_mb"])
    rid = meta["request_id"]
    lines: list[str] = []
    init_ms = None
    env["reset"] = False
    if init is not None:
        env["created"] = True
        if restored(effect):
            if not init.ok:
                return _failed_restore(state, effect, env, init, memory)
            return _restored_run(state, effect, env, init, result, memory)
        if not init.ok and init.status != "timeout":
            return _failed_init(state, effect, env, init, memory)
        lines.append(_init_start(state, meta["function"]))
        lines.extend(logs.split_output(init.logs))
        if init.status == "timeout":
            lines.append(logs.init_report_line(init.init_duration_ms, "timeout"))
        else:
            init_ms = float(init.init_duration_ms)

    assert result is not None
    judged = _judge(meta, result, memory, init_ms)
    show_init = init_ms if (init is not None and not meta["provisioned"]) else None
    init_span = float(init.init_duration_ms) if init is not None else 0.0
    billed = logs.billed_ms(judged.duration, show_init, bool(account["init_billing"]))
    if init is not None and init.status == "timeout" and account["init_billing"]:
        billed = logs.billed_ms(judged.duration + init_span, None, False)
    lines.append(logs.start_line(rid, meta["version"]))
    lines.extend(judged.lines)
    lines.append(logs.end_line(rid))
    lines.append(logs.report_line(rid, judged.duration, billed, memory, judged.used, show_init, judged.status))
    return _finish(
        state,
        effect,
        env,
        lines,
        outcome=judged.outcome,
        error_body=judged.error_body,
        response=judged.response,
        duration=judged.duration,
        init_ms=show_init,
        billed=billed,
        used=judged.used,
        cold=init is not None,
        destroy=False,
        connections=result.connections,
        span_ms=init_span + judged.duration,
        init_for_trace=init_span if init is not None else None,
    )


def restored(effect: dict) -> bool:
    """Whether this run's environment is created by restoring a SnapStart snapshot."""
    snap = getattr(effect.get("spec"), "snap_start", None) or {}
    return snap.get("phase") == "restore"


def _failed_restore(state: State, effect: dict, env: Environment, init: InitResult, memory: int) -> None:
    """The restore failed: after-restore hooks past the time limit (SnapStartTimeoutException) or one raised.
    The handler never runs; the environment is discarded."""
    meta = effect["meta"]
    runtime = str(state["config"]["functions"][meta["function"]].get("runtime") or "python3.12")
    body = dict(init.error or {"errorMessage": "Restore failed", "errorType": "Runtime.Unknown"})
    timed_out = init.status == "timeout"
    duration = snapstart.RESTORE_LIMIT_MS if timed_out else float(init.init_duration_ms)
    if timed_out:
        error_body = {"errorMessage": snapstart.TIMEOUT_MESSAGE, "errorType": snapstart.TIMEOUT_ERROR}
    else:
        error_body = _ordered_error(body, "")
    lines = [snapstart.restore_start_line(runtime, state["config"]["account"]["region"])]
    lines.extend(logs.split_output(init.logs))
    if not any(line.startswith("[ERROR]") for line in lines):
        lines.extend(_error_lines(error_body))
    lines.append(snapstart.restore_report(duration)[0])
    _finish(
        state,
        effect,
        env,
        lines,
        outcome="error",
        error_body=error_body,
        response=None,
        duration=duration,
        init_ms=None,
        billed=logs.billed_ms(duration, None, False),
        used=init.max_memory_used_mb,
        cold=True,
        destroy=True,
        connections=(),
        span_ms=duration,
        init_for_trace=None,
    )
    state["trace"]["attempts"][-1]["restore_duration_ms"] = round(duration, 3)
    state["trace"]["attempts"][-1]["restore_timed_out"] = timed_out


def _restored_run(
    state: State, effect: dict, env: Environment, init: InitResult, result: InvokeResult | None, memory: int
) -> None:
    """A SnapStart environment: restored from the version's snapshot, then the invoke. Restore replaces Init."""
    meta = effect["meta"]
    rid = meta["request_id"]
    runtime = str(state["config"]["functions"][meta["function"]].get("runtime") or "python3.12")
    restore_ms = float(init.init_duration_ms)
    restore_line, restore_fields = snapstart.restore_report(restore_ms)
    lines = [snapstart.restore_start_line(runtime, state["config"]["account"]["region"])]
    lines.extend(logs.split_output(init.logs))
    lines.append(restore_line)
    assert result is not None
    judged = _judge(meta, result, memory, None)
    billed = logs.billed_ms(judged.duration, None, False)
    lines.append(logs.start_line(rid, meta["version"]))
    lines.extend(judged.lines)
    lines.append(logs.end_line(rid))
    lines.append(
        logs.report_line(rid, judged.duration, billed, memory, judged.used, None, judged.status, restore_fields)
    )
    _finish(
        state,
        effect,
        env,
        lines,
        outcome=judged.outcome,
        error_body=judged.error_body,
        response=judged.response,
        duration=judged.duration,
        init_ms=None,
        billed=billed,
        used=judged.used,
        cold=True,
        destroy=False,
        connections=result.connections,
        span_ms=restore_ms + judged.duration,
        init_for_trace=None,
    )
    state["trace"]["attempts"][-1]["restore_duration_ms"] = round(restore_ms, 3)


def _failed_init(state: State, effect: dict, env: Environment, init: InitResult, memory: int) -> None:
    """Init failed: the runtime posts an init error and exits; the next invoke runs Init again."""
    meta = effect["meta"]
    rid = meta["request_id"]
    init_lines = logs.split_output(init.logs)
    body = dict(init.error or {"errorMessage": "Init failed", "errorType": "Runtime.Unknown"})
    if body.get("errorType") == "Runtime.ExitError":
        # The runtime process ended during Init: the invoke reports it with its own id and two keys only.
        message = str(body.get("errorMessage", ""))
        error_body = {
            "errorType": "Runtime.ExitError",
            "errorMessage": message if message.startswith("RequestId:") else f"RequestId: {rid} Error: {message}",
        }
    else:
        error_body = _ordered_error(body, "")
        error_body["requestId"] = ""
    lines = [_init_start(state, meta["function"]), *init_lines]
    if not any(line.startswith("[ERROR]") for line in init_lines):
        lines.extend(_error_lines(error_body))
    lines.append(logs.init_report_line(init.init_duration_ms, "error", error_body["errorType"]))
    lines.append(logs.start_line(rid, meta["version"]))
    lines.append(logs.end_line(rid))
    duration = float(init.init_duration_ms)
    billed = logs.billed_ms(duration, None, True)
    status = f"Status: error\tError Type: {error_body['errorType']}"
    lines.append(logs.report_line(rid, duration, billed, memory, init.max_memory_used_mb, None, status))
    return _finish(
        state,
        effect,
        env,
        lines,
        outcome="error",
        error_body=error_body,
        response=None,
        duration=duration,
        init_ms=None,
        billed=billed,
        used=init.max_memory_used_mb,
        cold=True,
        destroy=True,
        connections=(),
        span_ms=duration,
        init_for_trace=init.init_duration_ms,
    )


class _Judged(NamedTuple):
    outcome: str
    response: str | None
    error_body: dict | None
    status: str | None  # the REPORT line's status part
    duration: float
    used: int
    lines: list[str]  # the handler's log lines plus what Lambda adds for the outcome


def _judge(meta: dict, result: InvokeResult, memory: int, init_ms: float | None) -> _Judged:
    """What Lambda makes of the executor's result: outcome, response or error body, and log lines."""
    rid = meta["request_id"]
    timeout = meta["timeout_s"]
    duration = float(result.duration_ms)
    used = int(result.max_memory_used_mb)
    lines = logs.split_output(result.logs)
    outcome = result.outcome
    if outcome == "success":
        response = result.response
        if meta["sync"] and response is not None and len(response.encode()) > SYNC_RESPONSE_BYTES:
            error_body = {
                "errorMessage": f"Response payload size exceeded maximum allowed payload size ({SYNC_RESPONSE_BYTES} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
            return _Judged("error", None, error_body, None, duration, used, lines)
        return _Judged("success", response, None, None, duration, used, lines)
    if outcome == "error" and (result.error or {}).get("errorType") == "Function.ResponseSizeTooLarge":
        error_body = {
            "errorMessage": f"Response payload size exceeded maximum allowed payload size ({SYNC_RESPONSE_BYTES} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
        return _Judged("error", None, error_body, None, duration, used, lines)
    if outcome == "error":
        error_body = _ordered_error(result.error or {}, rid)
        if not any(line.startswith("[ERROR]") for line in lines):
            lines.extend(_error_lines(error_body))
        return _Judged("error", None, error_body, None, duration, used, lines)
    if outcome == "timeout":
        message = f"Task timed out after {timeout:.2f} seconds"
        error_body = {"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {rid} Error: {message}"}
        lines.append(f"{logs.iso(meta['start'] + (init_ms or 0) / 1000 + timeout)} {rid} {message}")
        return _Judged("timeout", None, error_body, "Status: timeout", timeout * 1000.0, used, lines)
    if outcome == "oom":
        message = f"RequestId: {rid} Error: Runtime exited with error: signal: killed"
        error_body = {"errorType": "Runtime.OutOfMemory", "errorMessage": message}
        lines.append(message)
        status = "Status: error\tError Type: Runtime.OutOfMemory"
        return _Judged("oom", None, error_body, status, duration, memory, lines)
    # runtime_exit
    detail = (result.error or {}).get(
        "errorMessage"
    ) or f"RequestId: {rid} Error: Runtime exited with error: exit status 1"
    error_body = {"errorType": "Runtime.ExitError", "errorMessage": detail}
    lines.append(detail)
    return _Judged(outcome, None, error_body, "Status: error\tError Type: Runtime.ExitError", duration, used, lines)


def _finish(
    state,
    effect,
    env,
    lines,
    *,
    outcome,
    error_body,
    response,
    duration,
    init_ms,
    billed,
    used,
    cold,
    destroy,
    connections,
    span_ms,
    init_for_trace,
) -> None:
    meta = effect["meta"]
    start = meta["start"]
    end = start + span_ms / 1000.0
    metrics = metrics_for(state, meta["function"])
    metrics["invocations"] += 1
    if outcome != "success":
        metrics["errors"] += 1
    state["attempt_count"] = state.get("attempt_count", 0) + 1
    parsed = None
    if response is not None:
        try:
            parsed = json.loads(response)
        except ValueError:
            parsed = response
    index = len(state["trace"]["attempts"])
    state["trace"]["attempts"].append(
        {
            "request_id": meta["request_id"],
            "function": meta["function"],
            "version": meta["version"],
            "trigger": meta["trigger"],
            "attempt": meta["attempt"],
            "start_s": start,
            "end_s": end,
            "environment_id": env["id"],
            "cold_start": cold,
            "init_duration_ms": init_for_trace,
            "duration_ms": round(duration, 2),
            "billed_duration_ms": billed,
            "max_memory_used_mb": used,
            "outcome": outcome,
            "error_type": error_body.get("errorType") if error_body else None,
            "error_message": error_body.get("errorMessage") if error_body else None,
            "response": parsed,
            "batch": meta["batch"],
            "logs": lines,
        }
    )
    for connection in connections:
        state["trace"]["connections"].append(
            {
                "request_id": meta["request_id"],
                "function": meta["function"],
                "host": connection.host,
                "port": connection.port,
                "outcome": connection.outcome,
                "reason": connection.reason,
                "at_s": start + (init_for_trace or 0.0) / 1000.0 + connection.at_ms / 1000.0,
            }
        )
    schedule(
        state,
        end,
        "attempt_end",
        {
            "attempt_index": index,
            "env": env["id"],
            "outcome": outcome,
            "destroy": destroy,
            "ctx": meta["ctx"],
            "error": error_body,
            "response": response,
        },
        PRIORITY_END,
    )


def end_attempt(state: State, data: dict, now: float) -> list[dict]:
    """Free the environment when an attempt ends; returns destroy effects."""
    return concurrency.release(state, data["env"], now, data["outcome"], data["destroy"])
