"""The exact event shapes Lambda hands to handlers (lambda-semantics.md 5.2-5.4).

Builders for SQS messages and batches, Kinesis and DynamoDB Streams records, SNS
notifications, S3 notifications, EventBridge events and API Gateway proxy events
(REST payload 1.0, HTTP payload 2.0), plus ARN helpers.

Everything is deterministic: ids, receipt handles and sequence numbers come from the
arguments (use ``stable_id`` to derive ids from a seed and a counter), and times are
emulated epoch seconds passed in. Nothing here reads a clock or a random source.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import uuid
from datetime import UTC, datetime
from urllib.parse import quote_plus, urlencode

REGION = "us-east-1"
ACCOUNT = "123456789012"
SENDER_ID = "AIDAIENQZJOLO23YVJ4VO"
DYNAMODB_STREAM_LABEL = "2024-01-01T00:00:00.000"


# --- ids, times, ARNs -----------------------------------------------------------------


def stable_id(*parts) -> str:
    """A UUID-shaped id derived from ``parts`` (e.g. a seed, a kind and a counter)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def iso_time(epoch_s: float, millis: bool = True) -> str:
    """``2019-11-14T18:16:05.568Z`` (or without milliseconds)."""
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(epoch_s: float) -> int:
    return int(round(epoch_s * 1000))


def arn(kind: str, name: str, region: str = REGION, account: str = ACCOUNT, qualifier: str | None = None) -> str:
    """The ARN of a resource of the scenario.

    ``kind`` is one of function, queue, topic, bus, rule, stream (Kinesis), table,
    dynamodb_stream (``name`` is the table), bucket, role, log_group.
    """
    if kind == "function":
        suffix = f":{qualifier}" if qualifier else ""
        return f"arn:aws:lambda:{region}:{account}:function:{name}{suffix}"
    builders = {
        "queue": lambda: f"arn:aws:sqs:{region}:{account}:{name}",
        "topic": lambda: f"arn:aws:sns:{region}:{account}:{name}",
        "bus": lambda: f"arn:aws:events:{region}:{account}:event-bus/{name}",
        "rule": lambda: f"arn:aws:events:{region}:{account}:rule/{name}",
        "stream": lambda: f"arn:aws:kinesis:{region}:{account}:stream/{name}",
        "table": lambda: f"arn:aws:dynamodb:{region}:{account}:table/{name}",
        "dynamodb_stream": lambda: f"arn:aws:dynamodb:{region}:{account}:table/{name}/stream/{DYNAMODB_STREAM_LABEL}",
        "bucket": lambda: f"arn:aws:s3:::{name}",
        "role": lambda: f"arn:aws:iam::{account}:role/{name}",
        "log_group": lambda: f"arn:aws:logs:{region}:{account}:log-group:{name}",
    }
    if kind not in builders:
        raise ValueError(f"unknown ARN kind {kind!r}; use one of function, {', '.join(builders)}")
    return builders[kind]()


def queue_url(name: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"https://sqs.{region}.amazonaws.com/{account}/{name}"


# --- SQS ---------------------------------------------------------------------------------


def message_attributes(attributes: dict | None) -> dict:
    """Scenario attributes (``name: value`` or ``name: {type, value}``) in SQS's own form."""
    out = {}
    for name, value in (attributes or {}).items():
        if isinstance(value, dict):
            kind, content = value.get("type", "String"), value.get("value")
        else:
            kind = "Number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "String"
            content = value
        if kind == "Binary":
            raw = content if isinstance(content, bytes) else str(content).encode()
            out[name] = {"DataType": kind, "BinaryValue": base64.b64encode(raw).decode()}
        else:
            out[name] = {"DataType": kind, "StringValue": content if isinstance(content, str) else json.dumps(content)}
    return out


def md5_of_message_attributes(attributes: dict) -> str:
    """SQS's MD5 over message attributes (``message_attributes`` form), sorted by name."""
    buffer = b""
    for name in sorted(attributes):
        spec = attributes[name]
        buffer += _length_prefixed(name.encode()) + _length_prefixed(spec["DataType"].encode())
        if "BinaryValue" in spec:
            buffer += b"\x02" + _length_prefixed(base64.b64decode(spec["BinaryValue"]))
        else:
            buffer += b"\x01" + _length_prefixed(spec["StringValue"].encode())
    return hashlib.md5(buffer).hexdigest()  # noqa: S324 (AWS's checksum, not security)


def _length_prefixed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def receipt_handle(message_id: str, receive_count: int) -> str:
    digest = hashlib.sha256(f"{message_id}/{receive_count}".encode()).digest() * 3
    return "AQEB" + base64.b64encode(digest).decode()


def sqs_record(
    queue: str,
    message_id: str,
    body: str,
    sent_s: float,
    receive_count: int = 1,
    first_receive_s: float | None = None,
    attributes: dict | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    sequence_number: str | None = None,
    region: str = REGION,
    account: str = ACCOUNT,
) -> dict:
    """One record of an SQS batch event; ``attributes`` are the message attributes.

    For FIFO queues pass ``group_id``, ``deduplication_id`` and ``sequence_number``:
    they appear inside ``attributes`` as AWS puts them.
    """
    system = {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": str(epoch_ms(sent_s))}
    if group_id is not None:
        system["SequenceNumber"] = sequence_number or fifo_sequence_number(0)
        system["MessageGroupId"] = group_id
    system["SenderId"] = SENDER_ID
    if group_id is not None:
        system["MessageDeduplicationId"] = deduplication_id or hashlib.sha256(body.encode()).hexdigest()
    system["ApproximateFirstReceiveTimestamp"] = str(
        epoch_ms(first_receive_s if first_receive_s is not None else sent_s)
    )
    sqs_attributes = message_attributes(attributes)
    record = {
        "messageId": message_id,
        "receiptHandle": receipt_handle(message_id, receive_count),
        "body": body,
        "attributes": system,
        "messageAttributes": {name: _lambda_attribute(spec) for name, spec in sqs_attributes.items()},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
    }
    if sqs_attributes:
        record["md5OfMessageAttributes"] = md5_of_message_attributes(sqs_attributes)
    record.update(
        {"eventSource": "aws:sqs", "eventSourceARN": arn("queue", queue, region, account), "awsRegion": region}
    )
    return record


def _lambda_attribute(spec: dict) -> dict:
    out = {"stringListValues": [], "binaryListValues": [], "dataType": spec["DataType"]}
    if "BinaryValue" in spec:
        return {"binaryValue": spec["BinaryValue"], **out}
    return {"stringValue": spec["StringValue"], **out}


def fifo_sequence_number(position: int) -> str:
    """A FIFO queue's 20-digit, ever-increasing sequence number."""
    return f"{18849496460467696128 + position:020d}"


def sqs_event(records: list[dict]) -> dict:
    return {"Records": list(records)}


# --- Kinesis -------------------------------------------------------------------------------


def shard_id(index: int) -> str:
    return f"shardId-{index:012d}"


def kinesis_sequence_number(shard_index: int, position: int) -> str:
    """A 56-digit sequence number that grows with ``position`` within a shard."""
    return f"49{shard_index:012d}{position:042d}"


def kinesis_record(
    stream: str,
    shard_index: int,
    sequence_number: str,
    partition_key: str,
    data: bytes | str,
    arrival_s: float,
    role: str = "lambda-role",
    region: str = REGION,
    account: str = ACCOUNT,
) -> dict:
    """One Kinesis record; ``data`` is base64-encoded as Lambda delivers it."""
    raw = data.encode() if isinstance(data, str) else data
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": base64.b64encode(raw).decode(),
            "approximateArrivalTimestamp": round(arrival_s, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id(shard_index)}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": arn("role", role, region, account),
        "awsRegion": region,
        "eventSourceARN": arn("stream", stream, region, account),
    }


def kinesis_event(records: list[dict]) -> dict:
    return {"Records": list(records)}


# --- DynamoDB Streams ------------------------------------------------------------------------


def to_dynamodb(value):
    """A plain value as a DynamoDB typed attribute value (``{"S": "x"}``, ``{"N": "1"}``...)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, (int, float)):
        return {"N": json.dumps(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes):
        return {"B": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {"M": {str(k): to_dynamodb(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [to_dynamodb(v) for v in value]}
    raise TypeError(f"can't store {type(value).__name__} in DynamoDB")


def dynamodb_sequence_number(position: int) -> str:
    return f"{100000000000000000000 + position:021d}"


def dynamodb_record(
    table: str,
    event_id: str,
    event_name: str,
    keys: dict,
    sequence_number: str,
    created_s: float,
    new_image: dict | None = None,
    old_image: dict | None = None,
    view_type: str = "NEW_AND_OLD_IMAGES",
    region: str = REGION,
    account: str = ACCOUNT,
) -> dict:
    """One DynamoDB Streams record; keys and images are plain dicts, typed here.

    Which images appear follows the event and the stream view type: INSERT has no
    old image, REMOVE no new image, KEYS_ONLY neither.
    """
    change = {"ApproximateCreationDateTime": int(created_s), "Keys": to_dynamodb(keys)["M"]}
    wants_new = view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and event_name != "REMOVE"
    wants_old = view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and event_name != "INSERT"
    if wants_new and new_image is not None:
        change["NewImage"] = to_dynamodb(new_image)["M"]
    if wants_old and old_image is not None:
        change["OldImage"] = to_dynamodb(old_image)["M"]
    change["SequenceNumber"] = sequence_number
    sized = {k: v for k, v in change.items() if k in ("Keys", "NewImage", "OldImage")}
    change["SizeBytes"] = len(json.dumps(sized, separators=(",", ":")).encode())
    change["StreamViewType"] = view_type
    return {
        "eventID": event_id,
        "eventName": event_name,
        "eventVersion": "1.0",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": change,
        "eventSourceARN": arn("dynamodb_stream", table, region, account),
    }


def dynamodb_event(records: list[dict]) -> dict:
    return {"Records": list(records)}


# --- SNS, S3, EventBridge ---------------------------------------------------------------------


def sns_event(
    topic: str,
    message_id: str,
    message: str,
    published_s: float,
    subscription_id: str,
    subject: str | None = None,
    attributes: dict | None = None,
    region: str = REGION,
    account: str = ACCOUNT,
) -> dict:
    """The event a function subscribed to a topic receives (one record per delivery)."""
    topic_arn = arn("topic", topic, region, account)
    subscription_arn = f"{topic_arn}:{subscription_id}"
    signature = base64.b64encode(hashlib.sha256(f"{message_id}{message}".encode()).digest() * 8).decode()
    sns_attributes = {}
    for name, spec in message_attributes(attributes).items():
        sns_attributes[name] = {"Type": spec["DataType"], "Value": spec.get("StringValue", spec.get("BinaryValue"))}
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": iso_time(published_s),
                    "SignatureVersion": "1",
                    "Signature": signature,
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-"
                    "0000000000000000000000000000000.pem",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
                    f"{subscription_arn}",
                    "MessageAttributes": sns_attributes,
                },
            }
        ]
    }


def s3_event(
    bucket: str,
    key: str,
    event_time_s: float,
    request_id: str,
    size: int = 0,
    event_name: str = "ObjectCreated:Put",
    configuration_id: str = "notification-1",
    sequencer: int = 0,
    region: str = REGION,
) -> dict:
    """An S3 notification for one object. The key arrives URL-encoded (a space is ``+``)."""
    digest = hashlib.md5(f"{bucket}/{key}/{size}".encode()).hexdigest()  # noqa: S324
    obj = {"key": quote_plus(key, safe="/"), "sequencer": f"{sequencer:018X}"}
    if not event_name.startswith("ObjectRemoved"):
        obj = {"key": obj["key"], "size": size, "eTag": digest, "sequencer": obj["sequencer"]}
    token = hashlib.sha256(request_id.encode()).hexdigest()
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": iso_time(event_time_s),
                "eventName": event_name,
                "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
                "requestParameters": {"sourceIPAddress": "205.255.255.255"},
                "responseElements": {
                    "x-amz-request-id": token[:16].upper(),
                    "x-amz-id-2": base64.b64encode(bytes.fromhex(token)).decode(),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": configuration_id,
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                        "arn": arn("bucket", bucket),
                    },
                    "object": obj,
                },
            }
        ]
    }


def eventbridge_event(
    event_id: str,
    source: str,
    detail_type: str,
    detail: dict,
    time_s: float,
    resources: list | None = None,
    region: str = REGION,
    account: str = ACCOUNT,
) -> dict:
    """The EventBridge envelope; note the key ``detail-type`` with a hyphen."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_time(time_s, millis=False),
        "region": region,
        "resources": list(resources or []),
        "detail": detail,
    }


# --- API Gateway --------------------------------------------------------------------------


def _body_text(body) -> str | None:
    if body is None or isinstance(body, str):
        return body
    return json.dumps(body)


def _clf_time(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _query_lists(query: dict | None) -> dict:
    return {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in (query or {}).items()}


def apigw_rest_event(
    method: str,
    path: str,
    request_id: str,
    time_s: float,
    headers: dict | None = None,
    query: dict | None = None,
    body=None,
    resource: str | None = None,
    path_parameters: dict | None = None,
    stage: str = "prod",
    api_id: str = "1234567890",
    source_ip: str = "198.51.100.7",
    account: str = ACCOUNT,
    region: str = REGION,
) -> dict:
    """A REST API Lambda proxy event (payload format 1.0).

    ``query`` values may be lists (repeated parameters); the single-valued maps keep
    the last value, as API Gateway does. Absent maps are null.
    """
    headers = dict(headers or {})
    lists = _query_lists(query)
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    resource = resource or path
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers or None,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
        "queryStringParameters": {k: v[-1] for k, v in lists.items()} or None,
        "multiValueQueryStringParameters": lists or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": api_id,
            "extendedRequestId": request_id.replace("-", "")[:16] + "=",
            "httpMethod": method,
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "curl/8.5.0")},
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": _clf_time(time_s),
            "requestTimeEpoch": epoch_ms(time_s),
            "resourceId": hashlib.sha256(resource.encode()).hexdigest()[:6],
            "resourcePath": resource,
            "stage": stage,
        },
        "body": _body_text(body),
        "isBase64Encoded": False,
    }


def apigw_http_event(
    method: str,
    path: str,
    request_id: str,
    time_s: float,
    headers: dict | None = None,
    query: dict | None = None,
    body=None,
    route_key: str | None = None,
    path_parameters: dict | None = None,
    cookies: list | None = None,
    stage: str = "$default",
    api_id: str = "r3pmxmplak",
    source_ip: str = "198.51.100.7",
    account: str = ACCOUNT,
    region: str = REGION,
) -> dict:
    """An HTTP API Lambda proxy event (payload format 2.0).

    Header names are lower case; repeated query parameters are joined with commas.
    Optional keys (cookies, queryStringParameters, pathParameters, body) are left out
    when empty, as API Gateway does.
    """
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    lists = _query_lists(query)
    route_key = route_key or f"{method} {path}"
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": urlencode([(k, x) for k, v in lists.items() for x in v]),
    }
    if cookies:
        event["cookies"] = list(cookies)
    event["headers"] = headers
    if lists:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in lists.items()}
    event["requestContext"] = {
        "accountId": account,
        "apiId": api_id,
        "domainName": f"{api_id}.execute-api.{region}.amazonaws.com",
        "domainPrefix": api_id,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", "curl/8.5.0"),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": stage,
        "time": _clf_time(time_s),
        "timeEpoch": epoch_ms(time_s),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if body is not None:
        event["body"] = _body_text(body)
    event["isBase64Encoded"] = False
    return event
