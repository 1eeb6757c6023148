"""Checks of the timed steps: what each action needs (docs/scenarios.md)."""

from __future__ import annotations

import base64
import difflib
import json

from .functions import FunctionChecks
from .resources import ResourceChecks
from .rules import (
    DYNAMODB_RECORD_DEFAULTS,
    ENTRY_DEFAULTS,
    EVENTBRIDGE_ENTRY_BYTES,
    INVOCATION_TYPES,
    KINESIS_RECORD_DEFAULTS,
    MESSAGE_DEFAULTS,
    QUALIFIER,
    SNS_MESSAGE_BYTES,
    SQS_MESSAGE_BYTES,
    STEP_DEFAULTS,
    as_text,
)

STEP_FIELDS = ("at_s",)


class StepChecks(FunctionChecks, ResourceChecks):
    def step(self, index: int, step) -> None:
        field = f"steps.{index}"
        step = self.dict_of(step, field, "a step")
        if step is None:
            return
        if "at_s" in step:
            self.number(step["at_s"], f"{field}.at_s")
        actions = [key for key in step if key in STEP_DEFAULTS]
        others = [key for key in step if key not in STEP_DEFAULTS and key not in STEP_FIELDS]
        for key in others:
            close = difflib.get_close_matches(str(key), tuple(STEP_DEFAULTS) + STEP_FIELDS, n=1, cutoff=0.8)
            if close:
                self.add(f"{field}.{key}", f"unknown field '{key}'; did you mean '{close[0]}'?")
        if len(actions) > 1:
            self.add(field, f"a step does one thing; split {', '.join(actions)} into separate steps")
        if not actions:
            if not others:
                self.add(field, "a step needs an action: " + ", ".join(STEP_DEFAULTS))
            return  # an action added by an extension of the format
        action = actions[0]
        body = self.dict_of(step[action], f"{field}.{action}", action)
        if body is None:
            return
        getattr(self, f"step_{action}")(body, f"{field}.{action}")

    def step_invoke(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["invoke"])
        function = self.text(body.get("function"), f"{field}.function")
        if function is not None:
            # An unknown function is not a file error: Invoke answers 404 at run time.
            name, _, qualifier = function.partition(":")
            if not name or (qualifier and not QUALIFIER.fullmatch(qualifier)):
                self.add(
                    f"{field}.function", f"{function!r} is not a function name, optionally with :version or :alias"
                )
        if "type" in body:
            self.choice(body["type"], f"{field}.type", INVOCATION_TYPES, "type")
        if body.get("log_type") is not None:
            self.choice(body["log_type"], f"{field}.log_type", ("None", "Tail"), "log_type")
        if "repeat" in body:
            self.whole(body["repeat"], f"{field}.repeat", None, 1, 10000)
        if "parallel" in body:
            self.flag(body["parallel"], f"{field}.parallel")
        if body.get("qualifier") is not None:
            given = self.text(body["qualifier"], f"{field}.qualifier")
            if given is not None and not QUALIFIER.fullmatch(given):
                self.add(f"{field}.qualifier", f"{given!r} is not a version number, alias or $LATEST")
        if body.get("client_context") is not None:
            self.dict_of(body["client_context"], f"{field}.client_context", "client_context")
        if "payload" in body:
            self.json_value(body["payload"], f"{field}.payload")
        if body.get("raw_payload_base64") is not None:
            given = self.text(body["raw_payload_base64"], f"{field}.raw_payload_base64")
            try:
                base64.b64decode(given or "", validate=True)
            except ValueError:
                self.add(f"{field}.raw_payload_base64", "must be base64 text (the body's bytes, encoded)")

    def step_send(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["send"])
        queue = body.get("queue")
        if queue not in self.section("queues"):
            self.add(f"{field}.queue", f"queue {queue!r} doesn't exist; declare it under queues")
            queue = None
        fifo = queue is not None and self.is_fifo("queue", queue)
        spec = self.section("queues").get(queue) if queue else None
        content_dedup = isinstance(spec, dict) and spec.get("content_based_deduplication") is True
        messages = self.list_of(body.get("messages"), f"{field}.messages", "messages") or []
        if not messages:
            self.add(f"{field}.messages", "list at least one message, e.g. [{body: hello}]")
        for index, message in enumerate(messages):
            mfield = f"{field}.messages.{index}"
            if isinstance(message, str):
                message = {"body": message}
            message = self.dict_of(message, mfield, "a message")
            if message is None:
                continue
            self.fields(message, mfield, MESSAGE_DEFAULTS)
            text = self.json_value(message.get("body", ""), f"{mfield}.body")
            if text is not None and len(as_text(message.get("body", "")).encode()) > SQS_MESSAGE_BYTES:
                self.add(
                    f"{mfield}.body",
                    "InvalidParameterValue: One or more parameters are invalid. Reason: "
                    f"Message must be shorter than {SQS_MESSAGE_BYTES} bytes.",
                )
            if fifo and not message.get("group_id"):
                self.add(mfield, "MissingParameter: The request must contain the parameter MessageGroupId.")
            if fifo and not content_dedup and not message.get("deduplication_id"):
                self.add(
                    mfield,
                    "InvalidParameterValue: The queue should either have ContentBasedDeduplication "
                    "enabled or MessageDeduplicationId provided explicitly",
                )
            for key in ("group_id", "deduplication_id"):
                if message.get(key) is not None:
                    self.text(message[key], f"{mfield}.{key}")
            if "delay_s" in message:
                self.whole(message["delay_s"], f"{mfield}.delay_s", None, 0, 900)
            self.attributes(message.get("attributes"), f"{mfield}.attributes")

    def step_publish(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["publish"])
        if body.get("topic") not in self.section("topics"):
            self.add(f"{field}.topic", f"topic {body.get('topic')!r} doesn't exist; declare it under topics")
        message_ok = self.json_value(body.get("message", ""), f"{field}.message") is not None
        if message_ok and len(as_text(body.get("message", "")).encode()) > SNS_MESSAGE_BYTES:
            self.add(
                f"{field}.message",
                "InvalidParameter: Invalid parameter: Message too long "
                f"(an SNS message is at most {SNS_MESSAGE_BYTES} bytes)",
            )
        if body.get("subject") is not None:
            self.text(body["subject"], f"{field}.subject")
        self.attributes(body.get("attributes"), f"{field}.attributes")

    def step_put_records(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["put_records"])
        stream = body.get("stream")
        if stream not in self.section("streams"):
            self.add(f"{field}.stream", f"stream {stream!r} doesn't exist; declare it under streams")
            return
        dynamodb = self.stream_type(stream) == "dynamodb"
        records = self.list_of(body.get("records"), f"{field}.records", "records") or []
        if not records:
            self.add(f"{field}.records", "list at least one record")
        for index, record in enumerate(records):
            rfield = f"{field}.records.{index}"
            record = self.dict_of(record, rfield, "a record")
            if record is None:
                continue
            if dynamodb:
                self.fields(record, rfield, DYNAMODB_RECORD_DEFAULTS)
                self.choice(
                    record.get("event_name", "INSERT"),
                    f"{rfield}.event_name",
                    ("INSERT", "MODIFY", "REMOVE"),
                    "event_name",
                )
                if not self.dict_of(record.get("keys"), f"{rfield}.keys", "keys"):
                    self.add(f"{rfield}.keys", "a DynamoDB stream record needs the item's keys, e.g. {id: 1}")
                for key in ("new_image", "old_image"):
                    if record.get(key) is not None:
                        self.dict_of(record[key], f"{rfield}.{key}", key)
                continue
            self.fields(record, rfield, KINESIS_RECORD_DEFAULTS)
            self.json_value(record.get("data", ""), f"{rfield}.data")
            partition_key = record.get("partition_key")
            if not isinstance(partition_key, str) or not 1 <= len(partition_key) <= 256:
                self.add(f"{rfield}.partition_key", "a Kinesis record needs a partition_key of 1-256 characters")

    def step_put_events(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["put_events"])
        bus = body.get("bus", "default")
        if bus != "default" and bus not in self.section("buses"):
            self.add(f"{field}.bus", f"bus {bus!r} doesn't exist; declare it under buses")
        entries = self.list_of(body.get("entries"), f"{field}.entries", "entries") or []
        if not 1 <= len(entries) <= 10:
            self.add(f"{field}.entries", "PutEvents takes 1 to 10 entries")
        for index, entry in enumerate(entries):
            efield = f"{field}.entries.{index}"
            entry = self.dict_of(entry, efield, "an entry")
            if entry is None:
                continue
            self.fields(entry, efield, ENTRY_DEFAULTS)
            for key in ("source", "detail_type"):
                if not isinstance(entry.get(key), str) or not entry[key]:
                    self.add(f"{efield}.{key}", f"an event needs a {key} (text)")
            detail = entry.get("detail", {})
            if not isinstance(detail, dict):
                self.add(f"{efield}.detail", "detail must be a JSON object (a mapping)")
            elif (
                self.json_value(detail, f"{efield}.detail") is not None
                and len(json.dumps(entry, default=str).encode()) > EVENTBRIDGE_ENTRY_BYTES
            ):
                self.add(efield, f"an event entry is at most {EVENTBRIDGE_ENTRY_BYTES} bytes")
            resources = self.list_of(entry.get("resources"), f"{efield}.resources", "resources") or []
            for r_index, resource in enumerate(resources):
                self.text(resource, f"{efield}.resources.{r_index}")

    def step_put_object(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["put_object"])
        if body.get("bucket") not in self.section("buckets"):
            self.add(f"{field}.bucket", f"bucket {body.get('bucket')!r} doesn't exist; declare it under buckets")
        key = self.text(body.get("key"), f"{field}.key")
        if key is not None and not 1 <= len(key.encode()) <= 1024:
            self.add(f"{field}.key", "an object key is 1-1024 bytes")
        if "size_bytes" in body:
            self.whole(body["size_bytes"], f"{field}.size_bytes", None, 0, 5 * 1024**4)
        if "event_name" in body:
            self.text(body["event_name"], f"{field}.event_name")

    def step_update_function(self, body: dict, field: str) -> None:
        name = body.get("function")
        spec = self.section("functions").get(name)
        if spec is None:
            self.add(f"{field}.function", f"function {name!r} doesn't exist; declare it under functions")
            return
        changes = {key: value for key, value in body.items() if key != "function"}
        if not changes:
            self.add(field, "say what to change, e.g. reserved_concurrency: 0")
        if "vpc" in changes and "role" not in changes and isinstance(spec, dict):
            changes = {**changes, "role": spec.get("role")}
        if "layers" in changes and isinstance(spec, dict):
            changes = {**changes, **{key: spec[key] for key in ("code", "files") if key in spec and key not in changes}}
        self.function(name, {"function": name, **changes}, field, partial=True)
        snap_keys = ("provisioned_concurrency", "file_system", "ephemeral_storage_mb")
        changed = any(key in changes for key in snap_keys)
        if changed and "snap_start" not in changes and isinstance(spec, dict) and spec.get("snap_start") is not None:
            self.snap_start({**spec, **changes}, field)

    # -- shared --

    def json_value(self, value, field: str):
        """The value as JSON text, or None (with a problem) when it can't be JSON."""
        try:
            return json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            self.add(field, "must be plain JSON data (text, numbers, true/false, null, lists, mappings)")
            return None

    def attributes(self, attributes, field: str) -> None:
        attributes = self.dict_of(attributes, field, "attributes")
        for name, value in (attributes or {}).items():
            if isinstance(value, dict):
                if value.get("type", "String") not in ("String", "Number", "Binary", "String.Array"):
                    self.add(f"{field}.{name}", "an attribute type is String, Number, Binary or String.Array")
            elif isinstance(value, (dict, list)) or value is None:
                self.add(f"{field}.{name}", "an attribute is a text or number value, or {type, value}")
