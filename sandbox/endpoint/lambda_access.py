"""Who may call a function: its resource-based policy (AddPermission, RemovePermission, GetPolicy) and its function
URL (Create/Get/Update/DeleteFunctionUrlConfig), over the world's ``permissions`` and ``function_urls``.

The operations register with ``lambda_control`` and work as its others do: on a copy of the world, which the
endpoint validates (the emulator's validation, in AWS's words) and saves.
"""

from __future__ import annotations

import json
import uuid

from sandbox.emulator.urls import url_id

from .lambda_control import Outcome, Request, operation
from .refusals import Refused, conflict, not_found

NOT_FOUND = "The resource you requested does not exist."
CORS_KEYS = {
    "AllowCredentials": "allow_credentials",
    "AllowHeaders": "allow_headers",
    "AllowMethods": "allow_methods",
    "AllowOrigins": "allow_origins",
    "ExposeHeaders": "expose_headers",
    "MaxAge": "max_age",
}


def _target(name: str, qualifier: str | None) -> str:
    """How the world names a function or alias: ``NAME`` or ``NAME:ALIAS`` ($LATEST is the function)."""
    return f"{name}:{qualifier}" if qualifier and qualifier != "$LATEST" else name


def _qualified(request: Request) -> tuple[str, str | None, str]:
    """(name, qualifier, target) of an existing function or alias; an unknown alias is Lambda's not-found."""
    name, qualifier = request.function()
    if qualifier and qualifier != "$LATEST":
        request.version_of(name, qualifier)
    return name, qualifier, _target(name, qualifier)


# --- the resource-based policy -------------------------------------------------------------------------------------


def _principal(principal: str, account_id: str) -> object:
    if principal == "*":
        return "*"
    if principal.endswith(".amazonaws.com"):
        return {"Service": principal}
    if principal.isdigit():
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    return {"AWS": f"arn:aws:iam::{account_id}:user/{principal}"}


def _statement(request: Request, row: dict) -> dict:
    name, _, qualifier = str(row["function"]).partition(":")
    statement: dict = {
        "Sid": row.get("sid"),
        "Effect": "Allow",
        "Principal": _principal(str(row["principal"]), request.account.account_id),
        "Action": row["action"],
        "Resource": request.account.function(name, qualifier or None),
    }
    if row.get("function_url_auth_type"):
        statement["Condition"] = {"StringEquals": {"lambda:FunctionUrlAuthType": row["function_url_auth_type"]}}
    return statement


def _policy_rows(request: Request) -> list:
    rows = request.world.get("permissions")
    if not isinstance(rows, list):
        rows = request.world["permissions"] = []
    return rows


@operation
def add_permission(request: Request) -> Outcome:
    _name, _qualifier, target = _qualified(request)
    sid = str(request.params.get("StatementId") or "")
    rows = _policy_rows(request)
    if any(isinstance(r, dict) and r.get("function") == target and r.get("sid") == sid for r in rows):
        raise conflict(f"The statement id ({sid}) provided already exists. Please choose another statement id.")
    for unsupported in ("SourceArn", "SourceAccount", "PrincipalOrgID", "EventSourceToken"):
        if request.params.get(unsupported):
            raise Refused(
                "InvalidParameterValueException",
                f"The sandbox keeps no {unsupported} condition in a function's policy; leave it out.",
                400,
            )
    row: dict = {
        "function": target,
        "sid": sid,
        "principal": str(request.params.get("Principal") or ""),
        "action": str(request.params.get("Action") or ""),
    }
    if request.params.get("FunctionUrlAuthType"):
        row["function_url_auth_type"] = request.params["FunctionUrlAuthType"]
    rows.append(row)
    return Outcome({"Statement": json.dumps(_statement(request, row))}, request.world)


@operation
def remove_permission(request: Request) -> Outcome:
    _name, _qualifier, target = _qualified(request)
    sid = str(request.params.get("StatementId") or "")
    rows = _policy_rows(request)
    kept = [r for r in rows if not (isinstance(r, dict) and r.get("function") == target and r.get("sid") == sid)]
    if len(kept) == len(rows):
        raise not_found(f"Statement {sid} is not found in resource policy.")
    request.world["permissions"] = kept
    return Outcome({}, request.world)


@operation
def get_policy(request: Request) -> Outcome:
    _name, _qualifier, target = _qualified(request)
    rows = [r for r in _policy_rows(request) if isinstance(r, dict) and r.get("function") == target]
    if not rows:
        raise not_found(NOT_FOUND)
    statements = [_statement(request, row) for row in rows]
    policy = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    revision = str(uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(statements, sort_keys=True)))
    return Outcome({"Policy": json.dumps(policy), "RevisionId": revision})


# --- function URLs -------------------------------------------------------------------------------------------------


def _urls(request: Request) -> dict:
    urls = request.world.get("function_urls")
    if not isinstance(urls, dict):
        urls = request.world["function_urls"] = {}
    return urls


def _cors_in(given: object) -> dict:
    return {CORS_KEYS[k]: v for k, v in (given or {}).items() if k in CORS_KEYS} if isinstance(given, dict) else {}


def _url_config(request: Request, target: str, with_modified: bool = True) -> dict:
    spec = _urls(request)[target]
    name, _, qualifier = target.partition(":")
    config: dict = {
        "FunctionUrl": f"https://{url_id(request.account.account_id, target)}.lambda-url.{request.account.region}.on.aws/",
        "FunctionArn": request.account.function(name, qualifier or None),
        "AuthType": spec.get("auth_type"),
        "CreationTime": request.clock.modified,
        "InvokeMode": spec.get("invoke_mode") or "BUFFERED",
    }
    cors = {aws: spec["cors"][ours] for aws, ours in CORS_KEYS.items() if ours in (spec.get("cors") or {})}
    if cors:
        config["Cors"] = cors
    if with_modified:
        config["LastModifiedTime"] = request.clock.modified
    return config


def _url_target(request: Request) -> str:
    _name, _qualifier, target = _qualified(request)
    if target not in _urls(request):
        raise not_found(NOT_FOUND)
    return target


@operation
def create_function_url_config(request: Request) -> Outcome:
    name, qualifier, target = _qualified(request)
    if target in _urls(request):
        raise conflict(
            f"Failed to create function url config for [functionArn = {request.account.function(name, qualifier)}]. "
            "Error message:  FunctionUrlConfig exists for this Lambda function"
        )
    spec: dict = {"auth_type": request.params.get("AuthType")}
    if request.params.get("InvokeMode"):
        spec["invoke_mode"] = request.params["InvokeMode"]
    if request.params.get("Cors"):
        spec["cors"] = _cors_in(request.params["Cors"])
    _urls(request)[target] = spec
    return Outcome(_url_config(request, target, with_modified=False), request.world)


@operation
def get_function_url_config(request: Request) -> Outcome:
    return Outcome(_url_config(request, _url_target(request)))


@operation
def update_function_url_config(request: Request) -> Outcome:
    target = _url_target(request)
    spec = _urls(request)[target]
    if request.params.get("AuthType"):
        spec["auth_type"] = request.params["AuthType"]
    if request.params.get("InvokeMode"):
        spec["invoke_mode"] = request.params["InvokeMode"]
    if "Cors" in request.params:
        spec["cors"] = _cors_in(request.params["Cors"])
        if not spec["cors"]:
            spec.pop("cors")
    return Outcome(_url_config(request, target), request.world)


@operation
def delete_function_url_config(request: Request) -> Outcome:
    target = _url_target(request)
    del _urls(request)[target]
    return Outcome({}, request.world)
