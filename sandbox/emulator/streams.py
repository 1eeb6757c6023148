"""Kinesis and DynamoDB Streams, and their event source mappings.

Each batch comes from one shard (with ``parallelization_factor`` > 1, from one lane of
a shard: records are spread over lanes by partition key, so order holds per key).
A failing batch blocks its lane and is retried whole until it succeeds, runs out of
``maximum_retry_attempts``, or its oldest record passes ``maximum_record_age_s`` or
the stream's retention. ``bisect_batch_on_function_error`` splits a failed batch in
two without using up retries. A discarded batch sends a metadata-only record to the
mapping's on-failure destination; then the lane moves on.
"""

from __future__ import annotations

import json

from . import attempts, events, ids, logs, patterns, push
from .model import State
from .pollers import mapping_runtime
from .qualifiers import resolve
from .state import schedule
from .validation.rules import SYNC_PAYLOAD_BYTES

RETRY_BACKOFF_MAX_S = 60.0
THROTTLE_BACKOFF_MAX_S = 60.0


def _stream(state: State, name: str) -> dict:
    streams = state["streams"]
    if name not in streams:
        config = state["config"]["streams"][name]
        kind = config.get("type", "kinesis")
        shards = []
        for number in range(int(config.get("shards") or 1)):
            if kind == "dynamodb":
                shard_id = f"shardId-{int(logs.EPOCH_START * 1000):020d}-{ids.hex_id(state, 'shard', 8)}"
            else:
                shard_id = f"shardId-{number:012d}"
            shards.append({"id": shard_id, "records": []})
        streams[name] = {"type": kind, "shards": shards}
    return streams[name]


def stream_arn(state: State, name: str) -> str:
    account = state["config"]["account"]
    if state["config"]["streams"][name].get("type") == "dynamodb":
        return events.dynamodb_stream_arn(account["region"], account["account_id"], name)
    return events.kinesis_stream_arn(account["region"], account["account_id"], name)


def put_records(state: State, name: str, records: list, now: float) -> None:
    stream = _stream(state, name)
    shard_count = len(stream["shards"])
    for given in records:
        if not isinstance(given, dict):
            given = {"data": given}
        if stream["type"] == "dynamodb":
            keys = given.get("keys") or {"id": ids.next_counter(state, f"ddbkey:{name}")}
            partition_key = json.dumps(keys, sort_keys=True)
        else:
            partition_key = str(given.get("partition_key", "pk"))
        shard = stream["shards"][ids.stable_hash(partition_key) % shard_count]
        data = given.get("data", "")
        record = {
            "seq": ids.sequence_number(state, name),
            "partition_key": partition_key,
            "arrival": now,
            "data": data if isinstance(data, str) else json.dumps(data),
        }
        if stream["type"] == "dynamodb":
            record["event_name"] = given.get("event_name", "INSERT")
            record["view_type"] = state["config"]["streams"][name].get("view_type") or "NEW_AND_OLD_IMAGES"
            record["keys"] = {k: events.to_dynamodb(v) for k, v in keys.items()}
            record["new_image"] = {k: events.to_dynamodb(v) for k, v in (given.get("new_image") or {}).items()} or None
            record["old_image"] = {k: events.to_dynamodb(v) for k, v in (given.get("old_image") or {}).items()} or None
        shard["records"].append(record)
    for mapping in state["config"]["event_source_mappings"]:
        if mapping["kind"] == "stream" and mapping["source_name"] == name:
            poke_mapping(state, mapping["index"], now)


def _event_record(state: State, name: str, shard: dict, record: dict) -> dict:
    account = state["config"]["account"]
    if state["config"]["streams"][name].get("type") == "dynamodb":
        return events.dynamodb_record(
            stream_arn=stream_arn(state, name),
            region=account["region"],
            event_name=record["event_name"],
            keys=record["keys"],
            new_image=record.get("new_image"),
            old_image=record.get("old_image"),
            sequence_number=record["seq"],
            created=record["arrival"],
            view_type=record.get("view_type") or "NEW_AND_OLD_IMAGES",
        )
    return events.kinesis_record(
        stream_arn=stream_arn(state, name),
        region=account["region"],
        account=account["account_id"],
        shard_id=shard["id"],
        sequence_number=record["seq"],
        partition_key=record["partition_key"],
        data=record["data"],
        arrival=record["arrival"],
    )


def _lanes(state: State, index: int) -> dict:
    return mapping_runtime(state, index)["lanes"]


def _lane(state: State, index: int, key: str) -> dict:
    lanes = _lanes(state, index)
    if key not in lanes:
        lanes[key] = {
            "next": 0,
            "in_flight": False,
            "current": None,
            "pending": [],
            "retries": 0,
            "attempts": 0,
            "throttles": 0,
            "window_start": None,
            "poll_at": None,
        }
    return lanes[key]


def poke_mapping(state: State, index: int, now: float) -> None:
    mapping = state["config"]["event_source_mappings"][index]
    stream = _stream(state, mapping["source_name"])
    factor = int(mapping.get("parallelization_factor") or 1)
    for shard_number in range(len(stream["shards"])):
        for lane in range(factor):
            _poke_lane(state, index, f"{shard_number}:{lane}", now)


def _poke_lane(state: State, index: int, key: str, at: float) -> None:
    lane = _lane(state, index, key)
    if lane["poll_at"] is None or at < lane["poll_at"]:
        lane["poll_at"] = at
        schedule(state, at, "stream_poll", {"mapping": index, "lane": key, "at": at})


def poll(state: State, data: dict, now: float) -> list[dict]:
    index, key = data["mapping"], data["lane"]
    lane = _lane(state, index, key)
    if lane["poll_at"] != data["at"]:
        return []
    lane["poll_at"] = None
    mapping = state["config"]["event_source_mappings"][index]
    if not mapping.get("enabled", True) or lane["in_flight"]:
        return []
    if lane["current"] is None and lane["pending"]:
        lane["current"] = lane["pending"].pop(0)
        lane["attempts"] = 0
    if lane["current"] is None and not _choose_batch(state, index, key, now):
        return []
    name = mapping["source_name"]
    shard = _stream(state, name)["shards"][int(key.split(":")[0])]
    batch = [shard["records"][i] for i in lane["current"]]
    retention = float(state["config"]["streams"][name].get("retention_s") or 86400)
    max_age = int(mapping.get("maximum_record_age_s", -1))
    expired = [
        i
        for i in lane["current"]
        if (max_age != -1 and now - shard["records"][i]["arrival"] > max_age)
        or now - shard["records"][i]["arrival"] >= retention
    ]
    if expired:
        # Only the records past their age go to the failure destination; the rest of the batch runs.
        gone = set(expired)
        keep = [i for i in lane["current"] if i not in gone]
        _discard(state, index, key, shard, [shard["records"][i] for i in expired], "RecordAgeExceeded", now, None)
        if not keep:
            return []
        lane["current"] = keep
        batch = [shard["records"][i] for i in keep]
    return _invoke_batch(state, index, key, shard, batch, now)


def _choose_batch(state: State, index: int, key: str, now: float) -> bool:
    """Pick the lane's next batch from its shard (its own partition keys, unexpired, passing the filters,
    fitting one synchronous payload). False when there is none yet, or the batching window still waits."""
    lane = _lane(state, index, key)
    mapping = state["config"]["event_source_mappings"][index]
    name = mapping["source_name"]
    stream = _stream(state, name)
    shard_number, lane_number = (int(part) for part in key.split(":"))
    shard = stream["shards"][shard_number]
    records = shard["records"]
    factor = int(mapping.get("parallelization_factor") or 1)
    retention = float(state["config"]["streams"][name].get("retention_s") or 86400)
    batch_size = int(mapping.get("batch_size") or 100)
    chosen: list[int] = []
    position, size = lane["next"], 0
    while position < len(records) and len(chosen) < batch_size:
        record = records[position]
        position += 1
        if factor > 1 and ids.stable_hash(record["partition_key"]) % factor != lane_number:
            continue
        if now - record["arrival"] >= retention:
            continue
        event_record = _event_record(state, name, shard, record)
        if not patterns.passes_filters(mapping.get("filter_patterns") or [], stream["type"], event_record):
            continue
        record_size = len(json.dumps(event_record))
        if chosen and size + record_size > SYNC_PAYLOAD_BYTES:
            position -= 1
            break
        size += record_size
        chosen.append(position - 1)
    window = float(mapping.get("maximum_batching_window_s") or 0)
    if chosen and window > 0 and len(chosen) < batch_size:
        if lane["window_start"] is None:
            lane["window_start"] = now
        if now < lane["window_start"] + window:
            _poke_lane(state, index, key, lane["window_start"] + window)
            return False
    lane["window_start"] = None
    lane["next"] = position
    if not chosen:
        return False
    lane["current"] = chosen
    lane["attempts"] = 0
    lane["retries"] = 0
    return True


def _invoke_batch(state: State, index: int, key: str, shard: dict, batch: list, now: float) -> list[dict]:
    """Invoke the function with the lane's batch, or record a throttle and back off."""
    lane = _lane(state, index, key)
    mapping = state["config"]["event_source_mappings"][index]
    name = mapping["source_name"]
    fn_name, _, qualifier = str(mapping["function"]).partition(":")
    version = resolve(state, fn_name, qualifier or None).get("version", "$LATEST")
    request_id = ids.uuid(state, "request")
    sequence_numbers = [r["seq"] for r in batch]
    payload = json.dumps(events.batch([_event_record(state, name, shard, r) for r in batch]))
    trigger = "dynamodb" if _stream(state, name)["type"] == "dynamodb" else "kinesis"
    planned = attempts.plan_run(
        state,
        function=fn_name,
        version=version,
        qualifier=qualifier or None,
        payload=payload,
        request_id=request_id,
        trigger=trigger,
        attempt=lane["attempts"] + 1,
        ctx={"owner": "stream", "mapping": index, "lane": key},
        now=now,
        sync=True,
        batch=sequence_numbers,
    )
    if "throttle" in planned:
        attempts.throttled_attempt(
            state,
            function=fn_name,
            request_id=request_id,
            trigger=trigger,
            attempt=lane["attempts"] + 1,
            now=now,
            reason=planned["throttle"],
            batch=sequence_numbers,
        )
        lane["throttles"] += 1
        _poke_lane(state, index, key, now + min(THROTTLE_BACKOFF_MAX_S, 2.0 ** (lane["throttles"] - 1)))
        return []
    lane["throttles"] = 0
    lane["in_flight"] = True
    lane["attempts"] += 1
    lane["last_request_id"] = request_id
    lane["last_version"] = version
    return [planned]


def _failed_sequence(response, sequence_numbers: list) -> str | None | bool:
    """The lowest failed sequence number; "" for none; False when the response is invalid."""
    if response is None or response == {} or not isinstance(response, dict):
        return ""
    failures = response.get("batchItemFailures")
    if not failures:
        return ""
    if not isinstance(failures, list):
        return False
    found = []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in sequence_numbers:
            return False
        found.append(identifier)
    return min(found, key=int)


def end(state: State, data: dict, now: float) -> list[dict]:
    ctx = data["ctx"]
    index, key = ctx["mapping"], ctx["lane"]
    lane = _lane(state, index, key)
    lane["in_flight"] = False
    mapping = state["config"]["event_source_mappings"][index]
    name = mapping["source_name"]
    stream = _stream(state, name)
    shard = stream["shards"][int(key.split(":")[0])]
    batch = [shard["records"][i] for i in lane["current"]]
    sequence_numbers = [r["seq"] for r in batch]
    failed = data["outcome"] != "success"
    restart_at = 0
    if not failed and mapping.get("report_batch_item_failures"):
        response = state["trace"]["attempts"][data["attempt_index"]]["response"]
        lowest = _failed_sequence(response, sequence_numbers)
        if lowest is False:
            failed = True
        elif lowest:
            failed = True
            restart_at = sequence_numbers.index(lowest)
    if not failed:
        lane["current"] = None
        lane["retries"] = 0
        _poke_lane(state, index, key, now)
        return []
    if restart_at:
        lane["current"] = lane["current"][restart_at:]
        batch = batch[restart_at:]
    if mapping.get("bisect_batch_on_function_error") and len(lane["current"]) > 1 and not restart_at:
        half = len(lane["current"]) // 2
        lane["pending"].insert(0, lane["current"][half:])
        lane["current"] = lane["current"][:half]
        lane["attempts"] = 0
        _poke_lane(state, index, key, now)
        return []
    lane["retries"] += 1
    limit = int(mapping.get("maximum_retry_attempts", -1))
    if limit != -1 and lane["retries"] > limit:
        return _discard(state, index, key, shard, batch, "RetryAttemptsExhausted", now, data)
    delay = min(RETRY_BACKOFF_MAX_S, 2.0 ** (lane["retries"] - 1))
    _poke_lane(state, index, key, now + delay)
    return []


def _failure_key(state: State, index: int, shard_id: str, now: float) -> str:
    """aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>."""
    runtime = mapping_runtime(state, index)
    if not runtime.get("uuid"):
        runtime["uuid"] = ids.uuid(state, "mapping")
    moment = logs.iso(now, millis=False)
    day = moment[:10].replace("-", "/")
    return f"aws/lambda/{runtime['uuid']}/{shard_id}/{day}/{moment[:19].replace(':', '.')}-{ids.uuid(state, 'object')}"


def _discard(
    state: State, index: int, key: str, shard: dict, batch: list, condition: str, now: float, data: dict | None
) -> list[dict]:
    lane = _lane(state, index, key)
    mapping = state["config"]["event_source_mappings"][index]
    name = mapping["source_name"]
    fn_name, _, qualifier = str(mapping["function"]).partition(":")
    kind = state["config"]["streams"][name].get("type", "kinesis")
    info_key = "DDBStreamBatchInfo" if kind == "dynamodb" else "KinesisBatchInfo"
    request_id = lane.get("last_request_id") or ids.uuid(state, "request")
    record = {
        "requestContext": {
            "requestId": request_id,
            "functionArn": attempts.function_arn(state, fn_name, qualifier or None),
            "condition": condition,
            # AWS records 1 for record-age expiry however many times the batch ran (even never).
            "approximateInvokeCount": 1 if condition == "RecordAgeExceeded" else lane["attempts"],
        },
        "version": "1.0",
        "timestamp": logs.iso(now),
        info_key: {
            "shardId": shard["id"],
            "startSequenceNumber": batch[0]["seq"],
            "endSequenceNumber": batch[-1]["seq"],
            "approximateArrivalOfFirstRecord": logs.iso(batch[0]["arrival"], millis=kind != "dynamodb"),
            "approximateArrivalOfLastRecord": logs.iso(batch[-1]["arrival"], millis=kind != "dynamodb"),
            "batchSize": len(batch),
            "streamArn": stream_arn(state, name),
        },
    }
    if data is not None:
        # Record-age expiry never ran the batch this time, so AWS sends no response context; a batch that
        # returned normally with failed items has a null functionError.
        record["responseContext"] = {
            "statusCode": 200,
            "executedVersion": lane.get("last_version") or "$LATEST",
            "functionError": None if data["outcome"] == "success" else "Unhandled",
        }
        record = {key: record[key] for key in ("requestContext", "responseContext", "version", "timestamp", info_key)}
    target = mapping.get("on_failure")
    delivered = False
    if target:
        target_kind, target_name = push.split_target(target)
        if target_kind == "bucket" and target_name in state["config"]["buckets"]:
            # S3 gets the records themselves, as a JSON object, under Lambda's key layout.
            record["payload"] = events.batch([_event_record(state, name, shard, r) for r in batch])
            push.put_object(
                state, target_name, _failure_key(state, index, shard["id"], now), now, body=json.dumps(record)
            )
            delivered = True
        else:
            delivered = push.deliver(state, target, json.dumps(record), now)
        if delivered:
            state["trace"]["deliveries"].append(
                {
                    "kind": "destination",
                    "condition": condition,
                    "target": target,
                    "request_id": request_id,
                    "record": record,
                    "at_s": now,
                }
            )
    if not delivered:
        state["trace"]["dropped"].append(
            {
                "request_id": request_id,
                "function": fn_name,
                "reason": condition,
                "batch": [r["seq"] for r in batch],
                "at_s": now,
            }
        )
    lane["current"] = None
    lane["retries"] = 0
    lane["attempts"] = 0
    _poke_lane(state, index, key, now)
    return []
