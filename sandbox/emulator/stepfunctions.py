"""Step Functions standard workflows calling Lambda.

A ``state_machines`` entry is an Amazon States Language definition (``StartAt``,
``States``) with ``Task``, ``Pass``, ``Wait``, ``Succeed`` and ``Fail`` states. A Task
calls a function synchronously, either through ``arn:aws:states:::lambda:invoke``
(``Parameters.FunctionName``, ``Payload``; the output wraps the result as
``{"ExecutedVersion", "Payload", "StatusCode"}``) or with the function's ARN or name as
``Resource`` (the output is the result itself).

Errors get the names Step Functions gives them: the handler's ``errorType``
(``ValueError``), ``Lambda.Unknown`` for timeouts, out-of-memory and runtime exits,
``Lambda.<Exception>`` for Lambda API errors (``Lambda.TooManyRequestsException``).
``Retry`` (``IntervalSeconds`` 1, ``MaxAttempts`` 3, ``BackoffRate`` 2.0 by default,
``MaxDelaySeconds``) runs the task again as a new invocation; when the first matching
retrier is used up, the first matching ``Catch`` puts ``{Error, Cause}`` at its
``ResultPath`` and moves on. ``States.ALL`` matches everything, ``States.TaskFailed``
everything but ``States.Timeout``. Each run lands in the trace's ``executions``.
"""

from __future__ import annotations

import copy
import json

from . import attempts, ids, invoke, qualifiers
from .model import State
from .state import metrics_for, schedule

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
UNKNOWN_OUTCOMES = ("timeout", "oom", "runtime_exit")


# --- paths (the reference-path subset: $, $.a, $.a.b) -----------------------------------------------------------


def get_path(data, path: str | None):
    if path is None or path == "$":
        return copy.deepcopy(data)
    value = data
    for part in path[2:].split("."):
        value = value[part] if isinstance(value, dict) and part in value else None
    return copy.deepcopy(value)


def set_path(data, path: str | None, result):
    """Apply a ResultPath: ``$`` replaces, ``None`` (null) discards, ``$.a.b`` sets a field."""
    if path == "$":
        return copy.deepcopy(result)
    if path is None:
        return copy.deepcopy(data)
    out = copy.deepcopy(data) if isinstance(data, dict) else {}
    target = out
    parts = path[2:].split(".")
    for part in parts[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[parts[-1]] = copy.deepcopy(result)
    return out


def parameters(template, data):
    """Fill a ``Parameters`` template: keys ending in ``.$`` take a path of the input."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                out[key[:-2]] = get_path(data, value)
            else:
                out[key] = parameters(value, data)
        return out
    if isinstance(template, list):
        return [parameters(item, data) for item in template]
    return copy.deepcopy(template)


def _result_path(definition: dict) -> str | None:
    return definition.get("ResultPath", "$")


# --- executions ---------------------------------------------------------------------------------------------------


def start(state: State, step_index: int, now: float) -> list[dict]:
    """A ``start_execution`` step: StartExecution of a standard workflow."""
    action = state["config"]["steps"][step_index]["start_execution"]
    machine = str(action["state_machine"])
    account = state["config"]["account"]
    name = str(action.get("name") or ids.uuid(state, "execution"))
    executions = state["trace"].setdefault("executions", [])
    executions.append(
        {
            "step": step_index,
            "state_machine": machine,
            "execution_arn": f"arn:aws:states:{account['region']}:{account['account_id']}:execution:{machine}:{name}",
            "status": "RUNNING",
            "input": copy.deepcopy(action.get("input", {})),
            "output": None,
            "error": None,
            "cause": None,
            "start_s": now,
            "end_s": None,
            "history": [],
        }
    )
    index = len(executions) - 1
    return enter(state, index, _definition(state, machine)["StartAt"], executions[index]["input"], now)


def _definition(state: State, machine: str) -> dict:
    given = state["config"]["state_machines"][machine]
    return given.get("definition", given)


def _record(state: State, index: int) -> dict:
    return state["trace"]["executions"][index]


def _log(state: State, index: int, now: float, kind: str, state_name: str | None, **extra) -> None:
    _record(state, index)["history"].append({"at_s": now, "type": kind, "state": state_name, **extra})


def _finish(state: State, index: int, now: float, output=None, error=None, cause=None) -> list[dict]:
    record = _record(state, index)
    record.update(end_s=now, output=output, error=error, cause=cause)
    record["status"] = "FAILED" if error is not None else "SUCCEEDED"
    _log(state, index, now, "ExecutionFailed" if error is not None else "ExecutionSucceeded", None)
    state.setdefault("sfn", {}).pop(str(index), None)
    return []


def enter(state: State, index: int, state_name: str, data, now: float) -> list[dict]:
    """Run states from ``state_name`` until a Task or Wait has to wait, or the execution ends."""
    machine = _record(state, index)["state_machine"]
    states = _definition(state, machine)["States"]
    while True:
        definition = states[state_name]
        kind = definition["Type"]
        _log(state, index, now, "StateEntered", state_name)
        effective = get_path(data, definition.get("InputPath", "$"))
        if kind == "Fail":
            return _finish(
                state, index, now, error=definition.get("Error", "States.Fail"), cause=definition.get("Cause")
            )
        if kind == "Succeed":
            return _finish(state, index, now, output=get_path(effective, definition.get("OutputPath", "$")))
        if kind == "Task":
            state.setdefault("sfn", {})[str(index)] = {"state": state_name, "input": data, "retries": {}}
            return task_attempt(state, {"index": index}, now)
        if kind == "Wait":
            state.setdefault("sfn", {})[str(index)] = {"state": state_name, "input": data, "retries": {}}
            after = {"index": index, "next": definition.get("Next"), "data": get_path(effective, "$")}
            schedule(state, now + float(definition.get("Seconds", 0)), "sfn_continue", after)
            return []
        # Pass
        result = definition.get("Result", effective)
        data = get_path(set_path(data, _result_path(definition), result), definition.get("OutputPath", "$"))
        if definition.get("End") or not definition.get("Next"):
            return _finish(state, index, now, output=data)
        state_name = definition["Next"]


def resume(state: State, data: dict, now: float) -> list[dict]:
    """A Wait state's time is up."""
    if data.get("next") is None:
        return _finish(state, data["index"], now, output=data["data"])
    return enter(state, data["index"], data["next"], data["data"], now)


def task_attempt(state: State, data: dict, now: float) -> list[dict]:
    """Invoke the Task's function once (the first try or a retry)."""
    index = data["index"]
    current = state["sfn"][str(index)]
    definition = _definition(state, _record(state, index)["state_machine"])["States"][current["state"]]
    effective = get_path(current["input"], definition.get("InputPath", "$"))
    resource = str(definition.get("Resource", ""))
    if resource.startswith(LAMBDA_INVOKE):
        params = parameters(definition.get("Parameters") or {}, effective)
        reference = str(params.get("FunctionName", ""))
        payload = params.get("Payload", effective)
    else:
        reference = resource.split("function:", 1)[1] if "function:" in resource else resource
        payload = parameters(definition["Parameters"], effective) if "Parameters" in definition else effective
    text = json.dumps(payload, separators=(",", ":"))
    resolved = qualifiers.resolve(state, reference, None)
    refused = resolved.get("error") or invoke.admit(state, resolved["name"], "RequestResponse", text, now)
    if refused:
        return fail_task(state, index, f"Lambda.{refused['error_type']}", json.dumps(refused["payload"]), now)
    request_id = ids.uuid(state, "request")
    planned = attempts.plan_run(
        state,
        function=resolved["name"],
        version=resolved["version"],
        qualifier=resolved["qualifier"],
        payload=text,
        request_id=request_id,
        trigger="stepfunctions",
        attempt=1 + sum(current["retries"].values()),
        ctx={"owner": "sfn", "index": index, "qualifier": resolved["qualifier"], "version": resolved["version"]},
        now=now,
        sync=True,
    )
    if "throttle" in planned:
        metrics_for(state, resolved["name"])["throttles"] += 1
        body = qualifiers.service_error(429, "TooManyRequestsException", "Rate Exceeded.", planned["throttle"])
        return fail_task(state, index, "Lambda.TooManyRequestsException", json.dumps(body["payload"]), now)
    _log(state, index, now, "LambdaFunctionScheduled", current["state"], request_id=request_id)
    return [planned]


def end(state: State, data: dict, now: float) -> list[dict]:
    """The Task's invocation finished."""
    index = data["ctx"]["index"]
    current = state["sfn"][str(index)]
    definition = _definition(state, _record(state, index)["state_machine"])["States"][current["state"]]
    if data["outcome"] != "success":
        error = data.get("error") or {}
        name = "Lambda.Unknown" if data["outcome"] in UNKNOWN_OUTCOMES else str(error.get("errorType", "Exception"))
        return fail_task(state, index, name, json.dumps(error), now)
    text = data.get("response")
    try:
        result = json.loads(text) if text is not None else None
    except ValueError:
        result = text
    if str(definition.get("Resource", "")).startswith(LAMBDA_INVOKE):
        result = {"ExecutedVersion": data["ctx"]["version"], "Payload": result, "StatusCode": 200}
    _log(state, index, now, "LambdaFunctionSucceeded", current["state"])
    effective = get_path(current["input"], definition.get("InputPath", "$"))
    output = get_path(set_path(effective, _result_path(definition), result), definition.get("OutputPath", "$"))
    if definition.get("End") or not definition.get("Next"):
        return _finish(state, index, now, output=output)
    return enter(state, index, definition["Next"], output, now)


def matches(error: str, names) -> bool:
    names = list(names or [])
    return error in names or "States.ALL" in names or ("States.TaskFailed" in names and error != "States.Timeout")


def fail_task(state: State, index: int, error: str, cause: str, now: float) -> list[dict]:
    """Retry, catch or fail the execution."""
    current = state["sfn"][str(index)]
    definition = _definition(state, _record(state, index)["state_machine"])["States"][current["state"]]
    _log(state, index, now, "LambdaFunctionFailed", current["state"], error=error)
    for number, retrier in enumerate(definition.get("Retry") or []):
        if not matches(error, retrier.get("ErrorEquals")):
            continue
        used = current["retries"].get(str(number), 0)
        if used < int(retrier.get("MaxAttempts", 3)):
            delay = float(retrier.get("IntervalSeconds", 1)) * float(retrier.get("BackoffRate", 2.0)) ** used
            if retrier.get("MaxDelaySeconds") is not None:
                delay = min(delay, float(retrier["MaxDelaySeconds"]))
            current["retries"][str(number)] = used + 1
            _log(state, index, now, "Retry", current["state"], error=error, delay_s=delay)
            schedule(state, now + delay, "sfn_task", {"index": index})
            return []
        break  # the first matching retrier is used up
    for catcher in definition.get("Catch") or []:
        if matches(error, catcher.get("ErrorEquals")):
            _log(state, index, now, "Caught", current["state"], error=error, next=catcher["Next"])
            output = set_path(current["input"], _result_path(catcher), {"Error": error, "Cause": cause})
            return enter(state, index, catcher["Next"], output, now)
    return _finish(state, index, now, error=error, cause=cause)
