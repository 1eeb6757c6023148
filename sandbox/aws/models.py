"""botocore's service models for the emulated services, loaded once, and how a request names its service.

A request names its service by, in this order: its ``X-Amz-Target`` header (``AmazonSQS.SendMessage``,
``DynamoDB_20120810.PutItem``, ``AWSEvents.PutEvents``), the service in its SigV4 credential scope (header or
presigned query), the host it was sent to (``sqs.us-east-1.amazonaws.com``), and for a form-encoded query request
without any of those, its ``Version`` parameter. The region comes from the credential scope, else the host, else
us-east-1.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import parse_qs

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

from .errors import ProtocolError
from .hosts import DEFAULT_REGION, SERVICES, region_from_host, service_from_host
from .http import HttpRequest

FORM = "application/x-www-form-urlencoded"


@cache
def _loader() -> Loader:
    return Loader()


@cache
def service_model(service: str) -> ServiceModel:
    if service not in SERVICES:
        raise ProtocolError(
            "UnknownService", f"{service!r} is not an emulated service; these are: {', '.join(SERVICES)}.", 400
        )
    return ServiceModel(_loader().load_service_model(service, "service-2"), service_name=service)


@cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


@cache
def _targets() -> dict[str, str]:
    """targetPrefix -> service, for the services that use X-Amz-Target."""
    found = {}
    for service in SERVICES:
        prefix = service_model(service).metadata.get("targetPrefix")
        if prefix:
            found[prefix] = service
    return found


@cache
def _versions() -> dict[str, str]:
    """apiVersion -> service, for the services a form-encoded query request may address."""
    return {service_model(service).api_version: service for service in ("sts", "sns", "sqs")}


def protocol_of(service: str) -> str:
    return service_model(service).metadata["protocol"]


def is_form(request: HttpRequest) -> bool:
    return (request.header("content-type") or "").lower().startswith(FORM)


def _scope(request: HttpRequest) -> tuple[str, str] | None:
    """(region, service) of the SigV4 credential scope, or None."""
    authorization = request.header("authorization") or ""
    credential = ""
    if "Credential=" in authorization:
        credential = authorization.split("Credential=", 1)[1].split(",", 1)[0].strip()
    else:
        credential = dict(request.query).get("X-Amz-Credential", "")
    parts = credential.split("/")
    if len(parts) == 5 and parts[4] == "aws4_request":
        return parts[2], parts[3]
    return None


def identify(request: HttpRequest) -> tuple[str, str]:
    """(service, region) a request is for; ProtocolError when it names no emulated service."""
    scope = _scope(request)
    region = (scope[0] if scope else None) or region_from_host(request.host) or DEFAULT_REGION
    target = request.header("x-amz-target")
    if target and "." in target:
        service = _targets().get(target.rsplit(".", 1)[0])
        if service:
            return service, region
    if scope and scope[1] in SERVICES:
        return scope[1], region
    service = service_from_host(request.host)
    if service:
        return service, region
    if is_form(request) or request.method == "GET":
        form = parse_qs(request.body.decode("utf-8", "replace")) if is_form(request) else {}
        version = (form.get("Version") or [dict(request.query).get("Version", "")])[0]
        if version in _versions():
            return _versions()[version], region
    raise ProtocolError(
        "UnknownService",
        f"The request to host {request.host!r} names no emulated AWS service (no X-Amz-Target header, no SigV4 "
        f"credential scope, no AWS host name). Emulated services: {', '.join(SERVICES)}.",
        400,
    )
