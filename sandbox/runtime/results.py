"""Plain data to and from the executor contract's dataclasses (``sandbox.emulator.executor``)."""

from __future__ import annotations

import math

from sandbox.emulator.executor import (
    Connection,
    EnvironmentSpec,
    InitResult,
    InvokeRequest,
    InvokeResult,
)
from sandbox.runtime.protocol import network_to_data


def spec_to_data(spec: EnvironmentSpec) -> dict:
    return {
        "function_name": spec.function_name,
        "code": dict(spec.code),
        "handler": spec.handler,
        "memory_mb": int(spec.memory_mb),
        "timeout_s": float(spec.timeout_s),
        "ephemeral_storage_mb": int(spec.ephemeral_storage_mb),
        "environment": dict(spec.environment),
        "version": spec.version,
        "region": spec.region,
        "account_id": spec.account_id,
        "log_stream_name": spec.log_stream_name,
        "init_limit_s": float(spec.init_limit_s),
        "network": network_to_data(spec.network),
        "runtime": spec.runtime,
        "initialization_type": spec.initialization_type,
        "layer_files": dict(spec.layer_files),
        "snap_start": dict(spec.snap_start) if spec.snap_start else None,
    }


def request_to_data(request: InvokeRequest) -> dict:
    return {
        "request_id": request.request_id,
        "payload": request.payload,
        "clock_start_s": float(request.clock_start_s),
        "invoked_function_arn": request.invoked_function_arn,
        "client_context": request.client_context,
        "identity": request.identity,
    }


# Nothing one create or invoke reports may exceed Lambda's longest timeout (with room for Init).
LONGEST_MS = 2 * 900_000.0


def bounded_ms(value) -> float:
    """A duration from the daemon as the emulator may use it: a finite number from 0 to LONGEST_MS."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"the sandbox daemon sent a duration that is not a number: {value!r}")
    return min(max(float(value), 0.0), LONGEST_MS)


def bounded_mb(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"the sandbox daemon sent a memory figure that is not a number: {value!r}")
    return min(max(int(value), 0), 10_240)


def init_result_from(data: dict) -> InitResult:
    return InitResult(
        ok=bool(data["ok"]),
        init_duration_ms=bounded_ms(data["init_duration_ms"]),
        max_memory_used_mb=bounded_mb(data["max_memory_used_mb"]),
        logs=data.get("logs", ""),
        error=data.get("error"),
        status=data.get("status", "success"),
    )


def invoke_result_from(data: dict) -> InvokeResult:
    return InvokeResult(
        outcome=data["outcome"],
        duration_ms=bounded_ms(data["duration_ms"]),
        max_memory_used_mb=bounded_mb(data["max_memory_used_mb"]),
        logs=data.get("logs", ""),
        response=data.get("response"),
        error=data.get("error"),
        connections=tuple(Connection(**item) for item in data.get("connections", ())),
        suppressed_init=bool(data.get("suppressed_init", False)),
    )
