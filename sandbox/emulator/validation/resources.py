"""Checks of queues, topics, streams, buses, buckets and event source mappings."""

from __future__ import annotations

import json
import re

from ..patterns import pattern_problems
from .base import BaseChecker
from .rules import (
    BATCH_WINDOW_S,
    BUCKET_DEFAULTS,
    BUS_DEFAULTS,
    ESM_SQS_DEFAULTS,
    ESM_STREAM_DEFAULTS,
    MAX_CONCURRENCY,
    MAX_FILTERS,
    MAX_RECEIVE,
    NOTIFICATION_DEFAULTS,
    PARALLELIZATION,
    POLLING_ACTIONS,
    QUALIFIER,
    QUEUE_DEFAULTS,
    RECORD_AGE_S,
    RULE_DEFAULTS,
    S3_EVENTS,
    SQS_BATCH,
    SQS_FIFO_BATCH,
    STARTING_POSITIONS,
    STREAM_BATCH,
    STREAM_DEFAULTS,
    STREAM_RETRIES,
    STREAM_VIEW_TYPES,
    TIMEOUT_S,
    TOPIC_DEFAULTS,
    TUMBLING_S,
    VISIBILITY_S,
    range_message,
    role_allows,
    visibility_message,
)


class ResourceChecks(BaseChecker):
    def resources(self) -> None:
        for name, spec in self.section("queues").items():
            self.queue(name, spec, f"queues.{name}")
        for name, spec in self.section("topics").items():
            field = f"topics.{name}"
            spec = self.dict_of(spec, field, f"topic {name}")
            if spec is None:
                continue
            self.fields(spec, field, TOPIC_DEFAULTS)
            for index, target in enumerate(
                self.list_of(spec.get("subscriptions"), f"{field}.subscriptions", "subscriptions") or []
            ):
                self.ref(target, f"{field}.subscriptions.{index}", ("function", "queue"))
        for name, spec in self.section("streams").items():
            field = f"streams.{name}"
            spec = self.dict_of(spec, field, f"stream {name}")
            if spec is None:
                continue
            self.fields(spec, field, STREAM_DEFAULTS)
            self.choice(spec.get("type", "kinesis"), f"{field}.type", ("kinesis", "dynamodb"), "type")
            self.whole(spec.get("shards", 1), f"{field}.shards", None, 1, 100)
            self.view_type(spec, f"{field}.view_type")
        for name, spec in self.section("buses").items():
            self.bus(name, spec, f"buses.{name}")
        for name, spec in self.section("buckets").items():
            field = f"buckets.{name}"
            spec = self.dict_of(spec, field, f"bucket {name}")
            if spec is None:
                continue
            self.fields(spec, field, BUCKET_DEFAULTS)
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", str(name)):
                self.add(field, "bucket names are 3-63 characters: lower-case letters, digits, dots and hyphens")
            for index, note in enumerate(
                self.list_of(spec.get("notifications"), f"{field}.notifications", "notifications") or []
            ):
                nfield = f"{field}.notifications.{index}"
                note = self.dict_of(note, nfield, "a notification")
                if note is None:
                    continue
                self.fields(note, nfield, NOTIFICATION_DEFAULTS)
                events = self.list_of(note.get("events"), f"{nfield}.events", "events") or []
                if not events:
                    self.add(f"{nfield}.events", "list at least one event type, e.g. s3:ObjectCreated:*")
                for e_index, event in enumerate(events):
                    if not isinstance(event, str) or not S3_EVENTS.fullmatch(event):
                        self.add(
                            f"{nfield}.events.{e_index}",
                            f"{event!r} is not an S3 event type such as s3:ObjectCreated:* or s3:ObjectRemoved:Delete",
                        )
                self.ref(note.get("target"), f"{nfield}.target", ("function", "queue", "topic"))
                for key in ("prefix", "suffix"):
                    if key in note:
                        self.text(note[key], f"{nfield}.{key}")

    def queue(self, name: str, spec, field: str) -> None:
        spec = self.dict_of(spec, field, f"queue {name}")
        if spec is None:
            return
        self.fields(spec, field, QUEUE_DEFAULTS)
        if not re.fullmatch(r"[a-zA-Z0-9_-]{1,75}(\.fifo)?", str(name)) or len(str(name)) > 80:
            self.add(
                field,
                "queue names are 1-80 characters: letters, digits, hyphens and underscores (FIFO queues end in .fifo)",
            )
        fifo = spec.get("fifo", str(name).endswith(".fifo"))
        self.flag(fifo, f"{field}.fifo")
        if fifo is True and not str(name).endswith(".fifo"):
            self.add(
                f"{field}.fifo",
                "InvalidParameterValue: The name of a FIFO queue can only include "
                "alphanumeric characters, hyphens, or underscores, must end with .fifo suffix",
            )
        if fifo is False and str(name).endswith(".fifo"):
            self.add(f"{field}.fifo", "a queue whose name ends in .fifo is a FIFO queue; set fifo: true")
        if "visibility_timeout_s" in spec:
            self.whole(spec["visibility_timeout_s"], f"{field}.visibility_timeout_s", None, *VISIBILITY_S)
        if "message_retention_s" in spec:
            self.whole(spec["message_retention_s"], f"{field}.message_retention_s", None, 60, 1209600)
        if "delay_s" in spec:
            self.whole(spec["delay_s"], f"{field}.delay_s", None, 0, 900)
        if "content_based_deduplication" in spec:
            self.flag(spec["content_based_deduplication"], f"{field}.content_based_deduplication")
        redrive = spec.get("redrive")
        if redrive is None:
            return
        redrive = self.dict_of(redrive, f"{field}.redrive", "redrive")
        if redrive is None:
            return
        self.fields(redrive, f"{field}.redrive", ("dead_letter_queue", "max_receive_count"))
        target = redrive.get("dead_letter_queue")
        if target not in self.section("queues"):
            self.add(f"{field}.redrive.dead_letter_queue", f"queue {target!r} doesn't exist; declare it under queues")
        elif target == name:
            self.add(f"{field}.redrive.dead_letter_queue", "a queue can't be its own dead-letter queue")
        elif self.is_fifo("queue", target) != bool(fifo):
            self.add(
                f"{field}.redrive.dead_letter_queue",
                "the dead-letter queue of a FIFO queue must be FIFO, and of a standard queue standard",
            )
        self.whole(redrive.get("max_receive_count"), f"{field}.redrive.max_receive_count", None, *MAX_RECEIVE)

    def view_type(self, spec: dict, field: str) -> None:
        """A DynamoDB table's StreamViewType: which images its stream records carry."""
        value = spec.get("view_type")
        if value is None:
            return
        if spec.get("type", "kinesis") != "dynamodb":
            self.add(field, "only a DynamoDB stream (type: dynamodb) has a view type")
        elif value not in STREAM_VIEW_TYPES:
            self.add(
                field,
                f"ValidationException: 1 validation error detected: Value '{value}' at "
                "'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum "
                f"value set: [{', '.join(STREAM_VIEW_TYPES)}]",
            )

    def bus(self, name: str, spec, field: str) -> None:
        spec = self.dict_of(spec, field, f"bus {name}")
        if spec is None:
            return
        self.fields(spec, field, BUS_DEFAULTS)
        names = set()
        for index, rule in enumerate(self.list_of(spec.get("rules"), f"{field}.rules", "rules") or []):
            rfield = f"{field}.rules.{index}"
            rule = self.dict_of(rule, rfield, "a rule")
            if rule is None:
                continue
            self.fields(rule, rfield, RULE_DEFAULTS)
            rule_name = self.text(rule.get("name"), f"{rfield}.name")
            if rule_name in names:
                self.add(f"{rfield}.name", f"rule {rule_name} is defined twice on bus {name}")
            names.add(rule_name)
            pattern = rule.get("pattern")
            if not pattern:
                self.add(f"{rfield}.pattern", "a rule needs an event pattern, e.g. {source: [shop]}")
            else:
                for message in pattern_problems(pattern):
                    self.add(f"{rfield}.pattern", f"InvalidEventPatternException: {message}")
            targets = self.list_of(rule.get("targets"), f"{rfield}.targets", "targets") or []
            if len(targets) > 5:
                self.add(f"{rfield}.targets", "a rule has at most 5 targets")
            for t_index, target in enumerate(targets):
                self.ref(target, f"{rfield}.targets.{t_index}", ("function", "queue", "topic", "bus"))
            if "enabled" in rule:
                self.flag(rule["enabled"], f"{rfield}.enabled")

    def mapping(self, index: int, esm) -> None:
        field = f"event_source_mappings.{index}"
        esm = self.dict_of(esm, field, "an event source mapping")
        if esm is None:
            return
        function = esm.get("function")
        name, _, qualifier = str(function).partition(":") if isinstance(function, str) else ("", "", "")
        if not isinstance(function, str) or name not in self.section("functions"):
            self.add(f"{field}.function", f"function {function!r} doesn't exist; declare it under functions")
        elif qualifier and not QUALIFIER.fullmatch(qualifier):
            self.add(f"{field}.function", f"{qualifier!r} is not a version number or alias name")
        source = self.ref(esm.get("source"), f"{field}.source", ("queue", "stream", "table"))
        if source is None:
            return
        if source[0] == "table" and not (self.section("tables").get(source[1]) or {}).get("stream"):
            self.add(
                f"{field}.source",
                f"InvalidParameterValueException: Stream not found: table {source[1]} has no stream; "
                f"set tables.{source[1]}.stream to a view type such as NEW_AND_OLD_IMAGES",
            )
            return
        kind = "sqs" if source[0] == "queue" else "dynamodb" if source[0] == "table" else self.stream_type(source[1])
        known = ESM_SQS_DEFAULTS if kind == "sqs" else ESM_STREAM_DEFAULTS
        self.fields(esm, field, set(ESM_SQS_DEFAULTS) | set(ESM_STREAM_DEFAULTS))
        for key in esm:
            if key not in known and (key in ESM_SQS_DEFAULTS or key in ESM_STREAM_DEFAULTS):
                self.add(
                    f"{field}.{key}",
                    f"InvalidParameterValueException: {key} isn't supported for "
                    f"{'an SQS queue' if kind == 'sqs' else 'a stream'} event source mapping",
                )
        for key in ("enabled", "report_batch_item_failures", "bisect_batch_on_function_error"):
            if key in esm:
                self.flag(esm[key], f"{field}.{key}")
        window = esm.get("maximum_batching_window_s", 0)
        window = self.whole(
            window, f"{field}.maximum_batching_window_s", "maximumBatchingWindowInSeconds", *BATCH_WINDOW_S
        )
        batch = self.whole(
            esm.get("batch_size", known["batch_size"]),
            f"{field}.batch_size",
            "batchSize",
            *(SQS_BATCH if kind == "sqs" else STREAM_BATCH),
        )
        self.filters(esm.get("filter_patterns"), f"{field}.filter_patterns")
        if kind == "sqs":
            self.sqs_mapping(esm, field, source[1], name, batch, window)
        else:
            self.stream_mapping(esm, field, kind)
        self.polling_permissions(name, kind, f"{field}.function")

    def stream_type(self, name) -> str:
        spec = self.section("streams").get(name)
        kind = spec.get("type", "kinesis") if isinstance(spec, dict) else "kinesis"
        return kind if kind in ("kinesis", "dynamodb") else "kinesis"

    def sqs_mapping(self, esm: dict, field: str, queue: str, function: str, batch, window) -> None:
        fifo = self.is_fifo("queue", queue)
        if fifo and batch is not None and batch > SQS_FIFO_BATCH:
            self.add(
                f"{field}.batch_size",
                f"InvalidParameterValueException: the batch size for a FIFO queue "
                f"must be between 1 and {SQS_FIFO_BATCH}, not {batch}",
            )
        elif batch is not None and batch > 10 and window == 0:
            self.add(
                f"{field}.maximum_batching_window_s",
                "InvalidParameterValueException: Maximum batch window "
                "in seconds must be greater than 0 if maximum batch size is greater than 10",
            )
        if fifo and window:
            self.add(
                f"{field}.maximum_batching_window_s",
                "InvalidParameterValueException: Batching window is not supported for FIFO queues",
            )
        if esm.get("maximum_concurrency") is not None:
            self.whole(
                esm["maximum_concurrency"],
                f"{field}.maximum_concurrency",
                "scalingConfig.maximumConcurrency",
                *MAX_CONCURRENCY,
            )
        spec = self.section("functions").get(function)
        queue_spec = self.section("queues").get(queue)
        if isinstance(spec, dict):
            timeout = spec.get("timeout_s", 3)
            visibility = queue_spec.get("visibility_timeout_s", 30) if isinstance(queue_spec, dict) else 30
            numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (timeout, visibility))
            if numbers and TIMEOUT_S[0] <= timeout <= TIMEOUT_S[1] and visibility < timeout:
                self.add(f"{field}.source", visibility_message(_plain(visibility), _plain(timeout)))

    def stream_mapping(self, esm: dict, field: str, kind: str) -> None:
        position = esm.get("starting_position")
        if position is None:
            self.add(
                f"{field}.starting_position",
                "InvalidParameterValueException: 1 validation error detected: Value null at 'startingPosition' "
                "failed to satisfy constraint: Member must not be null. (a stream mapping starts at TRIM_HORIZON, "
                "LATEST or, for Kinesis, AT_TIMESTAMP)",
            )
        elif position not in STARTING_POSITIONS:
            self.add(
                f"{field}.starting_position",
                f"ValidationException: 1 validation error detected: Value '{position}' at 'startingPosition' "
                "failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
            )
        elif position == "AT_TIMESTAMP" and kind == "dynamodb":
            self.add(
                f"{field}.starting_position",
                "InvalidParameterValueException: AT_TIMESTAMP is supported "
                "only for Kinesis streams; DynamoDB Streams start at TRIM_HORIZON or LATEST",
            )
        elif position == "AT_TIMESTAMP":
            self.number(esm.get("starting_position_timestamp"), f"{field}.starting_position_timestamp")
        retries = esm.get("maximum_retry_attempts", -1)
        self.whole(retries, f"{field}.maximum_retry_attempts", "maximumRetryAttempts", *STREAM_RETRIES)
        age = self.whole(
            esm.get("maximum_record_age_s", -1),
            f"{field}.maximum_record_age_s",
            "maximumRecordAgeInSeconds",
            -1,
            RECORD_AGE_S[1],
        )
        if age is not None and age != -1 and age < RECORD_AGE_S[0]:
            self.add(
                f"{field}.maximum_record_age_s",
                range_message(age, "maximumRecordAgeInSeconds", RECORD_AGE_S[0], RECORD_AGE_S[1])
                + " (or -1 for no limit)",
            )
        self.whole(
            esm.get("parallelization_factor", 1),
            f"{field}.parallelization_factor",
            "parallelizationFactor",
            *PARALLELIZATION,
        )
        self.whole(
            esm.get("tumbling_window_s", 0), f"{field}.tumbling_window_s", "tumblingWindowInSeconds", *TUMBLING_S
        )
        if esm.get("on_failure") is not None:
            ref = self.ref(esm["on_failure"], f"{field}.on_failure", ("queue", "topic", "bucket"))
            if ref and ref[0] in ("queue", "topic") and self.is_fifo(*ref):
                self.add(
                    f"{field}.on_failure",
                    "InvalidParameterValueException: FIFO queues and topics aren't "
                    "supported as on-failure destinations; use a standard one",
                )

    def filters(self, filters, field: str) -> None:
        filters = self.list_of(filters, field, "filter_patterns")
        if not filters:
            return
        if len(filters) > MAX_FILTERS:
            self.add(field, f"an event source mapping has at most {MAX_FILTERS} filters (5 unless the quota is raised)")
        for index, pattern in enumerate(filters):
            text = pattern if isinstance(pattern, str) else json.dumps(pattern)
            if len(text) > 4096:
                self.add(f"{field}.{index}", "a filter pattern is at most 4,096 characters")
            for message in pattern_problems(pattern):
                self.add(
                    f"{field}.{index}",
                    f"InvalidParameterValueException: Invalid filter pattern definition. ({message})",
                )

    def polling_permissions(self, function: str, kind: str, field: str) -> None:
        spec = self.section("functions").get(function)
        role = spec.get("role") if isinstance(spec, dict) else None
        if not isinstance(role, dict):
            return  # no role given: the scenario's role allows what its mappings need
        for action in POLLING_ACTIONS[kind]:
            if not role_allows(role, action):
                service = {"sqs": "SQS", "kinesis": "Kinesis", "dynamodb": "DynamoDB"}[kind]
                self.add(
                    field,
                    "InvalidParameterValueException: The function execution role does not have "
                    f"permissions to call {action.split(':')[1]} on {service}",
                )
                return

    def duplicate_mappings(self, mappings: list) -> None:
        seen: dict[tuple, int] = {}
        for index, esm in enumerate(mappings):
            if not isinstance(esm, dict):
                continue
            key = (str(esm.get("function")), str(esm.get("source")))
            if key in seen:
                kind, _, name = key[1].partition(":")
                if kind == "queue":
                    account = self.section("account")
                    region = account.get("region", "us-east-1")
                    arn = f"arn:aws:sqs:{region}:{account.get('account_id', '123456789012')}:{name}"
                    message = (
                        f'ResourceConflictException: An event source mapping with SQS arn (" {arn} ") and function '
                        f'(" {key[0]} ") already exists. Please update or delete the existing mapping '
                        f"(event_source_mappings.{seen[key]})"
                    )
                else:
                    message = (
                        f"ResourceConflictException: a mapping from {key[1]} to {key[0]} already exists "
                        f"(event_source_mappings.{seen[key]})"
                    )
                self.add(f"event_source_mappings.{index}", message)
            seen.setdefault(key, index)


def _plain(number):
    return int(number) if float(number).is_integer() else number
