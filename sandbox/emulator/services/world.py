"""Binding the services to one run, and answering one call."""

from __future__ import annotations

from collections.abc import Callable

from ..executor import ServiceCall, ServiceReply, Services
from ..model import State
from . import dynamodb_api, events_api, lambda_api, s3_api, sns_api, sqs_api, sts_api
from .common import Caller, Failure, World

# Operations each service answers: ``operation(world, caller, call, at) -> (result, elapsed_ms)``.
SERVICES: dict[str, dict[str, Callable]] = {
    "lambda": lambda_api.OPERATIONS,
    "sqs": sqs_api.OPERATIONS,
    "sns": sns_api.OPERATIONS,
    "events": events_api.OPERATIONS,
    "s3": s3_api.OPERATIONS,
    "dynamodb": dynamodb_api.OPERATIONS,
    "sts": sts_api.OPERATIONS,
}
# Operations that take the lock themselves (a synchronous invoke lets go of it while the callee runs).
SELF_LOCKING = {("lambda", "Invoke")}


def caller_of(state: State, effect: dict, init_ms: float = 0.0) -> Caller:
    """The caller a planned ``run`` effect stands for, with the request chain it continues; its handler starts
    ``init_ms`` after the run when Init ran first."""
    meta = effect["meta"]
    chain = meta.get("chain")
    ctx = meta.get("ctx") or {}
    if chain is None and ctx.get("owner") == "async":
        chain = (state["async_events"].get(str(ctx.get("event"))) or {}).get("chain")
    if chain is None and ctx.get("owner") == "sqs":
        chain = _batch_chain(state, meta)
    return Caller(
        function=meta["function"],
        request_id=meta["request_id"],
        start=float(meta["start"]) + float(init_ms) / 1000.0,
        chain=dict(chain or {}),
        depth=int(meta.get("depth") or 0),
    )


def _batch_chain(state: State, meta: dict) -> dict:
    """An SQS batch continues the longest chain among its messages."""
    wanted = set(meta.get("batch") or [])
    longest: dict = {}
    for messages in state["queues"].values():
        for message in messages:
            chain = message.get("chain") if message["message_id"] in wanted else None
            if chain and sum(chain.values()) > sum(longest.values()):
                longest = chain
    return longest


def bind(world: World, effect: dict, init_ms: float = 0.0) -> Services:
    """The ``services`` callback for one run (whose Init, if any, took ``init_ms``)."""
    caller = caller_of(world.state, effect, init_ms)

    def services(call: ServiceCall) -> ServiceReply:
        return answer(world, caller, call)

    return services


def answer(world: World, caller: Caller, call: ServiceCall) -> ServiceReply:
    """Decide one SDK call, apply its effect and record it."""
    at = caller.start + max(0.0, float(call.at_ms)) / 1000.0
    operation = SERVICES.get(call.service, {}).get(call.operation)
    if operation is None:
        failure = Failure(
            "UnknownOperationException",
            f"The emulated {call.service} service does not support {call.operation}",
            400,
        )
        with world.lock:
            return _record(world.state, caller, call, at, failure=failure)
    if (call.service, call.operation) in SELF_LOCKING:
        try:
            result, elapsed = operation(world, caller, call, at)
        except Failure as failure:
            with world.lock:
                return _record(world.state, caller, call, at, failure=failure)
        with world.lock:
            return _record(world.state, caller, call, at, result=result, elapsed=elapsed)
    with world.lock:
        try:
            result, elapsed = operation(world, caller, call, at)
        except Failure as failure:
            return _record(world.state, caller, call, at, failure=failure)
        return _record(world.state, caller, call, at, result=result, elapsed=elapsed)


def _record(
    state: State,
    caller: Caller,
    call: ServiceCall,
    at: float,
    *,
    result: dict | None = None,
    elapsed: float = 0.0,
    failure: Failure | None = None,
) -> ServiceReply:
    error = failure.error if failure is not None else None
    state["trace"].setdefault("sdk_calls", []).append(
        {
            "function": caller.function,
            "request_id": caller.request_id,
            "service": call.service,
            "operation": call.operation,
            "host": call.host,
            "at_s": at,
            "duration_ms": round(float(elapsed), 3),
            "outcome": "error" if error else "ok",
            "error_code": error.code if error else None,
            "error_message": error.message if error else None,
            "status": error.status if error else 200,
        }
    )
    if error is not None:
        return ServiceReply(error=error)
    return ServiceReply(result=result or {}, elapsed_ms=float(elapsed))
