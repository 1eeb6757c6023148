"""What Lambda's control plane answers about a world's functions, aliases and mappings, in botocore's output shapes."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

from sandbox.emulator.config import function_config, version_config

from .arns import Account

REVISIONS = uuid.UUID("6f1d7c1e-57a5-4a8e-9a55-1a7b2d3c4e5f")


def revision(value) -> str:
    """A RevisionId that changes whenever ``value`` does."""
    return str(uuid.uuid5(REVISIONS, json.dumps(value, sort_keys=True, default=str)))


def code_files(spec: dict) -> dict[str, str]:
    """The deployment package's files, as the runtime sees them (``code`` is the handler's module)."""
    handler = str(spec.get("handler") or "lambda_function.lambda_handler")
    module = handler.rsplit(".", 1)[0] if "." in handler else "lambda_function"
    files = {module.replace(".", "/") + ".py": spec["code"]} if spec.get("code") else {}
    files.update(spec.get("files") or {})
    return files


def code_digest(spec: dict) -> tuple[int, str]:
    """(CodeSize, CodeSha256) of the package: its files' bytes, in name order."""
    digest = hashlib.sha256()
    size = 0
    for name, text in sorted(code_files(spec).items()):
        data = text.encode()
        size += len(data)
        digest.update(name.encode() + b"\0" + data + b"\0")
    return size, base64.b64encode(digest.digest()).decode()


def role_name(name: str, spec: dict) -> str:
    role = spec.get("role")
    given = role.get("name") if isinstance(role, dict) else None
    return str(given or f"{name}-role")


def function_configuration(world: dict, name: str, version: str = "$LATEST", modified: str = "") -> dict:
    """FunctionConfiguration of ``name`` (``$LATEST`` or a published version)."""
    account = Account.of(world)
    spec = world["functions"][name] or {}
    full = version_config(function_config(spec), version)
    size, sha = code_digest(full)
    vpc = full.get("vpc") or {}
    result = {
        "FunctionName": name,
        "FunctionArn": account.function(name, None if version == "$LATEST" else version),
        "Runtime": full["runtime"],
        "Role": account.role(role_name(name, spec)),
        "Handler": full["handler"],
        "CodeSize": size,
        "Description": str(full.get("description") or spec.get("description") or ""),
        "Timeout": int(full["timeout_s"]),
        "MemorySize": int(full["memory_mb"]),
        "LastModified": modified,
        "CodeSha256": sha,
        "Version": version,
        "Environment": {"Variables": dict(full.get("environment") or {})},
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": revision([name, version, full]),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": int(full["ephemeral_storage_mb"])},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
    }
    if vpc:
        result["VpcConfig"] = {
            "SubnetIds": list(vpc.get("subnets") or []),
            "SecurityGroupIds": list(vpc.get("security_groups") or []),
            "VpcId": str(vpc.get("vpc_id") or ""),
        }
    if full.get("layers"):
        prefix = f"arn:aws:lambda:{account.region}:{account.account_id}:layer:"
        result["Layers"] = [{"Arn": prefix + str(ref)} for ref in full["layers"]]
    snap = full.get("snap_start") or {}
    result["SnapStart"] = {
        "ApplyOn": str(snap.get("apply_on") or "None"),
        "OptimizationStatus": "On" if snap.get("apply_on") and version != "$LATEST" else "Off",
    }
    if full.get("file_system"):
        mount = full["file_system"]
        result["FileSystemConfigs"] = [{"Arn": str(mount.get("arn")), "LocalMountPath": str(mount.get("mount_path"))}]
    if full.get("dead_letter"):
        result["DeadLetterConfig"] = {"TargetArn": account.of_ref(full["dead_letter"], world)}
    return result


def alias_configuration(world: dict, name: str, alias: str) -> dict:
    given = world["functions"][name]["aliases"][alias]
    given = {"version": str(given)} if not isinstance(given, dict) else given
    result = {
        "AliasArn": Account.of(world).function(name, alias),
        "Name": alias,
        "FunctionVersion": str(given.get("version")),
        "Description": str(given.get("description") or ""),
        "RevisionId": revision([name, alias, given]),
    }
    weights = given.get("weights") or {}
    if weights:
        result["RoutingConfig"] = {"AdditionalVersionWeights": {str(k): float(v) for k, v in weights.items()}}
    return result


def destination(world: dict, ref) -> dict:
    return {"Destination": Account.of(world).of_ref(ref, world)} if ref else {}


def event_invoke_configuration(world: dict, name: str, qualifier: str | None, settings: dict, modified) -> dict:
    """FunctionEventInvokeConfig; ``modified`` is a datetime."""
    result = {
        "LastModified": modified,
        "FunctionArn": Account.of(world).function(name, qualifier),
        "MaximumRetryAttempts": int(settings.get("maximum_retry_attempts", 2)),
        "MaximumEventAgeInSeconds": int(settings.get("maximum_event_age_s", 21600)),
    }
    config = {}
    if settings.get("on_success"):
        config["OnSuccess"] = destination(world, settings["on_success"])
    if settings.get("on_failure"):
        config["OnFailure"] = destination(world, settings["on_failure"])
    if config:
        result["DestinationConfig"] = config
    return result


def mapping_uuid(mapping: dict) -> str:
    """A mapping's UUID: one function and one source make at most one mapping, as Lambda allows."""
    return str(uuid.uuid5(REVISIONS, f"{mapping.get('function')}|{mapping.get('source')}"))


def mapping_configuration(world: dict, mapping: dict, state: str, modified) -> dict:
    """EventSourceMappingConfiguration; ``state`` is Creating, Enabled, Updating, Disabled or Deleting."""
    account = Account.of(world)
    source = str(mapping["source"])
    function, _, qualifier = str(mapping["function"]).partition(":")
    sqs = source.startswith("queue:")
    result = {
        "UUID": mapping_uuid(mapping),
        "BatchSize": int(mapping.get("batch_size", 10 if sqs else 100)),
        "MaximumBatchingWindowInSeconds": int(mapping.get("maximum_batching_window_s", 0)),
        "EventSourceArn": account.of_ref(source, world),
        "FunctionArn": account.function(function, qualifier or None),
        "LastModified": modified,
        "State": state,
        "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": ["ReportBatchItemFailures"] if mapping.get("report_batch_item_failures") else [],
        "EventSourceMappingArn": f"arn:aws:lambda:{account.region}:{account.account_id}:event-source-mapping:"
        + mapping_uuid(mapping),
    }
    patterns = mapping.get("filter_patterns") or []
    if patterns:
        result["FilterCriteria"] = {
            "Filters": [{"Pattern": p if isinstance(p, str) else json.dumps(p)} for p in patterns]
        }
    if sqs:
        if mapping.get("maximum_concurrency"):
            result["ScalingConfig"] = {"MaximumConcurrency": int(mapping["maximum_concurrency"])}
        return result
    result.update(
        {
            "StartingPosition": str(mapping.get("starting_position") or "TRIM_HORIZON"),
            "ParallelizationFactor": int(mapping.get("parallelization_factor", 1)),
            "MaximumRecordAgeInSeconds": int(mapping.get("maximum_record_age_s", -1)),
            "BisectBatchOnFunctionError": bool(mapping.get("bisect_batch_on_function_error", False)),
            "MaximumRetryAttempts": int(mapping.get("maximum_retry_attempts", -1)),
            "DestinationConfig": {"OnFailure": destination(world, mapping.get("on_failure"))},
        }
    )
    return result
