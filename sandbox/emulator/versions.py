"""PublishVersion: an immutable snapshot of ``$LATEST``.

A version freezes the code and the versioned settings (``config.VERSIONED_FIELDS``) and
gets the next integer. When nothing changed since the highest published version, no
version is made and that version is returned.
"""

from __future__ import annotations

from .config import snapshot
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
