"""Reproducible identifiers and random draws.

Every id the emulator hands out (request ids, message ids, sequence numbers) and every
random choice (weighted aliases, jitter) comes from a hash of the scenario seed and a
counter kept in the state, so a run is reproducible and the state stays plain JSON.
"""

from __future__ import annotations

import hashlib

from .model import State


def _digest(state: State, counter: int, salt: str) -> bytes:
    """The seed, the run's salt (none for a scenario with ``--seed``), the id's kind and its counter."""
    run_salt = state.get("salt")
    seed = f"{state['seed']}/{run_salt}" if run_salt else str(state["seed"])
    return hashlib.sha256(f"{seed}:{salt}:{counter}".encode()).digest()


def next_counter(state: State, salt: str) -> int:
    counters = state["counters"]
    counters[salt] = counters.get(salt, 0) + 1
    return counters[salt]


def uuid(state: State, salt: str = "uuid") -> str:
    """A version-4-shaped UUID drawn from the seed."""
    raw = bytearray(_digest(state, next_counter(state, salt), salt)[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def hex_id(state: State, salt: str, length: int = 32) -> str:
    return _digest(state, next_counter(state, salt), salt).hex()[:length]


def uniform(state: State, salt: str = "draw") -> float:
    """A float in [0, 1) drawn from the seed."""
    raw = _digest(state, next_counter(state, salt), salt)
    return int.from_bytes(raw[:7], "big") / float(1 << 56)


def sequence_number(state: State, stream: str) -> str:
    """Kinesis-style sequence numbers: long decimal strings that sort as numbers."""
    number = next_counter(state, f"seq:{stream}")
    return f"49{number:054d}"


def stable_hash(text: str) -> int:
    """A process-independent hash (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "big")
