"""Lambda layers: small sets of files published as immutable, numbered versions.

A scenario's ``layers`` section holds each layer's versions in order (version 1 first) and the numbers that were
deleted. A function lists up to five versions as ``NAME:VERSION``; their files appear under ``/opt`` in that order,
a later layer's file replacing an earlier one's, and ``/opt/python`` is on the import path. A deleted version stays
usable by the functions that already list it: only new references to it fail. Publishing a new version changes no
function: each keeps the version it names until it is updated to name the new one.
"""

from __future__ import annotations

import copy

from .model import State


def layer_config(given: dict | None) -> dict:
    layer: dict = {"versions": [], "deleted": []}
    for version in (given or {}).get("versions") or []:
        layer["versions"].append(version_config(version))
    layer["deleted"] = sorted({int(v) for v in (given or {}).get("deleted") or []})
    return layer


def version_config(given: dict | None) -> dict:
    given = given or {}
    return {
        "files": {str(k): str(v) for k, v in (given.get("files") or {}).items()},
        "extra_bytes": int(given.get("extra_bytes") or 0),
        "description": str(given.get("description") or ""),
    }


def split_ref(ref: str) -> tuple[str, int] | None:
    """``("shared", 2)`` for ``"shared:2"`` (or a layer version ARN); None when it names no version."""
    name, _, number = str(ref).rpartition(":")
    if not name or not number.isdigit():
        return None
    return name.rsplit(":", 1)[-1], int(number)


def arn(region: str, account_id: str, name: str, version: int | str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:layer:{name}:{version}"


def version_size(version: dict) -> int:
    """Unzipped bytes of one layer version: its files plus what ``extra_bytes`` declares."""
    return sum(len(text.encode()) for text in version["files"].values()) + int(version.get("extra_bytes") or 0)


def files_for(layers: dict, refs: list) -> dict[str, str]:
    """The files under /opt for a function listing ``refs``, merged in order: a later layer's file wins."""
    merged: dict[str, str] = {}
    for ref in refs or []:
        parsed = split_ref(ref)
        if parsed is None:
            continue
        name, number = parsed
        versions = (layers.get(name) or {}).get("versions") or []
        if 1 <= number <= len(versions):
            merged.update(versions[number - 1]["files"])
    return merged


def publish(state: State, index: int, action: dict, now: float) -> None:
    """PublishLayerVersion: the next number of the layer, whatever functions use."""
    layers = state["config"]["layers"]
    layer = layers.setdefault(str(action["layer"]), {"versions": [], "deleted": []})
    layer["versions"].append(version_config(copy.deepcopy(action)))
    state["trace"].setdefault("layer_versions", []).append(
        {
            "step": index,
            "layer": str(action["layer"]),
            "version": len(layer["versions"]),
            "action": "published",
            "at_s": now,
        }
    )


def delete(state: State, index: int, action: dict, now: float) -> None:
    """DeleteLayerVersion: new references fail; functions that list it keep its files."""
    layer = state["config"]["layers"].get(str(action["layer"]))
    number = int(action["version"])
    if layer is not None and number not in layer["deleted"]:
        layer["deleted"] = sorted([*layer["deleted"], number])
    state["trace"].setdefault("layer_versions", []).append(
        {"step": index, "layer": str(action["layer"]), "version": number, "action": "deleted", "at_s": now}
    )
