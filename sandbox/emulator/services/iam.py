"""Whether a function's execution role may make a call, decided as IAM does within one account.

A role is ``{name, policies, actions, statements}``: managed policies by name, actions allowed on
any resource, and statements ``{effect: Allow|Deny, actions, resources}``. A resource may carry a
``policy`` (a list of statements with a ``principal``: ``"*"``, a role name or a role ARN). Within
one account an allow in either the role or the resource policy is enough, and an explicit deny
in either wins. A function without a ``role`` may do everything the scenario needs.

Each service words the refusal its own way; the messages name the assumed role, the action and
the resource as AWS's do.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..model import State
from ..validation.rules import MANAGED_POLICIES
from .common import Caller, Failure, assumed_role_arn, caller_arn, role_arn, role_name, user_arn

# How each service reports a refusal: error code, HTTP status, and how it writes the action.
STYLES: dict[str, tuple[str, int, Callable[[str], str]]] = {
    "sqs": ("AccessDenied", 403, str.lower),
    "sns": ("AuthorizationError", 403, lambda action: "SNS:" + action.split(":", 1)[1]),
    "s3": ("AccessDenied", 403, str),
    "dynamodb": ("AccessDeniedException", 400, str),
    "lambda": ("AccessDeniedException", 403, str),
    "events": ("AccessDeniedException", 400, str),
}


def _matches(pattern: object, value: str) -> bool:
    if not isinstance(pattern, str):
        return False
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE) is not None


def _listed(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _statement_applies(statement: dict, action: str, resource: str) -> bool:
    actions = _listed(statement.get("actions", statement.get("action")))
    resources = _listed(statement.get("resources", statement.get("resource"))) or ["*"]
    return any(_matches(a, action) for a in actions) and any(_matches(r, resource) for r in resources)


def identity_decision(role: dict | None, action: str, resource: str) -> str:
    """``allow``, ``deny`` (explicit) or ``none`` for the role's own policies."""
    if role is None:
        return "allow"
    statements = [s for s in _listed(role.get("statements")) if isinstance(s, dict)]
    if any(str(s.get("effect", "Allow")) == "Deny" and _statement_applies(s, action, resource) for s in statements):
        return "deny"
    granted = list(_listed(role.get("actions")))
    for policy in _listed(role.get("policies")):
        granted.extend(MANAGED_POLICIES.get(policy, ()))
    if any(_matches(pattern, action) for pattern in granted):
        return "allow"
    if any(str(s.get("effect", "Allow")) == "Allow" and _statement_applies(s, action, resource) for s in statements):
        return "allow"
    return "none"


def _principals(state: State, caller: Caller) -> set[str]:
    if caller.user:
        return {"*", caller.user, user_arn(state, caller.user)}
    function = caller.function
    return {"*", role_name(state, function), role_arn(state, function), assumed_role_arn(state, function)}


def resource_decision(state: State, caller: Caller, policy: object, action: str, resource: str) -> str:
    """``allow``, ``deny`` or ``none`` for a resource policy's statements that name the caller."""
    principals = _principals(state, caller)
    decision = "none"
    for statement in _listed(policy):
        if not isinstance(statement, dict):
            continue
        named = _listed(statement.get("principal", "*"))
        if not any(str(p) in principals for p in named):
            continue
        if not _statement_applies({**statement, "resources": statement.get("resources") or ["*"]}, action, resource):
            continue
        if str(statement.get("effect", "Allow")) == "Deny":
            return "deny"
        decision = "allow"
    return decision


def require(
    state: State, caller: Caller, service: str, action: str, resource: str, policy: object = None, shown: str = ""
) -> None:
    """Raise the service's access error unless the caller's role (or the resource's policy) allows ``action``."""
    if caller.user:
        # A user without policies in the world may do nothing; one the world does not declare, everything.
        users = state["config"].get("users") or {}
        role = users.get(caller.user) if caller.user in users else None
    else:
        role = state["config"]["functions"][caller.function].get("role")
    mine = identity_decision(role if isinstance(role, dict) else None, action, resource)
    theirs = resource_decision(state, caller, policy, action, resource)
    if mine == "deny":
        why = "with an explicit deny in an identity-based policy"
    elif theirs == "deny":
        why = "with an explicit deny in a resource-based policy"
    elif "allow" in (mine, theirs):
        return
    else:
        why = None
    code, status, style = STYLES[service]
    written = style(action)
    where = shown or resource
    reason = why or f"because no identity-based policy allows the {written} action"
    raise Failure(
        code,
        f"User: {caller_arn(state, caller)} is not authorized to perform: {written} on resource: {where} {reason}",
        status,
    )
