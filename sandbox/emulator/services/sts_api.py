"""STS GetCallerIdentity: the assumed execution role, or the IAM user calling from outside (no permission is
needed to ask)."""

from __future__ import annotations

import hashlib

from .common import Caller, World, account, assumed_role_arn, role_name, user_arn


def get_caller_identity(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    _region, account_id = account(world.state)
    if caller.user:
        user_id = "AIDA" + hashlib.sha256(f"{account_id}:{caller.user}".encode()).hexdigest()[:17].upper()
        return {"UserId": user_id, "Account": account_id, "Arn": user_arn(world.state, caller.user)}, 0.0
    role = role_name(world.state, caller.function)
    role_id = "AROA" + hashlib.sha256(f"{account_id}:{role}".encode()).hexdigest()[:17].upper()
    return {
        "UserId": f"{role_id}:{caller.function}",
        "Account": account_id,
        "Arn": assumed_role_arn(world.state, caller.function),
    }, 0.0


OPERATIONS = {"GetCallerIdentity": get_caller_identity}
