"""The REST protocols: rest-json (Lambda) and rest-xml (S3).

An operation is found from the method and the path against every operation's ``requestUri`` template in the model
(``/2015-03-31/functions/{FunctionName}/invocations``, ``/{Bucket}/{Key+}``, ``/{Bucket}?list-type=2``): literal
query keys in a template must be present; the most specific template wins, a deprecated operation last. Members
then come from where the
model puts them: URI labels, query string, headers (``x-amz-meta-`` prefixed maps too), the payload member (raw
bytes for blobs, a JSON or XML document for structures), or the JSON or XML body. A virtual-hosted S3 request
(``<bucket>.s3.<region>.amazonaws.com``) is routed as its path-style form. An ``aws-chunked`` S3 upload body is
decoded, and its trailing checksum becomes the checksum member; S3 checks the body against its declared digests
(``digests.py``).
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel, Shape

from .digests import check_digests
from .errors import ProtocolError
from .hosts import bucket_from_host
from .http import HttpRequest, HttpResponse
from .json_shapes import from_json, to_json
from .values import HTTP_DATE, BadValue, scalar_from_text, scalar_to_text
from .xml_shapes import from_xml, to_xml

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
LABEL = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern
    labels: tuple[str, ...]
    query: tuple[tuple[str, str | None], ...]  # literal query keys (and values) the template requires
    needs: tuple[tuple[str, str], ...]  # ("header" | "querystring", name) of required members found there
    score: tuple[int, int, int, int]


def _compile(operation: OperationModel) -> Route:
    uri = operation.http["requestUri"]
    path, _, query_text = uri.partition("?")
    labels, pattern, position = [], "", 0
    for match in LABEL.finditer(path):
        pattern += re.escape(path[position : match.start()])
        name = match.group(1)
        greedy = name.endswith("+")
        labels.append(name.rstrip("+"))
        pattern += f"(?P<g{len(labels) - 1}>{'.+' if greedy else '[^/]+'})"
        position = match.end()
    literal_tail = path[position:]
    pattern += re.escape(literal_tail.rstrip("/")) + "/?"
    query = []
    for part in query_text.split("&"):
        if part:
            key, equals, value = part.partition("=")
            query.append((key, value if equals else None))
    literal_chars = len(LABEL.sub("", path))
    needs = []
    shape = operation.input_shape
    if shape is not None:
        for name in shape.required_members:
            member = shape.members[name]
            location = member.serialization.get("location")
            if location in ("header", "querystring"):
                wire = member.serialization.get("name", name)
                needs.append((location, wire.lower() if location == "header" else wire))
    required = len([key for key, _ in query if key != "x-id"]) + len(needs)
    return Route(
        operation=operation.name,
        method=operation.http["method"],
        pattern=re.compile(pattern + r"\Z"),
        labels=tuple(labels),
        query=tuple(query),
        needs=tuple(needs),
        score=(required, literal_chars, -len(labels), 0 if operation.deprecated else 1),
    )


@cache
def _routes(service: str, model: ServiceModel) -> tuple[Route, ...]:
    routes = [_compile(model.operation_model(name)) for name in model.operation_names]
    return tuple(sorted(routes, key=lambda route: route.score, reverse=True))


def route(
    service: str, model: ServiceModel, method: str, path: str, query: dict[str, str], headers: dict[str, str]
) -> tuple[str, dict]:
    """(operation, URI labels) for a method, a path-style path, its query and its headers (lower-case names)."""
    allowed = []
    for candidate in _routes(service, model):
        match = candidate.pattern.match(path)
        if not match:
            continue
        if any(
            key not in query or (value is not None and key != "x-id" and query[key] != value)
            for key, value in candidate.query
            if key != "x-id"
        ):
            continue
        if any(name not in (headers if where == "header" else query) for where, name in candidate.needs):
            continue
        wanted_id = dict(candidate.query).get("x-id")
        if "x-id" in query and wanted_id is not None and query["x-id"] != wanted_id:
            continue
        if candidate.method != method:
            allowed.append(candidate.method)
            continue
        labels = {name: unquote(match.group(f"g{i}")) for i, name in enumerate(candidate.labels)}
        return candidate.operation, labels
    if service == "s3":
        if allowed:
            raise ProtocolError(
                "MethodNotAllowed", "The specified method is not allowed against this resource.", 405, service
            )
        raise ProtocolError("InvalidRequest", f"No S3 operation answers {method} {path}.", 400, service)
    raise ProtocolError(
        "UnknownOperationException",
        f"No {service} operation answers {method} {path}.",
        404 if not allowed else 405,
        service,
    )


def decode_aws_chunked(body: bytes) -> tuple[bytes, dict[str, str]]:
    """(data, trailing headers) of an ``aws-chunked`` body."""
    position, parts, trailers = 0, [], {}
    while True:
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            raise BadValue("the aws-chunked body ends inside a chunk header")
        size_text = body[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BadValue(f"malformed aws-chunked chunk size {size_text[:20]!r}") from None
        position = line_end + 2
        if size == 0:
            for line in body[position:].split(b"\r\n"):
                name, colon, value = line.decode("latin-1").partition(":")
                if colon:
                    trailers[name.strip().lower()] = value.strip()
            return b"".join(parts), trailers
        parts.append(body[position : position + size])
        position += size + 2


def _is_xml(model: ServiceModel) -> bool:
    return model.metadata["protocol"] == "rest-xml"


def _body_document(service: str, model: ServiceModel, shape: Shape, body: bytes) -> dict:
    if not body.strip():
        return {}
    if _is_xml(model):
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as problem:
            raise ProtocolError(
                "MalformedXML", f"The XML you provided was not well-formed: {problem}.", 400, service
            ) from None
        return from_xml(shape, root)
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as problem:
        raise ProtocolError(
            "SerializationException", f"The request body is not valid JSON: {problem}.", 400, service
        ) from None
    return from_json(shape, document)


def _header_value(member: Shape, text: str) -> object:
    if member.serialization.get("jsonvalue"):
        return json.loads(base64.b64decode(text))
    if member.type_name == "list":
        return [scalar_from_text(member.member.type_name, item.strip()) for item in text.split(",")]
    return scalar_from_text(member.type_name, text)


def parse(service: str, model: ServiceModel, request: HttpRequest) -> tuple[str, dict]:
    path = request.raw_path
    bucket = bucket_from_host(request.host) if service == "s3" else None
    if bucket:
        path = "/" + bucket + (path if path != "/" else "")
    pairs = request.query
    query = dict(pairs)
    headers = {key.lower(): value for key, value in reversed(request.headers)}
    name, labels = route(service, model, request.method, path, query, headers)
    operation = model.operation_model(name)
    shape = operation.input_shape
    if shape is None:
        return name, {}
    body = request.body
    encoding = headers.get("content-encoding", "")
    if "aws-chunked" in encoding or headers.get("x-amz-content-sha256", "").startswith("STREAMING-"):
        try:
            body, trailers = decode_aws_chunked(body)
        except BadValue as problem:
            raise ProtocolError("IncompleteBody", f"The request body is malformed: {problem}.", 400, service) from None
        headers.update(trailers)
        remaining = ",".join(part for part in encoding.split(",") if part.strip() and part.strip() != "aws-chunked")
        headers.pop("content-encoding", None)
        if remaining:
            headers["content-encoding"] = remaining
        if "x-amz-decoded-content-length" in headers:
            headers["content-length"] = headers["x-amz-decoded-content-length"]
    if service == "s3":
        check_digests(headers, body)
    params: dict = {}
    payload = shape.serialization.get("payload")
    try:
        for member_name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", member_name)
            if location == "uri" and wire in labels:
                params[member_name] = scalar_from_text(member.type_name, labels[wire])
            elif location == "querystring":
                if member.type_name == "map":
                    params[member_name] = {key: value for key, value in pairs}
                elif member.type_name == "list":
                    values = [value for key, value in pairs if key == wire]
                    if values:
                        params[member_name] = [scalar_from_text(member.member.type_name, v) for v in values]
                elif wire in query:
                    params[member_name] = scalar_from_text(member.type_name, query[wire])
            elif location == "header" and wire.lower() in headers:
                params[member_name] = _header_value(member, headers[wire.lower()])
            elif location == "headers":
                prefix = wire.lower()
                found = {key[len(prefix) :]: value for key, value in headers.items() if key.startswith(prefix)}
                if found:
                    params[member_name] = found
        if payload:
            member = shape.members[payload]
            if member.type_name == "blob":
                params[payload] = body
            elif member.type_name == "string":
                params[payload] = body.decode("utf-8")
            elif body.strip():
                params[payload] = _body_document(service, model, member, body)
        elif any("location" not in member.serialization for member in shape.members.values()):
            params.update(_body_document(service, model, shape, body))
    except BadValue as problem:
        code = "InvalidArgument" if service == "s3" else "InvalidParameterValueException"
        raise ProtocolError(code, f"Invalid value for {name}: {problem}.", 400, service) from None
    return name, params


def _header_text(member: Shape, value: object) -> str:
    if member.serialization.get("jsonvalue"):
        return base64.b64encode(json.dumps(value).encode("utf-8")).decode("ascii")
    if member.type_name == "list":
        return ",".join(scalar_to_text(member.member.type_name, item) for item in value)
    return scalar_to_text(member.type_name, value, member.serialization.get("timestampFormat", HTTP_DATE))


def _xml_document(element: ElementTree.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element, encoding="utf-8")


def request_id_headers(service: str, request_id: str) -> list[tuple[str, str]]:
    if service == "s3":
        host_id = base64.b64encode(request_id.encode("utf-8")).decode("ascii")
        return [("x-amz-request-id", request_id), ("x-amz-id-2", host_id)]
    return [("x-amzn-RequestId", request_id)]


def serialize_result(
    service: str, model: ServiceModel, operation: OperationModel, result: dict, request_id: str
) -> HttpResponse:
    result = result or {}
    status = operation.http.get("responseCode", 200)
    headers = request_id_headers(service, request_id)
    shape = operation.output_shape
    body = b""
    content_type = "application/xml" if _is_xml(model) else "application/json"
    if shape is not None:
        payload = shape.serialization.get("payload")
        body_members = {}
        for member_name, member in shape.members.items():
            value = result.get(member_name)
            if value is None:
                continue
            location = member.serialization.get("location")
            wire = member.serialization.get("name", member_name)
            if location == "statusCode":
                status = int(value)
            elif location == "header":
                headers.append((wire, _header_text(member, value)))
            elif location == "headers":
                headers.extend((f"{wire}{key}", str(item)) for key, item in value.items())
            elif member_name != payload:
                body_members[member_name] = value
        if payload:
            member = shape.members[payload]
            value = result.get(payload)
            if member.type_name in ("blob", "string"):
                body = value if isinstance(value, bytes) else (value or "").encode("utf-8")
                content_type = "application/octet-stream" if _is_xml(model) else "application/json"
            elif value is not None:
                if _is_xml(model):
                    root = to_xml(member, value, member.serialization.get("name", member.name))[0]
                    root.set("xmlns", S3_NAMESPACE)
                    body = _xml_document(root)
                else:
                    body = json.dumps(to_json(member, value)).encode("utf-8")
        elif body_members or any("location" not in m.serialization for m in shape.members.values()):
            if _is_xml(model):
                root = to_xml(shape, body_members, shape.serialization.get("name", f"{operation.name}Result"))[0]
                root.set("xmlns", S3_NAMESPACE)
                body = _xml_document(root)
            else:
                body = json.dumps(to_json(shape, body_members)).encode("utf-8")
    names = {name.lower() for name, _ in headers}
    if "content-type" not in names and body:
        headers.append(("Content-Type", content_type))
    if operation.http["method"] != "HEAD":
        headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
    elif "content-length" not in names:
        headers.append(("Content-Length", "0"))
    return HttpResponse(status, tuple(headers), b"" if operation.http["method"] == "HEAD" else body)


def serialize_error(
    service: str,
    model: ServiceModel,
    method: str | None,
    code: str,
    message: str,
    status: int,
    sender: bool,
    request_id: str,
) -> HttpResponse:
    headers = request_id_headers(service, request_id)
    if _is_xml(model):
        headers.append(("Content-Type", "application/xml"))
        if method == "HEAD":
            return HttpResponse(status, tuple(headers + [("Content-Length", "0")]), b"")
        root = ElementTree.Element("Error")
        ElementTree.SubElement(root, "Code").text = code
        ElementTree.SubElement(root, "Message").text = message
        ElementTree.SubElement(root, "RequestId").text = request_id
        ElementTree.SubElement(root, "HostId").text = headers[1][1]
        return HttpResponse(status, tuple(headers), _xml_document(root))
    headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    body = {"Type": "User" if sender else "Service", "Message": message}
    if code in model.shape_names:
        # A modeled error names its own members: Lambda's ResourceNotFoundException has Type and Message, its
        # TooManyRequestsException a lower-case message.
        members = model.shape_for(code).members
        body = {"Type": body["Type"]} if "Type" in members else {}
        body["message" if "message" in members else "Message"] = message
    return HttpResponse(status, tuple(headers), json.dumps(body).encode("utf-8"))
