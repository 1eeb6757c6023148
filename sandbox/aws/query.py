"""The query protocol (STS, SNS, and SQS's older form): ``Action=...&Version=...`` form parameters in, XML out.

Parameters are flattened with dots: ``Entries.member.1.Id`` for a list, ``Attributes.entry.1.key`` for a map,
``Tag.1.Key`` when the model flattens them. SQS's model now describes its JSON form, so a query request to SQS is
read with the element names its query form used (``MessageAttribute.1.Name``, ``SendMessageBatchRequestEntry.1.Id``,
``AttributeName.1``; see ``xml_shapes.legacy_name``) and answered with them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from urllib.parse import parse_qsl

from botocore.model import OperationModel, ServiceModel, Shape

from .errors import ProtocolError
from .hosts import bare_host
from .http import HttpRequest, HttpResponse
from .values import BadValue, scalar_from_text
from .xml_shapes import legacy_name, to_xml

XML_TYPE = "text/xml"


def form_params(request: HttpRequest) -> dict[str, str]:
    """The request's parameters: the query string's, then the form body's (both form-decoded: "+" is a space)."""
    params = dict(parse_qsl(request.raw_query, keep_blank_values=True))
    if request.body:
        params.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


class _Reader:
    def __init__(self, params: dict[str, str], legacy: bool):
        self.params = params
        self.legacy = legacy
        self.prefixes = set()
        for key in params:
            parts = key.split(".")
            for end in range(1, len(parts) + 1):
                self.prefixes.add(".".join(parts[:end]))

    def present(self, prefix: str) -> bool:
        return prefix in self.prefixes

    def names(self, name: str, member: Shape) -> list[str]:
        names = [member.serialization.get("name", name)]
        if (
            member.type_name == "list"
            and member.serialization.get("flattened")
            and "name" in member.member.serialization
        ):
            names.insert(0, member.member.serialization["name"])
        if self.legacy and member.type_name in ("list", "map"):
            names.append(legacy_name(name, member))
        return names

    def read(self, shape: Shape, prefix: str) -> object:
        kind = shape.type_name
        if kind == "structure":
            result = {}
            for name, member in shape.members.items():
                for candidate in self.names(name, member):
                    key = f"{prefix}.{candidate}" if prefix else candidate
                    if self.present(key):
                        result[name] = self.read(member, key)
                        break
            return result
        if kind == "list":
            if self.params.get(prefix) == "" and not any(k.startswith(prefix + ".") for k in self.params):
                return []
            tag = shape.member.serialization.get("name", "member")
            base = prefix if shape.serialization.get("flattened") else f"{prefix}.{tag}"
            if not self.present(f"{base}.1") and self.present(f"{prefix}.member.1"):
                base = f"{prefix}.member"
            if not self.present(f"{base}.1") and self.present(f"{prefix}.1"):
                base = prefix
            items, index = [], 1
            while self.present(f"{base}.{index}"):
                items.append(self.read(shape.member, f"{base}.{index}"))
                index += 1
            return items
        if kind == "map":
            base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
            if not self.present(f"{base}.1") and self.present(f"{prefix}.1"):
                base = prefix
            key_names = [shape.key.serialization.get("name", "key"), "key", "Key", "Name", "name"]
            value_names = [shape.value.serialization.get("name", "value"), "value", "Value"]
            result, index = {}, 1
            while self.present(f"{base}.{index}"):
                entry = f"{base}.{index}"
                key = next((self.params[f"{entry}.{n}"] for n in key_names if f"{entry}.{n}" in self.params), None)
                value_key = next((f"{entry}.{n}" for n in value_names if self.present(f"{entry}.{n}")), None)
                if key is not None and value_key is not None:
                    result[key] = self.read(shape.value, value_key)
                index += 1
            return result
        if prefix not in self.params:
            return None
        try:
            return scalar_from_text(kind, self.params[prefix])
        except BadValue as problem:
            raise BadValue(f"{prefix}: {problem}") from None


def parse(service: str, model: ServiceModel, request: HttpRequest) -> tuple[str, dict]:
    """(operation, params) of a query request."""
    params = form_params(request)
    action = params.get("Action")
    if not action:
        raise ProtocolError("MissingAction", "The request must contain the parameter Action.", 400, service)
    if action not in model.operation_names:
        raise ProtocolError("InvalidAction", f"The action {action} is not valid for this web service.", 400, service)
    operation = model.operation_model(action)
    if operation.input_shape is None:
        return action, {}
    legacy = model.metadata["protocol"] != "query"
    reader = _Reader(params, legacy=legacy)
    try:
        values = reader.read(operation.input_shape, "")
    except BadValue as problem:
        raise ProtocolError("InvalidParameterValue", f"Invalid value for parameter {problem}.", 400, service) from None
    values = {key: value for key, value in values.items() if value is not None}
    if legacy and "QueueUrl" in operation.input_shape.members and "QueueUrl" not in values and request.raw_path != "/":
        # SQS's query form addresses a queue by the request's path: POST /123456789012/orders
        values["QueueUrl"] = f"https://{bare_host(request.host)}{request.raw_path}"
    return action, values


def _namespace(model: ServiceModel) -> str:
    return (
        model.metadata.get("xmlNamespace") or f"http://{model.endpoint_prefix}.amazonaws.com/doc/{model.api_version}/"
    )


def _document(root: ElementTree.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(
        root, encoding="utf-8", xml_declaration=False
    )


def serialize_result(model: ServiceModel, operation: OperationModel, result: dict, request_id: str) -> HttpResponse:
    legacy = model.metadata["protocol"] != "query"
    root = ElementTree.Element(f"{operation.name}Response", xmlns=_namespace(model))
    output = operation.output_shape
    if output is not None:
        wrapper = output.serialization.get("resultWrapper") or f"{operation.name}Result"
        root.extend(to_xml(output, result or {}, wrapper, legacy))
    metadata = ElementTree.SubElement(root, "ResponseMetadata")
    ElementTree.SubElement(metadata, "RequestId").text = request_id
    headers = (("Content-Type", XML_TYPE), ("x-amzn-RequestId", request_id))
    return HttpResponse(200, headers, _document(root))


def serialize_error(
    model: ServiceModel, code: str, message: str, status: int, sender: bool, request_id: str
) -> HttpResponse:
    root = ElementTree.Element("ErrorResponse", xmlns=_namespace(model))
    error = ElementTree.SubElement(root, "Error")
    ElementTree.SubElement(error, "Type").text = "Sender" if sender else "Receiver"
    ElementTree.SubElement(error, "Code").text = code
    ElementTree.SubElement(error, "Message").text = message
    ElementTree.SubElement(root, "RequestId").text = request_id
    headers = (("Content-Type", XML_TYPE), ("x-amzn-RequestId", request_id))
    return HttpResponse(status, headers, _document(root))
