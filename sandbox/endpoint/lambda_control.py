"""Lambda's control plane over a workspace's world: each operation reads the world or changes a copy of it.

``answer(world, operation, params, clock)`` returns an ``Outcome``: the result in the operation's output shape
and, for a change, the new world (the caller validates and saves it; the emulator's validation speaks AWS's
words). Lambda's own refusals (a function, alias or mapping that does not exist, a conflict, a stale RevisionId)
raise ``Refused`` with AWS's code, status and message.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sandbox import limits
from sandbox.emulator.config import function_config, snapshot

from . import lambda_shapes as shapes
from .arns import Account, function_name, ref_of
from .refusals import Refused, conflict, invalid, not_found


@dataclass(frozen=True)
class Clock:
    now: datetime  # this request's time
    modified: str  # the world's last change, as Lambda writes LastModified


@dataclass
class Outcome:
    result: dict
    world: dict | None = None  # the changed world, to validate and save


class Request:
    """One operation's view of the world (a copy it may change) and its parameters."""

    def __init__(self, world: dict, params: dict, clock: Clock):
        self.world = copy.deepcopy(world)
        self.world.setdefault("functions", {})
        self.params = params
        self.clock = clock
        self.account = Account.of(world)

    def function(self, key: str = "FunctionName") -> tuple[str, str | None]:
        """(name, qualifier) of an existing function; ``Qualifier`` wins over one in the name."""
        name, qualifier = function_name(str(self.params.get(key) or ""))
        qualifier = self.params.get("Qualifier") or qualifier
        if name not in self.world["functions"]:
            raise not_found(f"Function not found: {self.account.function(name, qualifier)}")
        return name, qualifier

    def spec(self, name: str) -> dict:
        spec = self.world["functions"][name]
        if not isinstance(spec, dict):
            spec = self.world["functions"][name] = {}
        return spec

    def version_of(self, name: str, qualifier: str | None) -> str:
        """The version a qualifier names ($LATEST, a published version, or an alias's version)."""
        spec = self.spec(name)
        if qualifier in (None, "", "$LATEST"):
            return "$LATEST"
        if str(qualifier).isdigit():
            if str(qualifier) not in {str(v) for v in spec.get("versions") or {}}:
                raise not_found(f"Function not found: {self.account.function(name, qualifier)}")
            return str(qualifier)
        alias = (spec.get("aliases") or {}).get(qualifier)
        if alias is None:
            raise not_found(f"Cannot find alias arn: {self.account.function(name, qualifier)}")
        return str(alias.get("version") if isinstance(alias, dict) else alias)

    def check_revision(self, current: str) -> None:
        given = self.params.get("RevisionId")
        if given and given != current:
            raise Refused(
                "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API "
                "to retrieve the latest Revision Id",
                412,
            )

    def refuse_unemulated(self, *names: str) -> None:
        for name in names:
            if self.params.get(name) not in (None, [], {}, ""):
                raise invalid(f"The sandbox does not emulate {name}; leave it out.")

    def ref(self, arn: str, member: str) -> str:
        ref = ref_of(arn)
        if ref is None:
            raise invalid(f"{member} {arn!r} does not name a resource of this workspace.")
        return ref

    def configuration(self, name: str, version: str = "$LATEST") -> dict:
        return shapes.function_configuration(self.world, name, version, self.clock.modified)


Operation = Callable[[Request], Outcome]
OPERATIONS: dict[str, Operation] = {}


def operation(function: Operation) -> Operation:
    OPERATIONS["".join(part.title() for part in function.__name__.split("_"))] = function
    return function


def answer(world: dict, name: str, params: dict, clock: Clock) -> Outcome:
    """The outcome of one control-plane operation; Refused when Lambda would refuse it."""
    handler = OPERATIONS.get(name)
    if handler is None:
        raise Refused(
            "InvalidParameterValueException", f"The sandbox's endpoint does not emulate the {name} operation.", 400
        )
    return handler(Request(world, params, clock))


# --- functions -----------------------------------------------------------------------------------------------------


@operation
def get_function(request: Request) -> Outcome:
    name, qualifier = request.function()
    version = request.version_of(name, qualifier)
    configuration = request.configuration(name, version)
    if qualifier and not str(qualifier).isdigit() and qualifier != "$LATEST":
        configuration["FunctionArn"] = request.account.function(name, qualifier)
    result = {"Configuration": configuration, "Code": {"RepositoryType": "S3"}, "Tags": {}}
    reserved = request.spec(name).get("reserved_concurrency")
    if reserved is not None:
        result["Concurrency"] = {"ReservedConcurrentExecutions": int(reserved)}
    return Outcome(result)


@operation
def get_function_configuration(request: Request) -> Outcome:
    return Outcome(get_function(request).result["Configuration"])


@operation
def list_functions(request: Request) -> Outcome:
    every = request.params.get("FunctionVersion") == "ALL"
    rows = []
    for name in sorted(request.world["functions"]):
        rows.append(request.configuration(name))
        if every:
            versions = sorted((str(v) for v in request.spec(name).get("versions") or {}), key=int)
            rows.extend(request.configuration(name, version) for version in versions)
    return Outcome(_page(request, rows, "Functions", lambda row: f"{row['FunctionName']}:{row['Version']}"))


MAX_ITEMS = 10000  # the largest MaxItems Lambda's list operations take


def _page(request: Request, rows: list, member: str, key: Callable[[dict], str]) -> dict:
    """One page of ``rows`` (Marker / MaxItems as Lambda pages, at most 50 items)."""
    marker = request.params.get("Marker")
    if marker:
        keys = [key(row) for row in rows]
        rows = rows[keys.index(marker) + 1 :] if marker in keys else []
    given = request.params.get("MaxItems")
    if given is not None and not 1 <= int(given) <= MAX_ITEMS:
        bound = "greater than or equal to 1" if int(given) < 1 else f"less than or equal to {MAX_ITEMS}"
        raise Refused(
            "ValidationException",
            f"1 validation error detected: Value '{given}' at 'maxItems' failed to satisfy constraint: "
            f"Member must have value {bound}",
            400,
        )
    size = min(int(given or 50), 50)
    result = {member: rows[:size]}
    if len(rows) > size:
        result["NextMarker"] = key(rows[size - 1])
    return result


@operation
def update_function_configuration(request: Request) -> Outcome:
    name, _ = request.function()
    request.check_revision(request.configuration(name)["RevisionId"])
    request.refuse_unemulated("KMSKeyArn", "ImageConfig")
    spec = request.spec(name)
    params = request.params
    simple = {
        "Handler": "handler",
        "Description": "description",
        "Timeout": "timeout_s",
        "MemorySize": "memory_mb",
        "Runtime": "runtime",
    }
    for member, field in simple.items():
        if member in params:
            spec[field] = params[member]
    if "Role" in params and params["Role"] != request.configuration(name)["Role"]:
        raise invalid(
            f"The role of {name} is set in the workspace's world (functions.{name}.role); the sandbox does not "
            "switch roles by ARN."
        )
    if "Environment" in params:
        spec["environment"] = dict((params["Environment"] or {}).get("Variables") or {})
    if "EphemeralStorage" in params:
        spec["ephemeral_storage_mb"] = params["EphemeralStorage"].get("Size")
    if "DeadLetterConfig" in params:
        target = (params["DeadLetterConfig"] or {}).get("TargetArn")
        spec["dead_letter"] = request.ref(target, "TargetArn") if target else None
    if "VpcConfig" in params:
        vpc = params["VpcConfig"] or {}
        if vpc.get("SubnetIds"):
            spec["vpc"] = {
                "subnets": list(vpc["SubnetIds"]),
                "security_groups": list(vpc.get("SecurityGroupIds") or []),
            }
        else:
            spec.pop("vpc", None)
    if "Layers" in params:
        spec["layers"] = [_layer_ref(arn) for arn in params["Layers"] or []]
    if "SnapStart" in params:
        applied = (params["SnapStart"] or {}).get("ApplyOn")
        spec["snap_start"] = {"apply_on": applied} if applied and applied != "None" else None
    if "FileSystemConfigs" in params:
        mounts = params["FileSystemConfigs"] or []
        if len(mounts) > 1:
            raise invalid("A function can mount one file system here; FileSystemConfigs has more than one.")
        spec["file_system"] = {"arn": mounts[0]["Arn"], "mount_path": mounts[0]["LocalMountPath"]} if mounts else None
    for key in ("layers", "snap_start", "file_system", "dead_letter"):
        if spec.get(key) in (None, []):
            spec.pop(key, None)
    if params.get("TracingConfig") and params["TracingConfig"].get("Mode") not in (None, "PassThrough"):
        raise invalid("The sandbox does not emulate X-Ray tracing; TracingConfig Mode must be PassThrough.")
    result = request.configuration(name)
    result["LastUpdateStatus"] = "InProgress"
    return Outcome(result, request.world)


def _layer_ref(arn: str) -> str:
    """``arn:aws:lambda:<region>:<account>:layer:NAME:VERSION`` as the world names it, ``NAME:VERSION``."""
    parts = str(arn).split(":")
    if len(parts) != 8 or parts[5] != "layer" or not parts[7].isdigit():
        raise invalid(
            f"Layer version arn {arn!r} is not of the form arn:aws:lambda:<region>:<account>:layer:NAME:VERSION"
        )
    return f"{parts[6]}:{parts[7]}"


def files_of_zip(data: bytes) -> dict[str, str]:
    """The text files of a zip deployment package."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
        unzipped = sum(info.file_size for info in members)
        if unzipped > limits.limit("CODE_BYTES"):
            # Checked before anything is unpacked: a small zip can hold gigabytes of repeated bytes.
            raise invalid(
                f"Unzipped size must be at most {limits.limit('CODE_BYTES')} bytes in the sandbox; "
                f"this package holds {unzipped}."
            )
        files = {}
        for info in members:
            try:
                files[info.filename] = archive.read(info).decode()
            except UnicodeDecodeError:
                raise invalid(
                    f"{info.filename} is not UTF-8 text: the sandbox keeps a function's package as text files."
                ) from None
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise invalid("Could not unzip uploaded file. Please check your file, then try to upload again.") from None
    if not files:
        raise invalid("Uploaded file must be a non-empty zip")
    return files


@operation
def update_function_code(request: Request) -> Outcome:
    name, _ = request.function()
    request.check_revision(request.configuration(name)["RevisionId"])
    params = request.params
    if params.get("ZipFile") is None:
        raise invalid(
            "The sandbox takes a function's code as ZipFile (fileb://package.zip); S3 and images aren't emulated."
        )
    spec = request.spec(name)
    spec.pop("code", None)
    spec["files"] = files_of_zip(params["ZipFile"])
    if params.get("DryRun"):
        return Outcome(request.configuration(name))
    if params.get("Publish"):
        number = _publish(request, name, "")
        return Outcome(request.configuration(name, number), request.world)
    result = request.configuration(name)
    result["LastUpdateStatus"] = "InProgress"
    return Outcome(result, request.world)


# --- concurrency ---------------------------------------------------------------------------------------------------


@operation
def put_function_concurrency(request: Request) -> Outcome:
    name, _ = request.function()
    value = request.params.get("ReservedConcurrentExecutions")
    request.spec(name)["reserved_concurrency"] = value
    return Outcome({"ReservedConcurrentExecutions": value}, request.world)


@operation
def get_function_concurrency(request: Request) -> Outcome:
    name, _ = request.function()
    reserved = request.spec(name).get("reserved_concurrency")
    return Outcome({} if reserved is None else {"ReservedConcurrentExecutions": int(reserved)})


@operation
def delete_function_concurrency(request: Request) -> Outcome:
    name, _ = request.function()
    request.spec(name).pop("reserved_concurrency", None)
    return Outcome({}, request.world)


def _provisioned(request: Request) -> tuple[str, str, dict]:
    name, qualifier = request.function()
    if qualifier in (None, "", "$LATEST"):
        raise invalid("Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    request.version_of(name, qualifier)
    return name, qualifier, request.spec(name)


@operation
def put_provisioned_concurrency_config(request: Request) -> Outcome:
    name, qualifier, spec = _provisioned(request)
    current = spec.get("provisioned_qualifier")
    if current and current != qualifier and spec.get("provisioned_concurrency"):
        raise conflict(
            f"The sandbox keeps one provisioned concurrency configuration per function and {name} has one on "
            f"{current}; delete it first (delete-provisioned-concurrency-config --qualifier {current})."
        )
    value = request.params.get("ProvisionedConcurrentExecutions")
    spec["provisioned_concurrency"] = value
    spec["provisioned_qualifier"] = qualifier
    return Outcome(
        {
            "RequestedProvisionedConcurrentExecutions": value,
            "AllocatedProvisionedConcurrentExecutions": 0,
            "AvailableProvisionedConcurrentExecutions": 0,
            "Status": "IN_PROGRESS",
            "LastModified": request.clock.now.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        },
        request.world,
    )


@operation
def get_provisioned_concurrency_config(request: Request) -> Outcome:
    name, qualifier, spec = _provisioned(request)
    value = int(spec.get("provisioned_concurrency") or 0)
    if spec.get("provisioned_qualifier") != qualifier or not value:
        raise Refused(
            "ProvisionedConcurrencyConfigNotFoundException",
            f"No Provisioned Concurrency Config found for this function: {request.account.function(name, qualifier)}",
            404,
        )
    return Outcome(
        {
            "RequestedProvisionedConcurrentExecutions": value,
            "AllocatedProvisionedConcurrentExecutions": value,
            "AvailableProvisionedConcurrentExecutions": value,
            "Status": "READY",
            "LastModified": request.clock.modified,
        }
    )


@operation
def delete_provisioned_concurrency_config(request: Request) -> Outcome:
    get_provisioned_concurrency_config(request)
    name, _ = request.function()
    spec = request.spec(name)
    spec.pop("provisioned_concurrency", None)
    spec.pop("provisioned_qualifier", None)
    return Outcome({}, request.world)


# --- versions and aliases ------------------------------------------------------------------------------------------


def _publish(request: Request, name: str, description: str) -> str:
    """Freeze $LATEST as the next version, or give the last one when nothing changed since (as Lambda does)."""
    spec = request.spec(name)
    versions = spec.setdefault("versions", {})
    frozen = snapshot(function_config(spec))
    numbers = sorted((int(v) for v in versions), reverse=True)
    if numbers:
        last = snapshot(function_config({**spec, **(versions.get(str(numbers[0])) or versions.get(numbers[0]) or {})}))
        if last == frozen:
            return str(numbers[0])
    number = str((numbers[0] if numbers else 0) + 1)
    versions[number] = {**frozen, **({"description": description} if description else {})}
    return number


@operation
def publish_version(request: Request) -> Outcome:
    name, _ = request.function()
    latest = request.configuration(name)
    given = request.params.get("CodeSha256")
    if given and given != latest["CodeSha256"]:
        raise invalid(
            f"CodeSHA256 ({given}) is different from current CodeSHA256 in $LATEST ({latest['CodeSha256']}). "
            "Please try again with the CodeSHA256 in $LATEST."
        )
    request.check_revision(latest["RevisionId"])
    number = _publish(request, name, str(request.params.get("Description") or ""))
    return Outcome(request.configuration(name, number), request.world)


@operation
def list_versions_by_function(request: Request) -> Outcome:
    name, _ = request.function()
    versions = sorted((str(v) for v in request.spec(name).get("versions") or {}), key=int)
    rows = [request.configuration(name)] + [request.configuration(name, v) for v in versions]
    return Outcome(_page(request, rows, "Versions", lambda row: row["Version"]))


def _routing(request: Request) -> dict | None:
    if "RoutingConfig" not in request.params:
        return None
    weights = (request.params["RoutingConfig"] or {}).get("AdditionalVersionWeights") or {}
    return {str(version): float(weight) for version, weight in weights.items()}


def _alias_row(request: Request, name: str) -> tuple[str, dict]:
    alias = str(request.params.get("Name") or "")
    aliases = request.spec(name).setdefault("aliases", {})
    if alias not in aliases:
        raise not_found(f"Cannot find alias arn: {request.account.function(name, alias)}")
    given = aliases[alias]
    row = dict(given) if isinstance(given, dict) else {"version": str(given)}
    aliases[alias] = row
    return alias, row


@operation
def create_alias(request: Request) -> Outcome:
    name, _ = request.function()
    alias = str(request.params.get("Name") or "")
    aliases = request.spec(name).setdefault("aliases", {})
    if alias in aliases:
        raise conflict(f"Alias already exists: {request.account.function(name, alias)}")
    row: dict = {"version": str(request.params.get("FunctionVersion"))}
    if request.params.get("Description"):
        row["description"] = request.params["Description"]
    weights = _routing(request)
    if weights:
        row["weights"] = weights
    aliases[alias] = row
    return Outcome(shapes.alias_configuration(request.world, name, alias), request.world)


@operation
def update_alias(request: Request) -> Outcome:
    name, _ = request.function()
    alias, row = _alias_row(request, name)
    request.check_revision(shapes.alias_configuration(request.world, name, alias)["RevisionId"])
    if request.params.get("FunctionVersion"):
        row["version"] = str(request.params["FunctionVersion"])
    if "Description" in request.params:
        row["description"] = request.params["Description"]
    weights = _routing(request)
    if weights is not None:
        row["weights"] = weights
        if not weights:
            row.pop("weights")
    return Outcome(shapes.alias_configuration(request.world, name, alias), request.world)


@operation
def get_alias(request: Request) -> Outcome:
    name, _ = request.function()
    alias, _row = _alias_row(request, name)
    return Outcome(shapes.alias_configuration(request.world, name, alias))


@operation
def list_aliases(request: Request) -> Outcome:
    name, _ = request.function()
    rows = [shapes.alias_configuration(request.world, name, a) for a in sorted(request.spec(name).get("aliases") or {})]
    version = request.params.get("FunctionVersion")
    if version:
        rows = [row for row in rows if row["FunctionVersion"] == version]
    return Outcome(_page(request, rows, "Aliases", lambda row: row["Name"]))


@operation
def delete_alias(request: Request) -> Outcome:
    name, _ = request.function()
    alias, _row = _alias_row(request, name)
    del request.spec(name)["aliases"][alias]
    return Outcome({}, request.world)


# --- asynchronous invocation settings ------------------------------------------------------------------------------


def _invoke_config_owner(request: Request) -> tuple[str, str | None, dict]:
    """(name, qualifier, the mapping whose ``async`` holds the settings for that qualifier)."""
    name, qualifier = request.function()
    spec = request.spec(name)
    if qualifier in (None, "", "$LATEST"):
        return name, qualifier, spec
    request.version_of(name, qualifier)
    table = spec["versions"] if str(qualifier).isdigit() else spec["aliases"]
    key = next(k for k in table if str(k) == str(qualifier))
    if not isinstance(table[key], dict):
        table[key] = {"version": str(table[key])}
    return name, qualifier, table[key]


@operation
def put_function_event_invoke_config(request: Request) -> Outcome:
    name, qualifier, owner = _invoke_config_owner(request)
    params = request.params
    settings: dict = {}
    if "MaximumRetryAttempts" in params:
        settings["maximum_retry_attempts"] = params["MaximumRetryAttempts"]
    if "MaximumEventAgeInSeconds" in params:
        settings["maximum_event_age_s"] = params["MaximumEventAgeInSeconds"]
    destinations = params.get("DestinationConfig") or {}
    for member, field in (("OnSuccess", "on_success"), ("OnFailure", "on_failure")):
        target = (destinations.get(member) or {}).get("Destination")
        if target:
            settings[field] = request.ref(target, f"DestinationConfig.{member}.Destination")
    owner["async"] = settings
    shown = {**{"maximum_retry_attempts": 2, "maximum_event_age_s": 21600}, **settings}
    return Outcome(
        shapes.event_invoke_configuration(request.world, name, qualifier, shown, request.clock.now), request.world
    )


@operation
def get_function_event_invoke_config(request: Request) -> Outcome:
    name, qualifier, owner = _invoke_config_owner(request)
    if owner.get("async") is None:
        raise not_found(
            f"The function {request.account.function(name, qualifier or '$LATEST')} doesn't have an EventInvokeConfig"
        )
    shown = {**{"maximum_retry_attempts": 2, "maximum_event_age_s": 21600}, **owner["async"]}
    return Outcome(shapes.event_invoke_configuration(request.world, name, qualifier, shown, request.clock.now))


# --- event source mappings -----------------------------------------------------------------------------------------

MAPPING_MEMBERS = {
    "Enabled": "enabled",
    "BatchSize": "batch_size",
    "MaximumBatchingWindowInSeconds": "maximum_batching_window_s",
    "ParallelizationFactor": "parallelization_factor",
    "StartingPosition": "starting_position",
    "MaximumRecordAgeInSeconds": "maximum_record_age_s",
    "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
    "MaximumRetryAttempts": "maximum_retry_attempts",
    "TumblingWindowInSeconds": "tumbling_window_s",
}
UNEMULATED_MAPPING_MEMBERS = (
    "KMSKeyArn",
    "MetricsConfig",
    "LoggingConfig",
    "Topics",
    "Queues",
    "SourceAccessConfigurations",
    "SelfManagedEventSource",
    "AmazonManagedKafkaEventSourceConfig",
    "SelfManagedKafkaEventSourceConfig",
    "DocumentDBEventSourceConfig",
    "ProvisionedPollerConfig",
)


def _mappings(request: Request) -> list:
    mappings = request.world.get("event_source_mappings")
    if not isinstance(mappings, list):
        mappings = request.world["event_source_mappings"] = []
    return mappings


def _mapping_settings(request: Request, mapping: dict) -> None:
    params = request.params
    request.refuse_unemulated(*UNEMULATED_MAPPING_MEMBERS)
    for member, field in MAPPING_MEMBERS.items():
        if member in params:
            mapping[field] = params[member]
    if "StartingPositionTimestamp" in params:
        mapping["starting_position_timestamp"] = params["StartingPositionTimestamp"].timestamp()
    if "FilterCriteria" in params:
        filters = (params["FilterCriteria"] or {}).get("Filters") or []
        mapping["filter_patterns"] = [_pattern(item.get("Pattern") or "") for item in filters]
    if "FunctionResponseTypes" in params:
        mapping["report_batch_item_failures"] = "ReportBatchItemFailures" in (params["FunctionResponseTypes"] or [])
    if "ScalingConfig" in params:
        mapping["maximum_concurrency"] = (params["ScalingConfig"] or {}).get("MaximumConcurrency")
    if "DestinationConfig" in params:
        target = ((params["DestinationConfig"] or {}).get("OnFailure") or {}).get("Destination")
        mapping["on_failure"] = request.ref(target, "DestinationConfig.OnFailure.Destination") if target else None
    for key in [key for key, value in mapping.items() if value is None]:
        del mapping[key]


def _pattern(text: str):
    try:
        return json.loads(text)
    except ValueError:
        raise invalid(f"Invalid filter pattern definition: {text!r} is not JSON.") from None


def _find_mapping(request: Request) -> tuple[int, dict]:
    wanted = str(request.params.get("UUID") or "")
    for index, mapping in enumerate(_mappings(request)):
        if isinstance(mapping, dict) and shapes.mapping_uuid(mapping) == wanted:
            return index, mapping
    raise not_found("The resource you requested does not exist.")


def _mapping_result(request: Request, mapping: dict, state: str | None = None) -> dict:
    shown = state or ("Enabled" if mapping.get("enabled", True) else "Disabled")
    return shapes.mapping_configuration(request.world, mapping, shown, request.clock.now)


@operation
def create_event_source_mapping(request: Request) -> Outcome:
    name, qualifier = request.function()
    arn = str(request.params.get("EventSourceArn") or "")
    source = request.ref(arn, "EventSourceArn")
    if not source.startswith(("queue:", "stream:")):
        raise invalid(f"Unrecognized event source, must be kinesis, dynamodb stream or sqs: {arn}")
    function = f"{name}:{qualifier}" if qualifier else name
    mapping = {"function": function, "source": source}
    for existing in _mappings(request):
        if isinstance(existing, dict) and shapes.mapping_uuid(existing) == shapes.mapping_uuid(mapping):
            raise conflict(
                f'An event source mapping with {"SQS" if source.startswith("queue:") else "event source"} arn (" '
                f'{arn} ") and function (" {name} ") already exists. Please update or delete the existing mapping '
                f"with UUID {shapes.mapping_uuid(mapping)}"
            )
    _mapping_settings(request, mapping)
    _mappings(request).append(mapping)
    return Outcome(_mapping_result(request, mapping, "Creating"), request.world)


@operation
def update_event_source_mapping(request: Request) -> Outcome:
    _index, mapping = _find_mapping(request)
    if request.params.get("FunctionName"):
        name, qualifier = request.function()
        mapping["function"] = f"{name}:{qualifier}" if qualifier else name
    _mapping_settings(request, mapping)
    state = "Updating"
    if "Enabled" in request.params:
        state = "Enabling" if request.params["Enabled"] else "Disabling"
    return Outcome(_mapping_result(request, mapping, state), request.world)


@operation
def delete_event_source_mapping(request: Request) -> Outcome:
    index, mapping = _find_mapping(request)
    result = _mapping_result(request, mapping, "Deleting")
    del _mappings(request)[index]
    return Outcome(result, request.world)


@operation
def get_event_source_mapping(request: Request) -> Outcome:
    _index, mapping = _find_mapping(request)
    return Outcome(_mapping_result(request, mapping))


@operation
def list_event_source_mappings(request: Request) -> Outcome:
    rows = [_mapping_result(request, m) for m in _mappings(request) if isinstance(m, dict)]
    if request.params.get("FunctionName"):
        name, _ = request.function()
        rows = [row for row in rows if row["FunctionArn"].split(":")[6] == name]
    if request.params.get("EventSourceArn"):
        rows = [row for row in rows if row["EventSourceArn"] == request.params["EventSourceArn"]]
    return Outcome(_page(request, rows, "EventSourceMappings", lambda row: row["UUID"]))
