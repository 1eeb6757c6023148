"""The events Lambda hands to handlers, one builder per source: the one place their shapes are written.

The emulator calls these builders when it delivers an event; the sandbox's test-event templates and
the tests call them with example values. Every builder is pure: ids, sequence numbers and times come
in as arguments (times as scenario seconds, turned into the emulated wall clock by ``logs``), so the
same arguments give the same event.

Sources: SQS, SNS, EventBridge, S3, Kinesis, DynamoDB Streams, API Gateway REST proxy (payload 1.0),
HTTP API (payload 2.0) and function URLs (payload 2.0 with ``routeKey`` ``$default``).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import struct
import urllib.parse

from . import logs

DYNAMODB_TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS")
SNS_CERTIFICATE_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"
S3_PRINCIPAL = "AWS:AIDAEXAMPRPEMULATOR01"
S3_OWNER = "A3EXAMPRPOWNER"
CLIENT_IP = "203.0.113.10"


# --- ARNs ----------------------------------------------------------------------------------


def queue_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


def topic_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


def bus_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:events:{region}:{account}:event-bus/{name}"


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def kinesis_stream_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:kinesis:{region}:{account}:stream/{name}"


def dynamodb_stream_arn(region: str, account: str, table: str) -> str:
    """A table's stream; its label is the time the stream was enabled (scenario time 0)."""
    return f"arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{logs.iso(0.0)[:-1]}"


# --- SQS -------------------------------------------------------------------------------------


def sqs_record(
    *,
    queue_arn: str,
    region: str,
    message_id: str,
    receive_count: int,
    body: str,
    attributes: dict,
    message_attributes: dict,
    md5_of_body: str,
) -> dict:
    """One record of an SQS batch; ``attributes`` are the system attributes (SentTimestamp...)."""
    record = {
        "messageId": message_id,
        "receiptHandle": f"AQEB{message_id.replace('-', '')}{receive_count}",
        "body": body,
        "attributes": dict(attributes),
        "messageAttributes": sqs_message_attributes(message_attributes),
        "md5OfBody": md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message_attributes:
        record = {
            **{key: record[key] for key in ("messageId", "receiptHandle", "body", "attributes", "messageAttributes")},
            "md5OfMessageAttributes": md5_of_message_attributes(message_attributes),
            **{key: record[key] for key in ("md5OfBody", "eventSource", "eventSourceARN", "awsRegion")},
        }
    return record


def sqs_message_attributes(attributes: dict) -> dict:
    """Message attributes as Lambda hands them over: lower camel case, a binary value in base64."""
    out: dict[str, dict] = {}
    for name, value in attributes.items():
        data_type, text, binary = _sqs_attribute_parts(value)
        field: dict[str, str | None] = (
            {"binaryValue": base64.b64encode(binary).decode()} if binary is not None else {"stringValue": text}
        )
        out[name] = {**field, "stringListValues": [], "binaryListValues": [], "dataType": data_type}
    return out


def md5_of_message_attributes(attributes: dict) -> str:
    """SQS's digest of the attributes: for each name in order, length-prefixed name, type and value,
    with a transport byte between type and value (1 text, 2 binary)."""
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        data_type, text, binary = _sqs_attribute_parts(attributes[name])
        value = binary if binary is not None else str(text).encode()
        for part in (name.encode(), data_type.encode()):
            digest.update(struct.pack(">I", len(part)) + part)
        digest.update(b"\x02" if binary is not None else b"\x01")
        digest.update(struct.pack(">I", len(value)) + value)
    return digest.hexdigest()


def _sqs_attribute_parts(value) -> tuple[str, str | None, bytes | None]:
    """(data type, text, bytes) of an attribute given as ``{type, value}``, ``{DataType, StringValue}``
    or a plain text or number. A binary value given as text is taken as its UTF-8 bytes."""
    if isinstance(value, dict):
        data_type = str(value.get("DataType") or value.get("type") or "String")
        raw = value.get("StringValue", value.get("BinaryValue", value.get("value")))
    else:
        plain_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        data_type, raw = ("Number" if plain_number else "String"), value
    if isinstance(raw, (list, dict)):
        raw = json.dumps(raw)
    elif raw is not None and not isinstance(raw, (str, bytes)):
        raw = str(raw).lower() if isinstance(raw, bool) else str(raw)
    if data_type.split(".")[0] == "Binary":
        return data_type, None, raw if isinstance(raw, bytes) else str(raw or "").encode()
    return data_type, None if raw is None else str(raw), None


sqs_attribute_parts = _sqs_attribute_parts


def batch(records: list[dict]) -> dict:
    """The event of a batch source (SQS, Kinesis, DynamoDB Streams) or a push source's records."""
    return {"Records": list(records)}


# --- SNS -------------------------------------------------------------------------------------


def sns_notification(
    *, message_id: str, topic_arn: str, subject: str | None, message: str, now: float, attributes: dict
) -> dict:
    """The notification SNS delivers: inside a function's event, or as the body an SQS subscriber gets."""
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic_arn,
        "Subject": subject,
        "Message": message,
        "Timestamp": logs.iso(now),
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        "SigningCertUrl": SNS_CERTIFICATE_URL,
        "UnsubscribeUrl": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}",
        "MessageAttributes": {k: {"Type": "String", "Value": str(v)} for k, v in attributes.items()},
    }


def sns_event(notification: dict, subscription_arn: str) -> dict:
    """The event a function subscribed to a topic receives (one record per delivery)."""
    record = {"EventVersion": "1.0", "EventSubscriptionArn": subscription_arn, "EventSource": "aws:sns"}
    return batch([{**record, "Sns": notification}])


# --- EventBridge -------------------------------------------------------------------------------


def eventbridge_event(
    *,
    event_id: str,
    source: str,
    detail_type: str,
    detail,
    now: float,
    resources: list,
    region: str,
    account: str,
) -> dict:
    """The EventBridge envelope; note the key ``detail-type`` with a hyphen."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": logs.iso(now, millis=False),
        "region": region,
        "resources": list(resources),
        "detail": detail if detail is not None else {},
    }


# --- S3 ----------------------------------------------------------------------------------------


def s3_event(
    *,
    region: str,
    now: float,
    event_name: str,
    request_id: str,
    host_id: str,
    configuration_id: str,
    bucket: str,
    key: str,
    size: int,
    etag: str,
    sequencer: str,
) -> dict:
    """An S3 notification for one object. The key arrives URL-encoded (a space is ``+``)."""
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": logs.iso(now),
        "eventName": event_name,
        "userIdentity": {"principalId": S3_PRINCIPAL},
        "requestParameters": {"sourceIPAddress": CLIENT_IP},
        "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": host_id},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": S3_OWNER}, "arn": bucket_arn(bucket)},
            "object": {
                "key": urllib.parse.quote_plus(key, safe="/"),
                "size": size,
                "eTag": etag,
                "sequencer": sequencer,
            },
        },
    }
    return batch([record])


# --- Kinesis and DynamoDB Streams ---------------------------------------------------------------


def kinesis_record(
    *,
    stream_arn: str,
    region: str,
    account: str,
    shard_id: str,
    sequence_number: str,
    partition_key: str,
    data: str,
    arrival: float,
) -> dict:
    """One Kinesis record; ``data`` (text) is base64-encoded as Lambda delivers it."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": base64.b64encode(data.encode()).decode(),
            "approximateArrivalTimestamp": round(logs.epoch(arrival), 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{account}:role/lambda-role",
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def to_dynamodb(value):
    """A plain value as a DynamoDB attribute value (``{"N": "101"}``); typed values pass unchanged."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in DYNAMODB_TYPES:
        return value
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if isinstance(value, dict):
        return {"M": {k: to_dynamodb(v) for k, v in value.items()}}
    if isinstance(value, list):
        return {"L": [to_dynamodb(v) for v in value]}
    return {"S": str(value)}


def dynamodb_record(
    *,
    stream_arn: str,
    region: str,
    event_name: str,
    keys: dict,
    new_image: dict | None,
    old_image: dict | None,
    sequence_number: str,
    created: float,
    view_type: str = "NEW_AND_OLD_IMAGES",
) -> dict:
    """One DynamoDB Streams record; keys and images are typed. The table's stream view type decides
    which images it carries: KEYS_ONLY none, NEW_IMAGE / OLD_IMAGE one, NEW_AND_OLD_IMAGES both."""
    change = {
        "Keys": keys,
        "SequenceNumber": sequence_number,
        "SizeBytes": len(json.dumps(keys)),
        "StreamViewType": view_type,
        "ApproximateCreationDateTime": int(logs.epoch(created)),
    }
    if new_image and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["NewImage"] = new_image
    if old_image and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        change["OldImage"] = old_image
    return {
        "eventID": sequence_number[-32:],
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }


# --- API Gateway -------------------------------------------------------------------------------


def rest_proxy_event(
    *,
    api_id: str,
    stage: str,
    account: str,
    request_id: str,
    now: float,
    method: str | None,
    path: str | None,
    headers: dict | None,
    query: dict | None,
    body,
) -> dict:
    """A REST API Lambda proxy event (payload format 1.0) for the route ``/{proxy+}``; absent maps are null."""
    path = "/" + str(path or "/").lstrip("/")
    method = str(method or "GET").upper()
    headers = {str(k): str(v) for k, v in (headers or {}).items()} or None
    query = {str(k): str(v) for k, v in (query or {}).items()} or None
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} if headers else None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "accountId": account,
            "apiId": api_id,
            "requestId": request_id,
            "requestTimeEpoch": int(logs.epoch(now) * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": CLIENT_IP, "userAgent": "examprep-sandbox"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def http_api_event(
    *,
    api_id: str,
    region: str,
    account: str,
    request_id: str,
    now: float,
    method: str,
    path: str,
    headers: dict | None = None,
    query: dict | None = None,
    body=None,
) -> dict:
    """An HTTP API Lambda proxy event (payload format 2.0) on the ``$default`` stage.

    Header names are lower case; optional keys (queryStringParameters, body) are left out when
    empty, as API Gateway does.
    """
    headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    query = {str(k): str(v) for k, v in (query or {}).items()}
    route_key = f"{method} {path}"
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    moment = datetime.datetime.fromtimestamp(logs.epoch(now), tz=datetime.UTC)
    event: dict = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": urllib.parse.urlencode(query),
        "headers": {"host": domain, **headers},
    }
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": account,
        "apiId": api_id,
        "domainName": domain,
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": CLIENT_IP,
            "userAgent": headers.get("user-agent", "examprep-sandbox"),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": logs.epoch_ms(now),
    }
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    event["isBase64Encoded"] = False
    return event


# --- Function URLs ---------------------------------------------------------------------------


def function_url_domain(url_id: str, region: str) -> str:
    return f"{url_id}.lambda-url.{region}.on.aws"


def function_url_event(
    *,
    url_id: str,
    region: str,
    account: str,
    request_id: str,
    now: float,
    method: str,
    path: str,
    query: str = "",
    headers: dict | None = None,
    body: str | None = None,
    is_base64: bool = False,
    iam: dict | None = None,
    source_ip: str = CLIENT_IP,
) -> dict:
    """The event a function URL hands to its function (payload format 2.0).

    ``query`` is the raw query string; ``queryStringParameters`` joins repeated names with commas
    and is left out when there is no query. Header names are lower case; the ``cookie`` header
    becomes the ``cookies`` list. ``iam`` (accessKey, accountId, callerId, userArn, userId) is the
    signer of an ``AWS_IAM`` request; a ``NONE`` URL's caller is ``anonymous`` with no authorizer.
    ``routeKey`` and ``stage`` are the placeholder ``$default``; ``body`` is absent when empty.
    """
    domain = function_url_domain(url_id, region)
    given = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    cookie_header = given.pop("cookie", "")
    cookies = [part.strip() for part in cookie_header.split(";") if part.strip()]
    moment = datetime.datetime.fromtimestamp(logs.epoch(now), tz=datetime.UTC)
    event_headers = {
        "host": domain,
        "x-amzn-tls-version": "TLSv1.3",
        "x-amzn-tls-cipher-suite": "TLS_AES_128_GCM_SHA256",
        "x-amzn-trace-id": "Root=1-" + format(int(logs.epoch(now)), "08x") + "-" + request_id.replace("-", "")[:24],
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "x-forwarded-for": source_ip,
        **{k: v for k, v in given.items() if k != "host"},
    }
    event: dict = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = event_headers
    if query:
        joined: dict[str, list[str]] = {}
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            joined.setdefault(key, []).append(value)
        event["queryStringParameters"] = {key: ",".join(values) for key, values in joined.items()}
    context: dict = {"accountId": account if iam else "anonymous", "apiId": url_id}
    if iam:
        context["authorizer"] = {"iam": {**iam, "cognitoIdentity": None, "principalOrgId": None}}
    context.update(
        {
            "domainName": domain,
            "domainPrefix": url_id,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": given.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": logs.epoch_ms(now),
        }
    )
    event["requestContext"] = context
    if body:
        event["body"] = body
    event["isBase64Encoded"] = bool(body) and is_base64
    return event
