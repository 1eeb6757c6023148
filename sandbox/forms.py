"""Forms of the sandbox pages. Each turns what a student typed into a world change or a run's steps.

Django's fields check the shape (a number is a number, JSON parses); the AWS rules (memory 128..10240,
reserved environment variables, retry attempts 0..2...) are checked once, by the emulator's validation, and
its messages are put next to the field they name (``add_problems``).
"""

from __future__ import annotations

import copy
import json
import re

import yaml
from django import forms

from sandbox.emulator import loader

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
QUALIFIER = re.compile(r"\$LATEST|[A-Za-z0-9_-]{1,128}")
SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
ASYNC_PAYLOAD_BYTES = 1024 * 1024
MAX_BURST = 100
NEW_HANDLER = """import json


def lambda_handler(event, context):
    print("event:", json.dumps(event))
    return {"statusCode": 200, "body": "hello from " + context.function_name}
"""


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", text or "") if part.strip()]


def parse_environment(text: str) -> dict[str, str]:
    env = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise forms.ValidationError(f"Line {number}: write each variable as NAME=value.")
        key, value = line.split("=", 1)
        env[key.strip()] = value.strip()
    return env


def format_environment(env: dict) -> str:
    return "\n".join(f"{key}={value}" for key, value in (env or {}).items())


def json_size(value) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


class ProblemsMixin:
    """Puts the emulator's problems (``Problem(field, line, message)``) next to the matching form field."""

    prefix_path = ""
    field_map: dict[str, str] = {}

    def add_problems(self, problems) -> None:
        for problem in problems:
            self.add_error(self.field_for(problem.field), problem.message)

    def field_for(self, path: str) -> str | None:
        if self.prefix_path and not path.startswith(self.prefix_path):
            return None
        rest = path[len(self.prefix_path) :] if self.prefix_path else path
        for key in sorted(self.field_map, key=len, reverse=True):
            if rest == key or rest.startswith(key + "."):
                name = self.field_map[key]
                return name if name in self.fields else None
        return None


class FunctionForm(ProblemsMixin, forms.Form):
    code = forms.CharField(
        label="Handler code (lambda_function.py)",
        widget=forms.Textarea(
            attrs={
                "rows": 18,
                "class": "code-input",
                "data-editor": "python",
                "spellcheck": "false",
                "aria-describedby": "editor-help",
            }
        ),
        strip=False,
    )
    handler = forms.CharField(label="Handler", initial="lambda_function.lambda_handler", max_length=128)
    memory_mb = forms.IntegerField(label="Memory (MB)", initial=128)
    timeout_s = forms.IntegerField(label="Timeout (seconds)", initial=3)
    ephemeral_storage_mb = forms.IntegerField(label="Ephemeral storage /tmp (MB)", initial=512)
    environment = forms.CharField(
        label="Environment variables",
        required=False,
        help_text="One per line: NAME=value",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    reserved_concurrency = forms.IntegerField(
        label="Reserved concurrency", required=False, help_text="Empty: none. 0 throttles every invocation."
    )
    provisioned_concurrency = forms.IntegerField(label="Provisioned concurrency", initial=0)
    layers = forms.CharField(
        label="Layers",
        required=False,
        help_text="Layer versions in order, comma-separated, for example shared:1 (at most 5; a later one wins). "
        "Define layers on the YAML page.",
    )
    snap_start = forms.BooleanField(
        label="SnapStart on published versions",
        required=False,
        help_text="Init runs once when a version is published; new environments of that version restore from it.",
    )
    maximum_retry_attempts = forms.IntegerField(label="Async retry attempts", initial=2)
    maximum_event_age_s = forms.IntegerField(label="Async maximum event age (seconds)", initial=21600)
    dead_letter = forms.CharField(
        label="Dead-letter queue or topic", required=False, help_text="For example queue:orders-dlq"
    )
    on_success = forms.CharField(
        label="On-success destination", required=False, help_text="queue:, topic:, function: or bus: followed by a name"
    )
    on_failure = forms.CharField(label="On-failure destination", required=False)
    vpc_subnets = forms.CharField(label="VPC subnets", required=False, help_text="Subnet names, comma-separated")
    vpc_security_groups = forms.CharField(label="VPC security groups", required=False)
    policies = forms.CharField(
        label="Execution role policies",
        required=False,
        help_text="Managed policy names, comma-separated. Empty: the role Lambda's console would create for "
        "this configuration. A VPC function needs AWSLambdaVPCAccessExecutionRole.",
    )
    role_actions = forms.CharField(
        label="Extra role actions",
        required=False,
        help_text="IAM actions, comma-separated, for example sqs:SendMessage for a dead-letter queue",
    )

    field_map = {
        "code": "code",
        "files": "code",
        "handler": "handler",
        "memory_mb": "memory_mb",
        "timeout_s": "timeout_s",
        "ephemeral_storage_mb": "ephemeral_storage_mb",
        "environment": "environment",
        "reserved_concurrency": "reserved_concurrency",
        "provisioned_concurrency": "provisioned_concurrency",
        "layers": "layers",
        "snap_start": "snap_start",
        "async.maximum_retry_attempts": "maximum_retry_attempts",
        "async.maximum_event_age_s": "maximum_event_age_s",
        "async.on_success": "on_success",
        "async.on_failure": "on_failure",
        "dead_letter": "dead_letter",
        "vpc.subnets": "vpc_subnets",
        "vpc.security_groups": "vpc_security_groups",
        "vpc": "vpc_subnets",
        "role.actions": "role_actions",
        "role": "policies",
    }

    def __init__(self, *args, function_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix_path = f"functions.{function_name}."

    @classmethod
    def initial_from(cls, spec: dict) -> dict:
        async_config = spec.get("async") or {}
        vpc = spec.get("vpc") or {}
        role = spec.get("role") or {}
        return {
            "code": spec.get("code", ""),
            "handler": spec.get("handler", "lambda_function.lambda_handler"),
            "memory_mb": spec.get("memory_mb", 128),
            "timeout_s": spec.get("timeout_s", 3),
            "ephemeral_storage_mb": spec.get("ephemeral_storage_mb", 512),
            "environment": format_environment(spec.get("environment") or {}),
            "reserved_concurrency": spec.get("reserved_concurrency"),
            "provisioned_concurrency": spec.get("provisioned_concurrency", 0),
            "layers": ", ".join(str(ref) for ref in spec.get("layers") or []),
            "snap_start": (spec.get("snap_start") or {}).get("apply_on") == "PublishedVersions",
            "maximum_retry_attempts": async_config.get("maximum_retry_attempts", 2),
            "maximum_event_age_s": async_config.get("maximum_event_age_s", 21600),
            "dead_letter": spec.get("dead_letter") or "",
            "on_success": async_config.get("on_success") or "",
            "on_failure": async_config.get("on_failure") or "",
            "vpc_subnets": ", ".join(vpc.get("subnets") or []),
            "vpc_security_groups": ", ".join(vpc.get("security_groups") or []),
            "policies": ", ".join(role.get("policies") or []),
            "role_actions": ", ".join(role.get("actions") or []),
        }

    def clean_environment(self) -> dict:
        return parse_environment(self.cleaned_data.get("environment", ""))

    def apply(self, spec: dict) -> dict:
        """The function's spec with this form's values written in (a new dict)."""
        data = self.cleaned_data
        spec = copy.deepcopy(spec)
        for name in (
            "code",
            "handler",
            "memory_mb",
            "timeout_s",
            "ephemeral_storage_mb",
            "environment",
            "reserved_concurrency",
            "provisioned_concurrency",
        ):
            spec[name] = data[name]
        spec["code"] = spec["code"].replace("\r\n", "\n")
        if split_list(data["layers"]):
            spec["layers"] = split_list(data["layers"])
        else:
            spec.pop("layers", None)
        if data["snap_start"]:
            spec["snap_start"] = {"apply_on": "PublishedVersions"}
        else:
            spec.pop("snap_start", None)
        for name in ("dead_letter",):
            if data[name]:
                spec[name] = data[name].strip()
            else:
                spec.pop(name, None)
        async_config = dict(spec.get("async") or {})
        async_config["maximum_retry_attempts"] = data["maximum_retry_attempts"]
        async_config["maximum_event_age_s"] = data["maximum_event_age_s"]
        for name in ("on_success", "on_failure"):
            if data[name]:
                async_config[name] = data[name].strip()
            else:
                async_config.pop(name, None)
        spec["async"] = async_config
        subnets, groups = split_list(data["vpc_subnets"]), split_list(data["vpc_security_groups"])
        if subnets or groups:
            spec["vpc"] = {"subnets": subnets, "security_groups": groups}
        else:
            spec.pop("vpc", None)
        policies, actions = split_list(data["policies"]), split_list(data["role_actions"])
        if policies or actions:
            spec["role"] = {**(spec.get("role") or {}), "policies": policies, "actions": actions}
        else:
            spec.pop("role", None)  # the emulator gives the role this configuration needs
        return spec


class NewFunctionForm(forms.Form):
    name = forms.CharField(
        label="Function name", max_length=64, help_text="Letters, numbers, hyphens and underscores, up to 64 characters"
    )

    def __init__(self, *args, existing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = set(existing)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not NAME_RE.match(name):
            raise forms.ValidationError("Use 1 to 64 letters, numbers, hyphens (-) or underscores (_).")
        if name in self.existing:
            raise forms.ValidationError(f"This workspace already has a function named {name}.")
        return name


class InvokeForm(forms.Form):
    TYPES = [("RequestResponse", "Synchronous (RequestResponse)"), ("Event", "Asynchronous (Event)")]
    function = forms.ChoiceField(label="Function")
    invocation_type = forms.ChoiceField(label="Invocation type", choices=TYPES, initial="RequestResponse")
    payload = forms.CharField(
        label="Event (JSON)",
        initial="{}",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "code-input", "spellcheck": "false"}),
    )
    repeat = forms.IntegerField(
        label="How many, in parallel",
        initial=1,
        min_value=1,
        max_value=MAX_BURST,
        help_text=f"1 for a single call; up to {MAX_BURST} for a burst fired at the same moment",
    )

    qualifier = forms.CharField(
        label="Version or alias",
        required=False,
        max_length=128,
        help_text="Empty: $LATEST. A published version (1, 2 ...) or an alias; SnapStart applies to versions only.",
    )

    def __init__(self, *args, functions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].choices = [(name, name) for name in functions]

    def clean_qualifier(self):
        qualifier = self.cleaned_data.get("qualifier", "").strip()
        if qualifier and not QUALIFIER.fullmatch(qualifier):
            raise forms.ValidationError(f"{qualifier!r} is not a version number, an alias name or $LATEST.")
        return qualifier

    def clean_payload(self):
        try:
            return json.loads(self.cleaned_data["payload"] or "null")
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"The event is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
            ) from error

    def clean(self):
        data = super().clean()
        if "payload" in data and data.get("invocation_type"):
            size = json_size(data["payload"])
            limit = ASYNC_PAYLOAD_BYTES if data["invocation_type"] == "Event" else SYNC_PAYLOAD_BYTES
            if size > limit:
                self.add_error(
                    "payload",
                    (
                        f"RequestEntityTooLargeException: the event is {size} bytes; Lambda accepts up to {limit} bytes "
                        f"for {'an asynchronous' if limit == ASYNC_PAYLOAD_BYTES else 'a synchronous'} invocation."
                    ),
                )
        return data

    def step(self) -> dict:
        data = self.cleaned_data
        invoke = {"function": data["function"], "type": data["invocation_type"], "payload": data["payload"]}
        if data["invocation_type"] == "RequestResponse":
            invoke["log_type"] = "Tail"
        if data["repeat"] > 1:
            invoke.update(repeat=data["repeat"], parallel=True)
        if data.get("qualifier"):
            invoke["qualifier"] = data["qualifier"]
        return {"at_s": 0, "invoke": invoke}


class NamedChoiceForm(forms.Form):
    """A form whose first field picks one of the workspace's resources of a kind."""

    target_field = ""

    def __init__(self, *args, names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.target_field].choices = [(name, name) for name in names]


class SendForm(NamedChoiceForm):
    target_field = "queue"
    queue = forms.ChoiceField(label="Queue")
    body = forms.CharField(label="Message body", widget=forms.Textarea(attrs={"rows": 3}), strip=False)
    count = forms.IntegerField(label="Copies", initial=1, min_value=1, max_value=50)
    group_id = forms.CharField(label="Message group id (FIFO queues)", required=False, max_length=128)

    def step(self) -> dict:
        data = self.cleaned_data
        message = {"body": data["body"]}
        if data["group_id"]:
            message["group_id"] = data["group_id"]
        messages = [dict(message) for _ in range(data["count"])]
        return {"at_s": 0, "send": {"queue": data["queue"], "messages": messages}}


class PurgeForm(NamedChoiceForm):
    target_field = "queue"
    queue = forms.ChoiceField(label="Queue")

    def step(self) -> dict:
        return {"purge": {"queue": self.cleaned_data["queue"]}}


class PublishForm(NamedChoiceForm):
    target_field = "topic"
    topic = forms.ChoiceField(label="Topic")
    message = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 3}), strip=False)

    def step(self) -> dict:
        return {"at_s": 0, "publish": {"topic": self.cleaned_data["topic"], "message": self.cleaned_data["message"]}}


class PutRecordsForm(NamedChoiceForm):
    target_field = "stream"
    stream = forms.ChoiceField(label="Stream")
    data = forms.CharField(label="Record data")
    partition_key = forms.CharField(label="Partition key", initial="key-1", max_length=256)
    count = forms.IntegerField(label="Records", initial=1, min_value=1, max_value=100)

    def step(self) -> dict:
        data = self.cleaned_data
        records = [{"data": data["data"], "partition_key": data["partition_key"]} for _ in range(data["count"])]
        return {"at_s": 0, "put_records": {"stream": data["stream"], "records": records}}


class PutEventsForm(NamedChoiceForm):
    target_field = "bus"
    bus = forms.ChoiceField(label="Event bus")
    source = forms.CharField(label="Source", initial="shop")
    detail_type = forms.CharField(label="Detail type", initial="Order placed")
    detail = forms.CharField(label="Detail (JSON)", initial="{}", widget=forms.Textarea(attrs={"rows": 3}))

    def clean_detail(self):
        try:
            return json.loads(self.cleaned_data["detail"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"The detail is not valid JSON: {error.msg}.") from error

    def step(self) -> dict:
        data = self.cleaned_data
        entry = {"source": data["source"], "detail_type": data["detail_type"], "detail": data["detail"]}
        return {"at_s": 0, "put_events": {"bus": data["bus"], "entries": [entry]}}


class PutObjectForm(NamedChoiceForm):
    target_field = "bucket"
    bucket = forms.ChoiceField(label="Bucket")
    key = forms.CharField(label="Object key", initial="uploads/report.csv", max_length=1024)

    def step(self) -> dict:
        return {"at_s": 0, "put_object": {"bucket": self.cleaned_data["bucket"], "key": self.cleaned_data["key"]}}


class QueueForm(ProblemsMixin, forms.Form):
    name = forms.CharField(label="Queue name", max_length=80)
    visibility_timeout_s = forms.IntegerField(label="Visibility timeout (seconds)", initial=30)
    fifo = forms.BooleanField(label="FIFO queue", required=False)
    dead_letter_queue = forms.CharField(
        label="Redrive to dead-letter queue", required=False, help_text="Name of another queue; empty for none"
    )
    max_receive_count = forms.IntegerField(label="Maximum receives before redrive", initial=3)
    field_map = {
        "visibility_timeout_s": "visibility_timeout_s",
        "fifo": "fifo",
        "redrive.dead_letter_queue": "dead_letter_queue",
        "redrive.max_receive_count": "max_receive_count",
        "redrive": "dead_letter_queue",
        "": "name",
    }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not re.match(r"^[A-Za-z0-9_-]{1,75}(\.fifo)?$", name):
            raise forms.ValidationError("Use up to 80 letters, numbers, hyphens and underscores (FIFO: end in .fifo).")
        return name

    def apply(self, world: dict) -> dict:
        data = self.cleaned_data
        self.prefix_path = f"queues.{data['name']}."
        world = copy.deepcopy(world)
        spec = {"visibility_timeout_s": data["visibility_timeout_s"], "fifo": data["fifo"]}
        if data["dead_letter_queue"]:
            spec["redrive"] = {
                "dead_letter_queue": data["dead_letter_queue"].strip(),
                "max_receive_count": data["max_receive_count"],
            }
        world.setdefault("queues", {})[data["name"]] = spec
        return world


class TopicForm(forms.Form):
    name = forms.CharField(label="Topic name", max_length=256)
    subscriptions = forms.CharField(
        label="Subscriptions", required=False, help_text="Comma-separated: function:NAME, queue:NAME"
    )

    def apply(self, world: dict) -> dict:
        world = copy.deepcopy(world)
        world.setdefault("topics", {})[self.cleaned_data["name"].strip()] = {
            "subscriptions": split_list(self.cleaned_data["subscriptions"])
        }
        return world


class MappingForm(forms.Form):
    function = forms.ChoiceField(label="Function")
    source = forms.ChoiceField(label="Source (queue, stream or table stream)")
    batch_size = forms.IntegerField(label="Batch size", initial=10)
    report_batch_item_failures = forms.BooleanField(
        label="Report batch item failures (partial batch response)", required=False
    )

    def __init__(self, *args, functions=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].choices = [(name, name) for name in functions]
        self.fields["source"].choices = [(name, name) for name in sources]

    def apply(self, world: dict) -> dict:
        data = self.cleaned_data
        world = copy.deepcopy(world)
        mapping = {
            "function": data["function"],
            "source": data["source"],
            "batch_size": data["batch_size"],
            "enabled": True,
            "report_batch_item_failures": data["report_batch_item_failures"],
        }
        if data["source"].startswith(("stream:", "table:")):
            mapping["starting_position"] = "TRIM_HORIZON"
        world.setdefault("event_source_mappings", []).append(mapping)
        return world


class MappingToggleForm(forms.Form):
    index = forms.IntegerField(min_value=0)
    enabled = forms.BooleanField(required=False)

    def apply(self, world: dict) -> dict:
        world = copy.deepcopy(world)
        mappings = world.get("event_source_mappings") or []
        index = self.cleaned_data["index"]
        if index < len(mappings):
            mappings[index]["enabled"] = self.cleaned_data["enabled"]
        return world


def free_name(prefix: str, taken) -> str:
    """``prefix-a``, ``prefix-b``... : the first one not in ``taken`` (empty when all 26 are taken)."""
    return next(
        (f"{prefix}-{letter}" for letter in "abcdefghijklmnopqrstuvwxyz" if f"{prefix}-{letter}" not in taken), ""
    )


class NatGatewayForm(forms.Form):
    name = forms.CharField(label="NAT gateway name", max_length=64)
    subnet = forms.ChoiceField(
        label="In subnet", help_text="A public subnet: its route table sends 0.0.0.0/0 to an internet gateway"
    )
    route_table = forms.ChoiceField(label="Route 0.0.0.0/0 of this route table to it", required=False)

    def __init__(self, *args, subnets=(), route_tables=(), existing=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = set(existing)
        self.fields["name"].initial = free_name("nat", self.existing)
        self.fields["subnet"].choices = [(name, name) for name in subnets]
        self.fields["route_table"].choices = [("", "(leave the routes as they are)")] + [
            (name, name) for name in route_tables
        ]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if name in self.existing:
            raise forms.ValidationError(
                f"A NAT gateway named {name} already exists: choose another name, or change it in the YAML."
            )
        return name

    def apply(self, world: dict) -> dict:
        data = self.cleaned_data
        world = copy.deepcopy(world)
        network = world.setdefault("network", {})
        network.setdefault("nat_gateways", {})[data["name"].strip()] = {"subnet": data["subnet"]}
        if data["route_table"]:
            table = network.setdefault("route_tables", {}).setdefault(data["route_table"], {})
            table.setdefault("routes", {})["0.0.0.0/0"] = data["name"].strip()
        return world


class RouteForm(forms.Form):
    route_table = forms.ChoiceField(label="Route table")
    destination = forms.CharField(label="Destination", initial="0.0.0.0/0")
    target = forms.CharField(
        label="Target",
        required=False,
        help_text="An internet gateway, NAT gateway or endpoint name; empty removes the route",
    )

    def __init__(self, *args, route_tables=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route_table"].choices = [(name, name) for name in route_tables]

    def apply(self, world: dict) -> dict:
        data = self.cleaned_data
        world = copy.deepcopy(world)
        table = world.setdefault("network", {}).setdefault("route_tables", {}).setdefault(data["route_table"], {})
        routes = table.setdefault("routes", {})
        if data["target"].strip():
            routes[data["destination"].strip()] = data["target"].strip()
        else:
            routes.pop(data["destination"].strip(), None)
        return world


class YamlSectionForm(forms.Form):
    """Edit a part of the world (or all of it) as YAML: the builder for everything the small forms don't cover."""

    text = forms.CharField(
        label="YAML",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 20, "class": "code-input", "spellcheck": "false", "wrap": "off"}),
    )

    def clean_text(self):
        """The text as a mapping, read by the scenario loader: safe YAML, no duplicate keys, and no alias
        expanding the text past the loader's size limit."""
        text = self.cleaned_data["text"] or ""
        if not text.strip():
            return {}
        try:
            value, _lines = loader.loads(text, "yaml")
        except loader.ScenarioError as error:
            where = f" at line {error.line}" if error.line else ""
            field = f" ({error.field})" if error.field else ""
            raise forms.ValidationError(f"This YAML can't be used{where}{field}: {error.message}.") from error
        return value


class _ReadableDumper(yaml.SafeDumper):
    """Safe YAML in which text of several lines (a handler's code) is a literal block, as a student writes it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_ReadableDumper.add_representer(str, _text)


def to_yaml(value) -> str:
    return yaml.dump(value, Dumper=_ReadableDumper, sort_keys=False, allow_unicode=True, default_flow_style=False)


def mapping_sources(world: dict) -> list[str]:
    """Queues, streams, and the tables that have a stream."""
    tables = [
        name for name, spec in (world.get("tables") or {}).items() if isinstance(spec, dict) and spec.get("stream")
    ]
    return (
        [f"queue:{name}" for name in world.get("queues") or {}]
        + [f"stream:{name}" for name in world.get("streams") or {}]
        + [f"table:{name}" for name in tables]
    )


# action in the URL -> (form, the world section its names come from, the run kind it starts)
class PublishVersionForm(NamedChoiceForm):
    """PublishVersion: freeze $LATEST as the next version (with SnapStart on, its Init runs now, once)."""

    target_field = "function"
    function = forms.ChoiceField(label="Function")

    def step(self) -> dict:
        return {"at_s": 0, "publish_version": {"function": self.cleaned_data["function"]}}


class LayerVersionForm(forms.Form):
    """PublishLayerVersion: the next version of a layer, from a few files; no function changes."""

    layer = forms.CharField(label="Layer", max_length=140, help_text="An existing layer or a new name")
    files = forms.CharField(
        label="Files",
        strip=False,
        initial="python/shared.py: |\n  VALUE = 2\n",
        help_text="YAML: each path inside the layer, then its content. Python modules go under python/.",
        widget=forms.Textarea(attrs={"rows": 6, "class": "code-input", "spellcheck": "false"}),
    )

    def __init__(self, *args, names=(), **kwargs):
        super().__init__(*args, **kwargs)

    def clean_layer(self) -> str:
        name = self.cleaned_data["layer"].strip()
        if not NAME_RE.fullmatch(name):
            raise forms.ValidationError("A layer name uses letters, numbers, hyphens and underscores.")
        return name

    def clean_files(self) -> dict:
        try:
            files = yaml.safe_load(self.cleaned_data["files"].replace("\r\n", "\n"))
        except yaml.YAMLError as error:
            raise forms.ValidationError(f"The files are not valid YAML: {error}") from error
        if not isinstance(files, dict) or not files or not all(isinstance(v, str) for v in files.values()):
            raise forms.ValidationError("Give at least one file as path: content, for example python/shared.py: |")
        return {str(path): text for path, text in files.items()}

    def step(self) -> dict:
        data = self.cleaned_data
        return {"at_s": 0, "publish_layer_version": {"layer": data["layer"], "files": data["files"]}}


RESOURCE_FORMS = {
    "send": (SendForm, "queues", "send"),
    "purge": (PurgeForm, "queues", "purge"),
    "publish": (PublishForm, "topics", "publish"),
    "put-records": (PutRecordsForm, "streams", "put_records"),
    "put-events": (PutEventsForm, "buses", "put_events"),
    "put-object": (PutObjectForm, "buckets", "put_object"),
    "publish-version": (PublishVersionForm, "functions", "configure"),
    "publish-layer-version": (LayerVersionForm, "layers", "configure"),
}
