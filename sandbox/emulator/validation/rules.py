"""AWS limits, defaults of the scenario format, and AWS's wording for rejected settings."""

from __future__ import annotations

import json
import re
from typing import Any

# --- AWS limits -------------------------------------------------------------------

MEMORY_MB = (128, 10240)
TIMEOUT_S = (1, 900)
EPHEMERAL_MB = (512, 10240)
ENV_LIMIT_BYTES = 4096
RETRY_ATTEMPTS = (0, 2)
EVENT_AGE_S = (60, 21600)
SQS_BATCH = (1, 10000)
SQS_FIFO_BATCH = 10
STREAM_BATCH = (1, 10000)
BATCH_WINDOW_S = (0, 300)
MAX_CONCURRENCY = (2, 1000)
STREAM_RETRIES = (-1, 10000)
RECORD_AGE_S = (60, 604800)
PARALLELIZATION = (1, 10)
TUMBLING_S = (0, 900)
MAX_FILTERS = 10  # 5 by default; a quota increase allows 10
UNZIPPED_BYTES = 262_144_000  # a function's code plus all its layers, unzipped
MAX_LAYERS = 5  # layer versions one function may list
SNAP_START_APPLY_ON = ("PublishedVersions", "None")
SNAP_START_EPHEMERAL_MB = 512  # SnapStart is not available with more /tmp than this
# Payload limits, the one definition every module uses.
SYNC_PAYLOAD_BYTES = 6_291_456  # a RequestResponse request, and a batch a mapping sends synchronously
ASYNC_PAYLOAD_BYTES = 1_048_576  # an Event request, and any event queued for asynchronous invocation
SYNC_RESPONSE_BYTES = 6_291_556  # what a synchronous invocation may return
SQS_MESSAGE_BYTES = 1_048_576
SNS_MESSAGE_BYTES = 262_144
EVENTBRIDGE_ENTRY_BYTES = 1_048_576
VISIBILITY_S = (0, 43200)
MAX_RECEIVE = (1, 1000)

RESERVED_ENV = frozenset(
    [
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    ]
)
# Python runtime identifiers as of December 2026. Deprecated ones still accepted are those whose
# function-creation block lies ahead (python3.8, 3.9 and 3.10: February 2027); the blocked ones get
# AWS's refusal. Other languages are refused too: the sandbox runs Python handlers only.
PYTHON_RUNTIMES = ("python3.14", "python3.13", "python3.12", "python3.11", "python3.10", "python3.9", "python3.8")
DEPRECATED_RUNTIMES = ("python3.10", "python3.9", "python3.8")
BLOCKED_RUNTIMES = ("python3.7", "python3.6", "python2.7")
ENV_KEY = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]+")
QUALIFIER = re.compile(r"\$LATEST|[a-zA-Z0-9_-]+")

# What each managed policy allows (only the actions the emulator checks).
MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
    "AWSLambdaVPCAccessExecutionRole": (
        "logs:*",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ),
    "AWSLambdaENIManagementAccess": (
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ),
    "AWSLambdaSQSQueueExecutionRole": (
        "logs:*",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    ),
    "AWSLambdaKinesisExecutionRole": (
        "logs:*",
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kinesis:ListStreams",
        "kinesis:SubscribeToShard",
    ),
    "AWSLambdaDynamoDBExecutionRole": (
        "logs:*",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    ),
    "AWSLambdaRole": ("lambda:InvokeFunction",),
    "AWSXRayDaemonWriteAccess": ("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
    "AdministratorAccess": ("*",),
}
ENI_ACTIONS = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface")
POLLING_ACTIONS = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:ListShards"),
    "dynamodb": ("dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"),
}
SEND_ACTIONS = {
    "queue": ("sqs:SendMessage",),
    "topic": ("sns:Publish",),
    "function": ("lambda:InvokeFunction",),
    "bus": ("events:PutEvents",),
    "bucket": ("s3:PutObject", "s3:ListBucket"),
}

# --- defaults of the format -----------------------------------------------------------

ACCOUNT_DEFAULTS = {
    "concurrency_limit": 1000,
    "unreserved_minimum": 100,
    "region": "us-east-1",
    "account_id": "123456789012",
}
FUNCTION_DEFAULTS = {
    "code": "",
    "files": {},
    "handler": "lambda_function.lambda_handler",
    "memory_mb": 128,
    "timeout_s": 3,
    "ephemeral_storage_mb": 512,
    "environment": {},
    "reserved_concurrency": None,
    "provisioned_concurrency": 0,
    "dead_letter": None,
    "async": None,
    "vpc": None,
    "role": None,
    "description": "",
    "recursive_loop": "Terminate",
    "layers": [],
    "snap_start": None,
    "file_system": None,
    "runtime": "python3.12",
}
LAYER_DEFAULTS: dict[str, Any] = {"versions": [], "deleted": []}
LAYER_VERSION_DEFAULTS: dict[str, Any] = {"files": {}, "extra_bytes": 0, "description": ""}
ASYNC_DEFAULTS = {"maximum_retry_attempts": 2, "maximum_event_age_s": 21600, "on_success": None, "on_failure": None}
QUEUE_DEFAULTS = {
    "visibility_timeout_s": 30,
    "fifo": False,
    "redrive": None,
    "message_retention_s": 345600,
    "delay_s": 0,
    "content_based_deduplication": False,
}
TABLE_DEFAULTS: dict[str, Any] = {"partition_key": "id", "sort_key": None, "stream": None, "policy": None}
TOPIC_DEFAULTS = {"subscriptions": [], "fifo": False}
STREAM_DEFAULTS = {"type": "kinesis", "shards": 1, "view_type": None}
STREAM_VIEW_TYPES = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
BUS_DEFAULTS: dict[str, Any] = {"rules": []}
RULE_DEFAULTS: dict[str, Any] = {"name": None, "pattern": None, "targets": [], "enabled": True}
BUCKET_DEFAULTS: dict[str, Any] = {"notifications": []}
NOTIFICATION_DEFAULTS: dict[str, Any] = {"events": [], "target": None, "prefix": "", "suffix": ""}
ESM_COMMON: dict[str, Any] = {
    "function": None,
    "source": None,
    "enabled": True,
    "maximum_batching_window_s": 0,
    "filter_patterns": [],
    "report_batch_item_failures": False,
}
ESM_SQS_DEFAULTS = {**ESM_COMMON, "batch_size": 10, "maximum_concurrency": None}
ESM_STREAM_DEFAULTS = {
    **ESM_COMMON,
    "batch_size": 100,
    "starting_position": None,
    "starting_position_timestamp": None,
    "maximum_retry_attempts": -1,
    "maximum_record_age_s": -1,
    "bisect_batch_on_function_error": False,
    "on_failure": None,
    "parallelization_factor": 1,
    "tumbling_window_s": 0,
}
STEP_DEFAULTS: dict[str, dict[str, Any]] = {
    "aws_call": {"service": None, "operation": None, "params": {}, "user": "developer", "request_id": None},
    "invoke": {
        "function": None,
        "type": "RequestResponse",
        "payload": {},
        "log_type": None,
        "repeat": 1,
        "parallel": False,
        "qualifier": None,
        "client_context": None,
        "raw_payload": None,
        "raw_payload_base64": None,
        "payload_bytes": None,
    },
    "send": {"queue": None, "messages": []},
    "publish": {"topic": None, "message": "", "subject": None, "attributes": {}},
    "put_records": {"stream": None, "records": []},
    "put_events": {"bus": "default", "entries": []},
    "put_object": {"bucket": None, "key": None, "size_bytes": 0, "event_name": "ObjectCreated:Put"},
    "update_function": {"function": None},
    "publish_version": {"function": None},
    "publish_layer_version": {"layer": None, "files": {}, "extra_bytes": 0, "description": ""},
    "delete_layer_version": {"layer": None, "version": None},
    "get_function": {"function": None},
    "http": {"api": None, "method": "GET", "path": "/", "headers": {}, "query": {}, "body": None},
    "start_execution": {"state_machine": None, "input": {}, "name": None},
    "url_request": {
        "url": None,
        "method": "GET",
        "path": "/",
        "query": "",
        "headers": {},
        "body": None,
        "body_base64": False,
        "signed_as": None,
        "access_key_id": None,
        "source_ip": None,
    },
}
MESSAGE_DEFAULTS: dict[str, Any] = {
    "body": "",
    "group_id": None,
    "deduplication_id": None,
    "attributes": {},
    "delay_s": 0,
}
KINESIS_RECORD_DEFAULTS = {"data": "", "partition_key": None}
DYNAMODB_RECORD_DEFAULTS: dict[str, Any] = {"event_name": "INSERT", "keys": {}, "new_image": None, "old_image": None}
ENTRY_DEFAULTS: dict[str, Any] = {"source": None, "detail_type": None, "detail": {}, "resources": []}

TOP_FIELDS = (
    "name",
    "description",
    "seed",
    "account",
    "functions",
    "queues",
    "topics",
    "streams",
    "buses",
    "buckets",
    "tables",
    "event_source_mappings",
    "network",
    "apis",
    "state_machines",
    "layers",
    "function_urls",
    "permissions",
    "users",
    "steps",
    "run_until_s",
)
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
S3_EVENTS = re.compile(
    r"s3:(ObjectCreated|ObjectRemoved|ObjectRestore|Replication|LifecycleExpiration|"
    r"LifecycleTransition|IntelligentTiering|ObjectTagging|ObjectAcl|ReducedRedundancyLostObject)"
    r"(:[A-Za-z*]+)*"
)
KINDS = {
    "queue": "queues",
    "topic": "topics",
    "function": "functions",
    "bus": "buses",
    "stream": "streams",
    "bucket": "buckets",
    "table": "tables",
}


class Names(dict):
    """A mapping of resource names whose lookups never fail on odd keys.

    Scenario files can put a list or a mapping where a name belongs; asking whether
    such a value names a resource simply answers no.
    """

    def __contains__(self, key) -> bool:
        try:
            return super().__contains__(key)
        except TypeError:
            return False

    def get(self, key, default=None):
        try:
            return super().get(key, default)
        except TypeError:
            return default


def role_allows(role: dict | None, action: str) -> bool:
    """Whether a function's role (``{"policies": [...], "actions": [...]}``) allows ``action``."""
    if role is None:
        return True
    granted = list(role.get("actions") or [])
    for policy in role.get("policies") or []:
        granted.extend(MANAGED_POLICIES.get(policy, ()))
    for statement in role.get("statements") or []:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("actions", statement.get("action")) or []
        actions = actions if isinstance(actions, list) else [actions]
        if str(statement.get("effect", "Allow")) == "Deny":
            resources = statement.get("resources", statement.get("resource")) or ["*"]
            everywhere = "*" in (resources if isinstance(resources, list) else [resources])
            if everywhere and any(_action_matches(p, action) for p in actions if isinstance(p, str)):
                return False
        else:
            granted.extend(actions)
    return any(_action_matches(pattern, action) for pattern in granted if isinstance(pattern, str))


def _action_matches(pattern: str, action: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, action, re.IGNORECASE) is not None


def parse_ref(value) -> tuple[str, str] | None:
    """``"queue:jobs"`` -> ``("queue", "jobs")``; None when it isn't ``KIND:NAME``."""
    if not isinstance(value, str) or ":" not in value:
        return None
    kind, _, name = value.partition(":")
    return (kind, name) if kind in KINDS and name else None


def range_message(value, member: str, low, high) -> str:
    """AWS's wording for a number outside its allowed range."""
    bound = f"greater than or equal to {low}" if low is not None and value < low else f"less than or equal to {high}"
    return (
        f"ValidationException: 1 validation error detected: Value '{value}' at '{member}' "
        f"failed to satisfy constraint: Member must have value {bound}"
    )


def unreserved_floor_message(minimum: int) -> str:
    return (
        "InvalidParameterValueException: Specified ReservedConcurrentExecutions for function decreases "
        f"account's UnreservedConcurrentExecution below its minimum value of [{minimum}]."
    )


def visibility_message(visibility_s, timeout_s) -> str:
    return (
        f"InvalidParameterValueException: Queue visibility timeout: {visibility_s} seconds is less than "
        f"Function timeout: {timeout_s} seconds"
    )


def runtime_message(runtime) -> str | None:
    """AWS's answer to a function's ``runtime``, or None when Lambda creates it."""
    if runtime in PYTHON_RUNTIMES:
        return None
    if runtime in BLOCKED_RUNTIMES:
        return (
            f"InvalidParameterValueException: The runtime parameter of {runtime} is no longer supported for "
            "creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating "
            "or updating functions."
        )
    return f"the sandbox runs Python handlers; runtime must be one of {', '.join(PYTHON_RUNTIMES)}, not {runtime!r}"


def eni_message(action: str = "ec2:CreateNetworkInterface") -> str:
    return (
        "InvalidParameterValueException: The provided execution role does not have permissions to call "
        f"{action.split(':', 1)[1]} on EC2"
    )


def int_or(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def type_name(value) -> str:
    if value is None:
        return "nothing (null)"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: f"the text {value!r}"[:60],
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def measure_env(env: dict) -> str:
    """The string AWS measures against the 4 KB environment limit."""
    return json.dumps({str(k): env_text(v) for k, v in env.items()}, separators=(",", ":"))


def env_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value) if value is not None else ""
    return json.dumps(value)


def as_text(value) -> str:
    """A message body, record data or SNS message as the text the service stores."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


# SDK calls the ``aws_call`` step makes from outside the world (the workspace's AWS endpoint), by service.
OUTSIDE_OPERATIONS: dict[str, tuple[str, ...]] = {
    "sqs": (
        "SendMessage",
        "SendMessageBatch",
        "ReceiveMessage",
        "DeleteMessage",
        "DeleteMessageBatch",
        "ChangeMessageVisibility",
        "GetQueueUrl",
        "GetQueueAttributes",
    ),
    "sns": ("Publish", "PublishBatch"),
    "events": ("PutEvents",),
    "s3": ("PutObject", "GetObject", "HeadObject", "DeleteObject", "ListObjectsV2"),
    "dynamodb": ("PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query"),
    "sts": ("GetCallerIdentity",),
}
