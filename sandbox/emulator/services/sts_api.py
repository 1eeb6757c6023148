"""STS GetCallerIdentity: the assumed execution role (no permission is needed to ask)."""

from __future__ import annotations

import hashlib

from .common import Caller, World, account, assumed_role_arn, role_name


def get_caller_identity(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    _region, account_id = account(world.state)
    role = role_name(world.state, caller.function)
    role_id = "AROA" + hashlib.sha256(f"{account_id}:{role}".encode()).hexdigest()[:17].upper()
    return {
        "UserId": f"{role_id}:{caller.function}",
        "Account": account_id,
        "Arn": assumed_role_arn(world.state, caller.function),
    }, 0.0


OPERATIONS = {"GetCallerIdentity": get_caller_identity}
