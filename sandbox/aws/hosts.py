"""Which emulated service and region an AWS host name stands for.

``sqs.us-east-1.amazonaws.com`` is SQS in us-east-1; ``my-bucket.s3.eu-west-1.amazonaws.com`` is S3 (virtual-hosted
style, the bucket is the first label); ``vpce-0a1b2c.sqs.us-east-1.vpce.amazonaws.com`` is SQS through an interface
endpoint; ``sts.amazonaws.com`` and ``s3.amazonaws.com`` are the global endpoints
(us-east-1); ``queue.amazonaws.com`` and ``<region>.queue.amazonaws.com`` are SQS's older names. Any other host (an
IP address, ``localhost``) names no service: the request's signature scope or target header has to.
"""

from __future__ import annotations

import re

SERVICES = ("lambda", "sqs", "sns", "events", "s3", "dynamodb", "sts")
DEFAULT_REGION = "us-east-1"
SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def bare_host(host: str) -> str:
    """The host name without its port, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _labels(host: str) -> list[str] | None:
    host = bare_host(host)
    for suffix in SUFFIXES:
        if host.endswith(suffix):
            return host[: -len(suffix)].split(".")
    return None


def service_from_host(host: str) -> str | None:
    """The service an AWS host name stands for, or None."""
    labels = _labels(host)
    if not labels:
        return None
    if "queue" in labels:
        return "sqs"
    for label in labels:
        if label == "s3" or label.startswith("s3-") and not label.startswith("s3-accesspoint"):
            return "s3"
    # The first label naming a service: sqs.us-east-1..., or an interface endpoint's vpce-0a1b.sqs.us-east-1.vpce...
    return next((label for label in labels if label in SERVICES), None)


def region_from_host(host: str) -> str | None:
    """The region named in an AWS host name, the global endpoints' region, or None for any other host."""
    labels = _labels(host)
    if not labels:
        return None
    for label in labels:
        if REGION.match(label):
            return label
        if label.startswith("s3-") and REGION.match(label[3:]):
            return label[3:]
    return DEFAULT_REGION


def bucket_from_host(host: str) -> str | None:
    """The bucket of a virtual-hosted-style S3 host (``<bucket>.s3.<region>.amazonaws.com``), or None."""
    labels = _labels(host)
    if not labels or service_from_host(host) != "s3":
        return None
    for index, label in enumerate(labels):
        if label == "s3" or label.startswith("s3-"):
            return ".".join(labels[:index]) or None
    return None
