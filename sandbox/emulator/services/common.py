"""What every service module shares: the failure carrying AWS's error, the caller, ARNs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..executor import InitResult, InvokeResult, ServiceError
from ..model import State

# Performs a planned ``run`` effect through the executor (Init when needed, then Invoke).
RunEffect = Callable[[dict], tuple[InitResult | None, InvokeResult | None]]


class Failure(Exception):
    """An SDK call AWS refuses: the error the caller gets."""

    def __init__(self, code: str, message: str, status: int = 400, sender_fault: bool = True):
        super().__init__(message)
        self.error = ServiceError(code, message, status, sender_fault)


@dataclass(frozen=True)
class Caller:
    """The run that makes SDK calls."""

    function: str
    request_id: str
    start: float  # emulated seconds when the handler started (after Init on a cold start)
    chain: dict[str, int] = field(default_factory=dict)  # invocations per function before this run
    depth: int = 0  # synchronous invokes this run is nested in
    user: str = ""  # an IAM user of the world calling from outside (then ``function`` is empty)

    def next_chain(self) -> dict[str, int]:
        """The chain for work this run causes: one more invocation of its function (none for a user)."""
        if self.user:
            return dict(self.chain)
        chain = dict(self.chain)
        chain[self.function] = chain.get(self.function, 0) + 1
        return chain


@dataclass
class World:
    """The state the calls act on, the lock that guards it while runs overlap, and the executor's hands."""

    state: State
    run: RunEffect | None = None
    destroy: Callable[[str], None] | None = None  # frees an environment the executor holds
    lock: threading.Lock = field(default_factory=threading.Lock)


def account(state: State) -> tuple[str, str]:
    config = state["config"]["account"]
    return config["region"], config["account_id"]


def role_name(state: State, function: str) -> str:
    role = state["config"]["functions"][function].get("role")
    name = role.get("name") if isinstance(role, dict) else None
    return str(name or f"{function}-role")


def assumed_role_arn(state: State, function: str) -> str:
    """The identity a function's SDK calls carry: its execution role, assumed by Lambda for the function."""
    _region, account_id = account(state)
    return f"arn:aws:sts::{account_id}:assumed-role/{role_name(state, function)}/{function}"


def user_arn(state: State, user: str) -> str:
    _region, account_id = account(state)
    return f"arn:aws:iam::{account_id}:user/{user}"


def caller_arn(state: State, caller: Caller) -> str:
    """The identity a call carries: the IAM user's ARN, or the function's assumed role."""
    return user_arn(state, caller.user) if caller.user else assumed_role_arn(state, caller.function)


def role_arn(state: State, function: str) -> str:
    _region, account_id = account(state)
    return f"arn:aws:iam::{account_id}:role/{role_name(state, function)}"


def required(params: dict, name: str) -> Any:
    """A parameter the operation needs; botocore checks this before sending, so only a forged request lacks it."""
    if params.get(name) in (None, ""):
        raise Failure(
            "ValidationException",
            f"1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null",
        )
    return params[name]


def text_of(body: object) -> str:
    """A message body or payload as text (bytes are decoded as UTF-8)."""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body).decode("utf-8", errors="replace")
    return "" if body is None else str(body)
