"""PublishVersion: an immutable snapshot of ``$LATEST``.

A version freezes the code and the versioned settings (``config.VERSIONED_FIELDS``) and
gets the next integer. When nothing changed since the highest published version, no
version is made and that version is returned. A workspace's world keeps its published versions
frozen the same way (``freeze_world``, ``record_published``).
"""

from __future__ import annotations

import copy

from .config import VERSIONED_FIELDS, function_config, snapshot
from .model import State


def publish(state: State, step_index: int, action: dict, now: float) -> str:
    """Publish ``$LATEST`` (or find it already published); returns the version number."""
    name = str(action["function"])
    fn = state["config"]["functions"][name]
    frozen = snapshot(fn)
    numbers = sorted(int(v) for v in fn["versions"] if str(v).isdigit())
    created = True
    if numbers and _same(fn["versions"][str(numbers[-1])], frozen):
        version = str(numbers[-1])
        created = False
    else:
        version = str(numbers[-1] + 1 if numbers else 1)
        fn["versions"][version] = frozen
    state["trace"].setdefault("publishes", []).append(
        {"step": step_index, "function": name, "version": version, "created": created, "at_s": now}
    )
    return version


def _same(published: dict, frozen: dict) -> bool:
    return all(published.get(field) == value for field, value in frozen.items())


# --- a workspace's world ----------------------------------------------------------------------------------------


def freeze_world(world: dict, before: dict | None = None) -> dict:
    """The world with each published version holding the code and versioned settings it was published with.

    A version the world names with some fields missing (``{}``: "as the function is now") gets them from its
    function, once: from ``before`` (the world this one replaces) when that world already had the version, as
    those are what it was published with, else from the function in ``world``. A later edit of ``$LATEST``
    then never reaches a published version, as in Lambda. A version's ``async`` settings are not frozen.
    """
    world = copy.deepcopy(world)
    earlier = freeze_world(before) if before else {}
    for name, fn in (world.get("functions") or {}).items():
        if not isinstance(fn, dict) or not isinstance(fn.get("versions"), dict):
            continue
        old = ((earlier.get("functions") or {}).get(name) or {}).get("versions") or {}
        current = snapshot(function_config({key: value for key, value in fn.items() if key != "versions"}))
        for number, version in list(fn["versions"].items()):
            given = dict(version) if isinstance(version, dict) else {}
            published = old.get(number)
            if not isinstance(published, dict):
                published = {}
            frozen = {field: published[field] for field in VERSIONED_FIELDS if field in published}
            fn["versions"][number] = {**current, **given, **frozen}
    return world


def record_published(world: dict, state: State) -> dict:
    """The world with the versions a run published (``publish_version`` steps), frozen as the state holds them."""
    world = copy.deepcopy(world)
    for name, fn in state["config"]["functions"].items():
        spec = (world.get("functions") or {}).get(name)
        if not isinstance(spec, dict):
            continue
        versions = spec.setdefault("versions", {}) if isinstance(spec.get("versions", {}), dict) else None
        if versions is None:
            continue
        for number, version in fn["versions"].items():
            if str(number) not in {str(v) for v in versions}:
                versions[str(number)] = {field: copy.deepcopy(version.get(field)) for field in VERSIONED_FIELDS}
    return world
