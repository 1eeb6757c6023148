"""Values of a botocore shape to and from XML elements (query protocol answers, rest-xml bodies).

Element names come from the model: a member's ``locationName`` or its name; a list is wrapped (``<Tags><member>``)
unless flattened (the element repeats); a map is ``<entry><key/><value/></entry>`` unless flattened. A
``legacy`` naming recreates the element names of services that moved from the query protocol to JSON but still
accept and answer query requests (SQS): a flattened list element takes the singular of the member name
(``Messages`` -> ``Message``) or, for a name that is no plural, its member shape's name
(``Successful`` -> ``SendMessageBatchResultEntry``); a flattened map has ``Name`` and ``Value`` (``Key`` for tags).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from botocore.model import Shape

from .values import BadValue, scalar_from_text, scalar_to_text


def legacy_name(name: str, shape: Shape) -> str:
    """The element name an older query model gave a flattened list or map member."""
    if name.endswith("s") and not name.endswith(("ss", "Entries")):
        return name[:-1]
    if shape.type_name == "list":
        return shape.member.name
    return name


def legacy_map_names(name: str) -> tuple[str, str]:
    return ("Key", "Value") if name.startswith("Tag") else ("Name", "Value")


def _flattened(member: Shape) -> bool:
    return bool(member.serialization.get("flattened"))


def element_name(name: str, member: Shape, legacy: bool = False) -> str:
    """The XML element name of a structure member."""
    if "name" in member.serialization:
        if member.type_name == "list" and _flattened(member) and "name" in member.member.serialization:
            return member.member.serialization["name"]
        return member.serialization["name"]
    if legacy and _flattened(member) and member.type_name in ("list", "map"):
        return legacy_name(name, member)
    if member.type_name == "list" and _flattened(member) and "name" in member.member.serialization:
        return member.member.serialization["name"]
    return name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def from_xml(shape: Shape, element: ElementTree.Element, path: str = "") -> object:
    """The Python value of ``element`` read as ``shape``."""
    kind = shape.type_name
    where = path or shape.name
    if kind == "structure":
        result = {}
        for name, member in shape.members.items():
            member_path = f"{path}.{name}" if path else name
            if member.serialization.get("xmlAttribute"):
                attribute = member.serialization.get("name", name)
                matches = [value for key, value in element.attrib.items() if _local(key) == attribute.split(":")[-1]]
                if matches:
                    result[name] = scalar_from_text(member.type_name, matches[0])
                continue
            found = _children(element, element_name(name, member))
            if not found:
                continue
            if member.type_name in ("list", "map") and _flattened(member):
                result[name] = _flat_items(member, found, member_path)
            else:
                result[name] = from_xml(member, found[0], member_path)
        return result
    if kind == "list":
        tag = shape.member.serialization.get("name", "member")
        return [from_xml(shape.member, child, f"{where}[{i}]") for i, child in enumerate(_children(element, tag))]
    if kind == "map":
        return _map_entries(shape, _children(element, "entry"), where)
    try:
        return scalar_from_text(kind, element.text or "")
    except BadValue as problem:
        raise BadValue(f"{where}: {problem}") from None


def _flat_items(shape: Shape, elements: list[ElementTree.Element], where: str) -> object:
    if shape.type_name == "map":
        return _map_entries(shape, elements, where)
    return [from_xml(shape.member, child, f"{where}[{i}]") for i, child in enumerate(elements)]


def _map_entries(shape: Shape, entries: list[ElementTree.Element], where: str) -> dict:
    key_tag = shape.key.serialization.get("name", "key")
    value_tag = shape.value.serialization.get("name", "value")
    result = {}
    for entry in entries:
        keys, values = _children(entry, key_tag), _children(entry, value_tag)
        if keys and values:
            result[keys[0].text or ""] = from_xml(shape.value, values[0], f"{where}.{keys[0].text}")
    return result


def to_xml(shape: Shape, value: object, name: str, legacy: bool = False) -> list[ElementTree.Element]:
    """The elements that carry ``value`` of ``shape`` under the element name ``name`` (several when flattened)."""
    kind = shape.type_name
    if kind == "list" and _flattened(shape):
        return [element for item in value for element in to_xml(shape.member, item, name, legacy)]
    if kind == "map" and _flattened(shape):
        return [_map_entry(shape, key, item, name, legacy) for key, item in value.items()]
    element = ElementTree.Element(name)
    if kind == "structure":
        namespace = shape.serialization.get("xmlNamespace")
        if isinstance(namespace, dict) and namespace.get("prefix"):
            element.set(f"xmlns:{namespace['prefix']}", namespace["uri"])
        for member_name, member in shape.members.items():
            member_value = value.get(member_name) if isinstance(value, dict) else None
            if member_value is None or "location" in member.serialization:
                continue
            if member.serialization.get("xmlAttribute"):
                element.set(
                    member.serialization.get("name", member_name), scalar_to_text(member.type_name, member_value)
                )
                continue
            tag = element_name(member_name, member, legacy)
            element.extend(to_xml(member, member_value, tag, legacy))
    elif kind == "list":
        tag = shape.member.serialization.get("name", "member")
        for item in value:
            element.extend(to_xml(shape.member, item, tag, legacy))
    elif kind == "map":
        for key, item in value.items():
            element.append(_map_entry(shape, key, item, "entry", legacy))
    else:
        element.text = scalar_to_text(kind, value, shape.serialization.get("timestampFormat", "iso8601"))
    return [element]


def _map_entry(shape: Shape, key: object, item: object, tag: str, legacy: bool) -> ElementTree.Element:
    if legacy and _flattened(shape) and "name" not in shape.key.serialization:
        key_tag, value_tag = legacy_map_names(tag)
    else:
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
    entry = ElementTree.Element(tag)
    entry.extend(to_xml(shape.key, key, key_tag, legacy))
    entry.extend(to_xml(shape.value, item, value_tag, legacy))
    return entry
