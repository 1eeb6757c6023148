"""SnapStart: Init runs once when a version is published; new environments of that version restore from it.

A function with ``snap_start: {apply_on: PublishedVersions}`` gets a snapshot for each published version (declared
``versions`` at time 0, ``publish_version`` steps when they run): Init and the before-snapshot hooks run in an
environment made for it, whose log (``INIT_START`` ... ``INIT_REPORT``) goes to the trace's ``snapshots``, and which
is then destroyed. Every environment that version needs afterwards starts from the snapshot (the executor is given
its seed and clock): its log opens with ``RESTORE_START``, the after-restore hooks run, and REPORT shows ``Restore
Duration`` and ``Billed Restore Duration`` instead of ``Init Duration``. ``$LATEST`` never uses a snapshot.
"""

from __future__ import annotations

import hashlib

from . import ids, logs
from .config import version_config
from .model import State

RESTORE_LIMIT_MS = 10_000.0  # the runtime must load and the after-restore hooks finish within 10 s
TIMEOUT_ERROR = "SnapStartTimeoutException"
TIMEOUT_MESSAGE = "Lambda couldn't restore the snapshot within the timeout limit."
TIMEOUT_STATUS = 408  # what the Invoke API answers when the restore times out


def applies(fn: dict, version: str) -> bool:
    """Whether a version of this (version-resolved) function configuration uses SnapStart."""
    setting = fn.get("snap_start") or {}
    return version != "$LATEST" and isinstance(setting, dict) and setting.get("apply_on") == "PublishedVersions"


def key(function: str, version: str) -> str:
    return f"{function}:{version}"


def snapshot_of(state: State, function: str, version: str) -> dict | None:
    return state.get("snapshots", {}).get(key(function, version))


def take(state: State, function: str, version: str, now: float, spec_for) -> list[dict]:
    """The effect that takes a version's snapshot, if the version uses SnapStart and has none yet.

    ``spec_for(env)`` builds the environment spec (the caller knows the network); the effect carries the rest.
    """
    fn = version_config(state["config"]["functions"][function], version)
    if not applies(fn, version) or snapshot_of(state, function, version) is not None:
        return []
    seed = hashlib.sha256(f"{ids.hex_id(state, 'snapshot')}:{function}:{version}".encode()).hexdigest()[:32]
    snapshots = state.setdefault("snapshots", {})
    snapshots[key(function, version)] = {"seed": seed, "at_s": now, "clock_s": logs.epoch(now), "status": "pending"}
    env_id = f"env-{ids.next_counter(state, 'env')}"
    env = {"id": env_id, "log_stream": logs.log_stream_name(now, version, ids.hex_id(state, "stream"))}
    return [{"kind": "snapshot", "env": env_id, "spec": spec_for(env), "function": function, "version": version}]


def restore_settings(state: State, function: str, version: str) -> dict | None:
    """What a new environment of this version restores from (None: it runs Init as usual)."""
    snapshot = snapshot_of(state, function, version)
    if snapshot is None:
        return None
    return {"phase": "restore", "seed": snapshot["seed"], "clock_s": snapshot["clock_s"]}


def record(state: State, effect: dict, init) -> None:
    """The snapshot's Init ran: keep how it went and its log."""
    function, version = effect["function"], effect["version"]
    snapshot = state.get("snapshots", {}).get(key(function, version))
    if snapshot is None:
        return
    runtime = str(state["config"]["functions"][function].get("runtime") or "python3.12")
    status = "success" if init.ok else ("timeout" if init.status == "timeout" else "error")
    snapshot["status"] = status
    lines = [logs.init_start_line(runtime, state["config"]["account"]["region"])]
    lines.extend(logs.split_output(init.logs))
    error_type = (init.error or {}).get("errorType") if not init.ok else None
    lines.append(logs.init_report_line(init.init_duration_ms, status, error_type))
    state["trace"].setdefault("snapshots", []).append(
        {
            "function": function,
            "version": version,
            "at_s": snapshot["at_s"],
            "status": status,
            "init_duration_ms": round(float(init.init_duration_ms), 3),
            # Creating the snapshot is billed: Init and the before-snapshot hooks, rounded up to the ms.
            "billed_duration_ms": logs.billed_ms(float(init.init_duration_ms), None, False),
            "error": dict(init.error) if init.error else None,
            "logs": lines,
        }
    )


def restore_report(restore_ms: float) -> tuple[str, str]:
    """The RESTORE_REPORT line, and the REPORT line's restore fields."""
    billed = logs.billed_ms(restore_ms, None, False)
    return (
        f"RESTORE_REPORT Restore Duration: {restore_ms:.2f} ms",
        f"Restore Duration: {restore_ms:.2f} ms\tBilled Restore Duration: {billed} ms",
    )


def restore_start_line(runtime: str, region: str) -> str:
    return logs.init_start_line(runtime, region).replace("INIT_START", "RESTORE_START", 1)
