"""S3 through the SDK: PutObject, GetObject, HeadObject, DeleteObject and ListObjectsV2 on the scenario's buckets.

Objects live in the state (``objects``: bucket, key, body in base64, size, ETag, time written). A put or a
delete fires the bucket's notifications at that moment, carrying the request chain, so an S3 write-back
loop runs for real and Lambda's recursive loop detection stops it.
"""

from __future__ import annotations

import base64
import datetime
import hashlib

from .. import events, logs, push
from . import iam
from .common import Caller, Failure, World, required

LIST_LIMIT = 1000


def _objects(world: World, bucket: str) -> dict:
    return world.state.setdefault("objects", {}).setdefault(bucket, {})


def _bucket(world: World, caller: Caller, params: dict, action: str, key: str | None = None) -> str:
    bucket = str(required(params, "Bucket"))
    if bucket not in world.state["config"]["buckets"]:
        raise Failure("NoSuchBucket", "The specified bucket does not exist", 404)
    resource = events.bucket_arn(bucket) + (f"/{key}" if key is not None else "")
    policy = world.state["config"]["buckets"][bucket].get("policy")
    iam.require(world.state, caller, "s3", action, resource, policy, shown=f'"{resource}"')
    return bucket


def _stamp(at: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(int(logs.epoch(at)), tz=datetime.UTC)


def _body_bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    return str(body).encode()


def put_object(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    key = str(required(call.params, "Key"))
    bucket = _bucket(world, caller, call.params, "s3:PutObject", key)
    data = _body_bytes(call.params.get("Body"))
    etag = '"' + hashlib.md5(data).hexdigest() + '"'
    _objects(world, bucket)[key] = {
        "body": base64.b64encode(data).decode(),
        "size": len(data),
        "etag": etag,
        "at_s": at,
        "content_type": str(call.params.get("ContentType") or "binary/octet-stream"),
    }
    push.put_object(
        world.state,
        bucket,
        key,
        at,
        size=len(data),
        body=data.decode("utf-8", errors="replace"),
        chain=caller.next_chain(),
    )
    return {"ETag": etag}, 0.0


def _stored(world: World, bucket: str, key: str) -> dict:
    stored = _objects(world, bucket).get(key)
    if stored is None:
        raise Failure("NoSuchKey", "The specified key does not exist.", 404)
    return stored


def _metadata(stored: dict) -> dict:
    return {
        "ContentLength": stored["size"],
        "ETag": stored["etag"],
        "LastModified": _stamp(stored["at_s"]),
        "ContentType": stored["content_type"],
        "AcceptRanges": "bytes",
    }


def get_object(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    key = str(required(call.params, "Key"))
    bucket = _bucket(world, caller, call.params, "s3:GetObject", key)
    stored = _stored(world, bucket, key)
    return {**_metadata(stored), "Body": base64.b64decode(stored["body"])}, 0.0


def head_object(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    key = str(required(call.params, "Key"))
    bucket = _bucket(world, caller, call.params, "s3:GetObject", key)
    return _metadata(_stored(world, bucket, key)), 0.0


def delete_object(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    key = str(required(call.params, "Key"))
    bucket = _bucket(world, caller, call.params, "s3:DeleteObject", key)
    if _objects(world, bucket).pop(key, None) is not None:
        push.put_object(
            world.state, bucket, key, at, size=0, event_name="ObjectRemoved:Delete", chain=caller.next_chain()
        )
    return {}, 0.0


def list_objects_v2(world: World, caller: Caller, call, at: float) -> tuple[dict, float]:
    bucket = _bucket(world, caller, call.params, "s3:ListBucket")
    prefix = str(call.params.get("Prefix") or "")
    limit = int(call.params.get("MaxKeys") if call.params.get("MaxKeys") is not None else LIST_LIMIT)
    after = str(call.params.get("ContinuationToken") or call.params.get("StartAfter") or "")
    keys = sorted(k for k in _objects(world, bucket) if k.startswith(prefix) and k > after)
    page, rest = keys[: max(0, min(limit, LIST_LIMIT))], keys[max(0, min(limit, LIST_LIMIT)) :]
    result: dict = {
        "IsTruncated": bool(rest),
        "Name": bucket,
        "Prefix": prefix,
        "MaxKeys": limit,
        "KeyCount": len(page),
    }
    if page:
        result["Contents"] = [
            {
                "Key": key,
                "LastModified": _stamp(_objects(world, bucket)[key]["at_s"]),
                "ETag": _objects(world, bucket)[key]["etag"],
                "Size": _objects(world, bucket)[key]["size"],
                "StorageClass": "STANDARD",
            }
            for key in page
        ]
    if rest:
        result["NextContinuationToken"] = page[-1]
    if call.params.get("ContinuationToken"):
        result["ContinuationToken"] = call.params["ContinuationToken"]
    return result, 0.0


OPERATIONS = {
    "PutObject": put_object,
    "GetObject": get_object,
    "HeadObject": head_object,
    "DeleteObject": delete_object,
    "ListObjectsV2": list_objects_v2,
}
