"""What one student may ask of the sandbox: sizes and counts, checked before a run is accepted.

Pure functions over plain values; each returns a message in plain words (or None), which
``workspaces.start_run`` raises as ``SandboxLimitError``. ``bound_trace`` cuts what a finished run
stores to a size the pages can show. The numbers can be changed in settings (``SANDBOX_<NAME>``,
e.g. ``SANDBOX_RUNS_PER_MINUTE = 30``).
"""

from __future__ import annotations

import copy
import json

DEFAULTS = {
    "RUNS_PER_MINUTE": 20,  # runs one student may start in any 60 seconds
    "QUEUED_RUNS_PER_WORKSPACE": 5,  # runs waiting or running in one workspace
    "QUEUED_RUNS_PER_USER": 10,  # runs waiting or running in all of one student's workspaces: the fair share
    "QUEUED_RUNS": 200,  # runs waiting or running on the whole site: bounds queued work, however many accounts
    "WAITING_REQUESTS_PER_WORKSPACE": 3,  # function URL requests and endpoint Invokes waiting at once, per workspace
    "WAITING_REQUESTS": 8,  # the same on the whole site: each holds a web thread for up to 30 s
    "WORKSPACES_PER_USER": 20,
    "FUNCTIONS": 10,  # functions per workspace
    "RESOURCES": 40,  # queues, topics, streams, buses, buckets, mappings, hosts, URLs, permissions, users
    "CODE_BYTES": 256 * 1024,  # handler module plus extra files, per function
    "LAYER_BYTES": 256 * 1024,  # the files of all versions of one layer
    "STEPS": 50,  # steps per run
    "INVOCATIONS": 200,  # handler invocations a run's steps may ask for (repeat counts included)
    "STEPS_BYTES": 2 * 1024 * 1024,  # all events of one run, as JSON
    "TRACE_BYTES": 2 * 1024 * 1024,  # what one run stores (its trace, as JSON)
    "TRACE_ITEMS": 500,  # responses, attempts, deliveries... kept per list of a run's trace
    "TRACE_VALUE_BYTES": 64 * 1024,  # one payload, response, message body or log of a trace, as JSON
}
TRACE_LISTS = (
    "responses",
    "attempts",
    "deliveries",
    "connections",
    "dropped",
    "api_responses",
    "url_responses",
    "executions",
    "publishes",
    "function_states",
    "snapshots",
    "layer_versions",
    "sdk_calls",
)
TRACE_NAMED = ("queues", "topics", "buses", "buckets")  # name -> list of messages or records
NAMED_ITEMS = {
    "queues": "queue messages",
    "topics": "topic messages",
    "buses": "bus events",
    "buckets": "bucket records",
}
MIN_VALUE_BYTES = 256
MIN_ITEMS = 1

RESOURCE_SECTIONS = ("queues", "topics", "streams", "buses", "buckets", "tables", "function_urls", "users")


def limit(name: str) -> int:
    from django.conf import settings

    return int(getattr(settings, f"SANDBOX_{name}", DEFAULTS[name]))


def _size(value) -> int:
    return len(json.dumps(value, separators=(",", ":"), default=str).encode())


def _kb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


def world_problem(world: dict, limits: dict) -> str | None:
    """The first limit a world breaks, in words, or None."""
    functions = world.get("functions") or {}
    if isinstance(functions, dict) and len(functions) > limits["FUNCTIONS"]:
        return (
            f"This workspace has {len(functions)} functions; the sandbox allows {limits['FUNCTIONS']}. "
            "Delete a function you no longer need, or start a new workspace."
        )
    count = sum(len(world.get(section) or {}) for section in RESOURCE_SECTIONS)
    count += len(world.get("event_source_mappings") or []) + len(world.get("permissions") or [])
    count += len((world.get("network") or {}).get("hosts") or {})
    if count > limits["RESOURCES"]:
        return (
            f"This workspace has {count} queues, topics, streams, buses, buckets, tables, mappings, hosts, "
            "function URLs, permissions and users together; "
            f"the sandbox allows {limits['RESOURCES']}. Remove some, or start a new workspace."
        )
    for name, function in functions.items() if isinstance(functions, dict) else ():
        if not isinstance(function, dict):
            continue
        code = len(str(function.get("code") or "").encode())
        code += sum(len(str(text).encode()) for text in (function.get("files") or {}).values())
        if code > limits["CODE_BYTES"]:
            return (
                f"The code of function {name} is {_kb(code)}; the sandbox accepts up to "
                f"{_kb(limits['CODE_BYTES'])} per function. Move large data out of the source."
            )
    return _layer_problem(world.get("layers"), limits)


def _layer_problem(layers, limits: dict) -> str | None:
    if not isinstance(layers, dict):
        return None
    for name, layer in layers.items():
        versions = layer.get("versions") if isinstance(layer, dict) else None
        size = 0
        for version in versions if isinstance(versions, list) else []:
            files = version.get("files") if isinstance(version, dict) else None
            size += sum(len(str(text).encode()) for text in (files.values() if isinstance(files, dict) else ()))
        if size > limits["LAYER_BYTES"]:
            return (
                f"The versions of layer {name} hold {_kb(size)} of files; the sandbox accepts up to "
                f"{_kb(limits['LAYER_BYTES'])} per layer. Use extra_bytes to stand for a large library."
            )
    return None


def invocation_count(steps: list) -> int:
    total = 0
    for step in steps:
        if isinstance(step, dict) and isinstance(step.get("invoke"), dict):
            try:
                total += max(1, int(step["invoke"].get("repeat", 1) or 1))
            except (TypeError, ValueError):
                total += 1
    return total


def steps_problem(steps: list, limits: dict) -> str | None:
    """The first limit a run's steps break, in words, or None."""
    if len(steps) > limits["STEPS"]:
        return f"A run may have up to {limits['STEPS']} steps; this one has {len(steps)}. Split it into several runs."
    invocations = invocation_count(steps)
    if invocations > limits["INVOCATIONS"]:
        return (
            f"This run asks for {invocations} invocations; the sandbox runs up to {limits['INVOCATIONS']} per run. "
            "Lower the burst size (repeat)."
        )
    size = _size(steps)
    if size > limits["STEPS_BYTES"]:
        return (
            f"The events in this run add up to {_kb(size)}; the sandbox accepts up to {_kb(limits['STEPS_BYTES'])} "
            "per run (real Lambda accepts 6 MB for a synchronous and 1 MB for an asynchronous invocation)."
        )
    return None


def rate_problem(recent_runs: int, queued_in_workspace: int, limits: dict) -> str | None:
    if recent_runs >= limits["RUNS_PER_MINUTE"]:
        return (
            f"You have started {recent_runs} runs in the last minute; the sandbox allows {limits['RUNS_PER_MINUTE']}. "
            "Wait a few seconds and try again."
        )
    if queued_in_workspace >= limits["QUEUED_RUNS_PER_WORKSPACE"]:
        return (
            f"{queued_in_workspace} runs are still waiting in this workspace; wait for them to finish before "
            "starting another."
        )
    return None


def queue_problem(queued_for_user: int, queued_on_site: int, limits: dict) -> str | None:
    """A student may have ``QUEUED_RUNS_PER_USER`` runs waiting at once, and the site ``QUEUED_RUNS``.

    Runs are taken in the order they were accepted, so another student's run waits behind at most
    ``QUEUED_RUNS_PER_USER`` runs of any one student, and behind ``QUEUED_RUNS`` in all.
    """
    if queued_for_user >= limits["QUEUED_RUNS_PER_USER"]:
        return (
            f"You have {queued_for_user} runs waiting or running across your workspaces; the sandbox runs up to "
            f"{limits['QUEUED_RUNS_PER_USER']} per student at a time, so that every student gets a fair share. "
            "Wait for one to finish, then start this run again."
        )
    if queued_on_site >= limits["QUEUED_RUNS"]:
        return (
            f"The sandbox is busy: {queued_on_site} runs are waiting for the whole site, its limit "
            f"({limits['QUEUED_RUNS']}). The run was not started; try again in a minute."
        )
    return None


def current() -> dict:
    return {name: limit(name) for name in DEFAULTS}


def trace_limits() -> dict:
    """Only the limits ``bound_trace`` reads (it runs once per finished run)."""
    return {name: limit(name) for name in ("TRACE_BYTES", "TRACE_ITEMS", "TRACE_VALUE_BYTES")}


# --- what a run stores -------------------------------------------------------------------------------------------


def bound_trace(trace: dict, limits: dict) -> dict:
    """``trace`` cut to ``TRACE_BYTES``: lists keep their first ``TRACE_ITEMS`` items, and a payload, response,
    message or log larger than ``TRACE_VALUE_BYTES`` keeps its beginning. Returns the trace itself when it fits,
    else a cut copy whose ``cut`` lists, in words, what was left out. Counts in ``metrics`` are never cut."""
    if _size(trace) <= limits["TRACE_BYTES"]:
        return trace
    items, value_bytes = limits["TRACE_ITEMS"], limits["TRACE_VALUE_BYTES"]
    while True:
        notes: dict[str, int] = {}
        cut = _cut_trace(trace, items, value_bytes, notes)
        if _size(cut) <= limits["TRACE_BYTES"] or (items <= MIN_ITEMS and value_bytes <= MIN_VALUE_BYTES):
            break
        items, value_bytes = max(MIN_ITEMS, items // 2), max(MIN_VALUE_BYTES, value_bytes // 4)
    sentences = [
        f"The trace is larger than the {_kb(limits['TRACE_BYTES'])} the sandbox keeps per run, so it was cut.",
        *(_cut_sentence(what, count, items, value_bytes) for what, count in sorted(notes.items())),
    ]
    if _size(cut) > limits["TRACE_BYTES"]:  # still too big: keep the counts and the metrics only
        cut = _cut_trace(trace, 0, value_bytes, {})
        sentences.append("Even so it was too large: only the counts and metrics are kept.")
    cut["cut"] = sentences
    return cut


def _cut_trace(trace: dict, items: int, value_bytes: int, notes: dict[str, int]) -> dict:
    cut = copy.copy(trace)
    for key in TRACE_LISTS:
        if isinstance(trace.get(key), list):
            cut[key] = _cut_list(trace[key], key, items, value_bytes, notes)
    for key in TRACE_NAMED:
        if isinstance(trace.get(key), dict):
            cut[key] = {
                name: _cut_list(entries, key, items, value_bytes, notes) if isinstance(entries, list) else entries
                for name, entries in trace[key].items()
            }
    return cut


def _cut_list(entries: list, what: str, items: int, value_bytes: int, notes: dict[str, int]) -> list:
    if len(entries) > items:
        notes[f"items:{what}"] = notes.get(f"items:{what}", 0) + len(entries) - items
    kept = []
    for entry in entries[:items]:
        if isinstance(entry, dict) and _size(entry) > value_bytes:
            entry = {key: _cut_value(value, value_bytes, notes) for key, value in entry.items()}
        elif not isinstance(entry, dict) and _size(entry) > value_bytes:
            entry = _cut_value(entry, value_bytes, notes)
        kept.append(entry)
    return kept


def _cut_value(value, value_bytes: int, notes: dict[str, int]):
    size = _size(value)
    if size <= value_bytes:
        return value
    notes["values"] = notes.get("values", 0) + 1
    if isinstance(value, list) and all(isinstance(line, str) for line in value):  # log lines: keep the first ones
        kept, used = [], 0
        for line in value:
            used += len(line.encode()) + 4
            if used > value_bytes:
                break
            kept.append(line)
        return [*kept, f"[... {_kb(size)} of logs in all; the rest was not kept]"]
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text.encode()[:value_bytes].decode("utf-8", "ignore") + f" [... {_kb(size)} in all; the rest was not kept]"


def _cut_sentence(what: str, count: int, items: int, value_bytes: int) -> str:
    if what == "values":
        return f"{count} payloads, messages or logs larger than {_kb(value_bytes)} keep only their beginning."
    key = what.partition(":")[2]
    name = NAMED_ITEMS.get(key, key.replace("_", " "))
    return f"{count} {name} beyond the first {items} of a list are not kept."
