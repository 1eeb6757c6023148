"""Function states (``State`` in GetFunction): Pending, Active and Inactive.

Only VPC functions leave ``Active`` in the emulator:
right after creation they are ``Pending`` for ``account.vpc_eni_delay_s`` while the
ENIs are built; after ``account.inactive_after_s`` (14 days) without an invocation
Lambda reclaims the ENIs and the function is ``Inactive``. The next Invoke then fails
with 502 ``ResourceNotReadyException`` and the function goes back to ``Pending`` for
another ENI delay, then ``Active``.
"""

from __future__ import annotations

from .concurrency import function_runtime
from .model import State

PENDING_MESSAGE = (
    "The operation cannot be performed at this time. The function is currently in the following state: Pending"
)
INACTIVE_MESSAGE = (
    "The operation cannot be performed at this time. The function is currently in the following state: Inactive"
)


def _times(state: State, name: str) -> tuple[float, float]:
    """(pending until, last activity) for a function."""
    runtime = function_runtime(state, name)
    delay = float(state["config"]["account"].get("vpc_eni_delay_s") or 0)
    pending_until = float(runtime.get("pending_until", delay))
    return pending_until, max(pending_until, float(runtime.get("last_used_s", 0.0)))


def current(state: State, name: str, now: float) -> tuple[str, str | None]:
    """The function's state and its ``StateReasonCode`` at ``now``."""
    if not state["config"]["functions"][name].get("vpc"):
        return "Active", None
    pending_until, last = _times(state, name)
    runtime = function_runtime(state, name)
    if now < pending_until:
        return "Pending", "Restoring" if runtime.get("restored") else "Creating"
    limit = float(state["config"]["account"].get("inactive_after_s") or 0)
    if limit and now - last >= limit:
        return "Inactive", "Idle"
    return "Active", None


def admit(state: State, name: str, now: float) -> tuple[int, str, str] | None:
    """Whether the Invoke API accepts a call now: None, or (status, error type, message).

    Calling an Inactive function starts restoring it (Pending, then Active).
    """
    status, _reason = current(state, name, now)
    if status == "Pending":
        return 409, "ResourceConflictException", PENDING_MESSAGE
    if status == "Inactive":
        runtime = function_runtime(state, name)
        runtime["pending_until"] = now + float(state["config"]["account"].get("vpc_eni_delay_s") or 0)
        runtime["last_used_s"] = now
        runtime["restored"] = True
        return 502, "ResourceNotReadyException", INACTIVE_MESSAGE
    return None


def get_function(state: State, step_index: int, action: dict, now: float) -> None:
    """A ``get_function`` step: record the function's state in the trace."""
    name = str(action["function"])
    status, reason = current(state, name, now)
    state["trace"].setdefault("function_states", []).append(
        {"step": step_index, "function": name, "state": status, "state_reason_code": reason, "at_s": now}
    )
