"""SnapStart inside the runtime: the ``snapshot_restore_py`` module and the snapshot and restore phases.

Python functions on Lambda import ``snapshot_restore_py`` (part of the managed runtime) to register runtime hooks:
``register_before_snapshot`` and ``register_after_restore``, as decorators or as calls with arguments. Before-snapshot
hooks run in the reverse order of registration, after-restore hooks in the order of registration.

A restored environment here starts from the snapshot by replaying Init with everything that made the snapshot what it
was: the same entropy (``os.urandom``, ``random``, ``uuid``, ``secrets``) and the same emulated clock as when the
version was published, with its output discarded. So a value drawn at random during Init is the same in every
restored environment, as it is on Lambda, until an after-restore hook draws it again with fresh entropy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import sys
import types

_BEFORE: list[tuple] = []
_AFTER: list[tuple] = []


def _register(hooks: list):
    def register(func, *args, **kwargs):
        hooks.append((func, args, kwargs))
        return func

    return register


def install_module() -> None:
    """Make ``import snapshot_restore_py`` work, as it does in the managed Python runtimes."""
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = _register(_BEFORE)  # type: ignore[attr-defined]
    module.register_after_restore = _register(_AFTER)  # type: ignore[attr-defined]
    module.get_before_snapshot = lambda: [hook[0] for hook in _BEFORE]  # type: ignore[attr-defined]
    module.get_after_restore = lambda: [hook[0] for hook in _AFTER]  # type: ignore[attr-defined]
    sys.modules["snapshot_restore_py"] = module


def run_before_snapshot() -> None:
    for func, args, kwargs in reversed(list(_BEFORE)):
        func(*args, **kwargs)


def run_after_restore() -> None:
    for func, args, kwargs in list(_AFTER):
        func(*args, **kwargs)


class _Entropy:
    """Bytes that follow from the snapshot's seed alone: what a snapshot's memory holds, the same on every restore."""

    def __init__(self, seed: str) -> None:
        self.seed = seed.encode()
        self.counter = 0

    def take(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            self.counter += 1
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
        return out[:size]


@contextlib.contextmanager
def snapshot_entropy(seed: str):
    """Within: the randomness Init sees is the snapshot's; ``random``'s generator keeps its state afterwards."""
    source = _Entropy(seed)
    saved = (os.urandom, getattr(os, "getrandom", None), getattr(random, "_urandom", None))
    os.urandom = source.take
    if saved[1] is not None:
        os.getrandom = lambda size, flags=0: source.take(size)
    if saved[2] is not None:
        random._urandom = source.take  # type: ignore[attr-defined]  # SystemRandom and secrets read it
    random.seed(source.take(32))  # the module's generator, as the snapshot holds it
    try:
        yield
    finally:
        os.urandom = saved[0]
        if saved[1] is not None:
            os.getrandom = saved[1]
        if saved[2] is not None:
            random._urandom = saved[2]  # type: ignore[attr-defined]


@contextlib.contextmanager
def output_discarded():
    """Within: what the code prints goes nowhere (a replayed Init already logged when the version was published)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)
