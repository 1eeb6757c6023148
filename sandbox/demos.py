"""Runnable explanations: the scenario files under sandbox/demos/, one per behaviour a question rests on.

A demo is a scenario (docs/scenarios.md) with two more top-level keys: ``watch`` (one line telling the student
what to look at in the trace) and ``expect`` (checks over the trace, in the small vocabulary below). The loader
strips both before the scenario is validated or run, and ``check`` reads a trace and says which expectations it
does not meet, so a test can prove that each demo still shows what its questions claim.

Every check is a mapping with one key, its kind. Counts take ``count`` (exact), ``min`` and/or ``max``; with
none of them the check asks for at least one match.

- ``attempts``, ``responses``, ``deliveries``, ``dropped``, ``connections``, ``api_responses``,
  ``executions``, ``function_states``, ``publishes``, ``snapshots``, ``layer_versions``: count the entries of that trace list whose fields match
  every other key (a mapping value matches when it is contained in the field, recursively).
- ``queue: {name, attribute}``: count the messages left in a queue, optionally only those carrying the message
  attribute or system attribute ``attribute``.
- ``metric: {function, name}``: the value of a per-function metric (``throttles``, ``errors``, ...).
- ``environments: {function}``: the number of distinct execution environments that ran the function.
- ``batch_item_failures: {function}``: the items all of the function's responses listed in
  ``batchItemFailures``.
- ``retry_gaps: {function, gaps_s: [[low, high], ...]}``: the gaps between the end of one attempt and the start
  of the next attempt of the same request id, in order, each within its range (the first request retried).
- ``billed_includes_init: {function, expected}``: whether the cold starts' billed duration covers the Init
  Duration as well as the handler's duration.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEMO_DIR = Path(__file__).resolve().parent / "demos"
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXTRA_KEYS = ("watch", "expect")
LISTS = (
    "attempts",
    "responses",
    "deliveries",
    "dropped",
    "connections",
    "api_responses",
    "executions",
    "function_states",
    "publishes",
    "snapshots",
    "layer_versions",
    "sdk_calls",
)
SPECIAL = ("queue", "metric", "environments", "batch_item_failures", "retry_gaps", "billed_includes_init")
KINDS = LISTS + SPECIAL
BOUNDS = ("count", "min", "max")


class DemoError(ValueError):
    """A demo file breaks the demo format; the message names the file and the problem."""


@dataclass(frozen=True)
class Demo:
    name: str
    watch: str
    expect: tuple = ()
    source: str = ""
    data: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def title(self) -> str:
        return str(self.data.get("title") or self.name).replace("-", " ")

    @property
    def description(self) -> str:
        return str(self.data.get("description") or "").strip()


def read_demo(path: Path) -> Demo:
    source = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(source) or {}
    except yaml.YAMLError as error:
        raise DemoError(f"{path.name}: invalid YAML: {error}") from error
    if not isinstance(data, dict):
        raise DemoError(f"{path.name}: a demo is a mapping")
    watch = data.get("watch")
    if not isinstance(watch, str) or not watch.strip() or "\n" in watch.strip():
        raise DemoError(f"{path.name}: watch must be one line of text")
    expect = data.get("expect")
    if not isinstance(expect, list) or not expect:
        raise DemoError(f"{path.name}: expect must be a non-empty list of checks")
    for index, item in enumerate(expect):
        problem = _check_problem(item)
        if problem:
            raise DemoError(f"{path.name}: expect[{index}]: {problem}")
    return Demo(name=path.stem, watch=watch.strip(), expect=tuple(expect), source=source, data=data)


def _check_problem(item) -> str | None:
    if not isinstance(item, dict) or len(item) != 1:
        return "each check is a mapping with exactly one key, its kind"
    ((kind, spec),) = item.items()
    if kind not in KINDS:
        return f"unknown check {kind!r}; known: {', '.join(KINDS)}"
    if not isinstance(spec, dict):
        return f"{kind} takes a mapping"
    for bound in BOUNDS:
        if bound in spec and not (isinstance(spec[bound], int) and not isinstance(spec[bound], bool)):
            return f"{kind}.{bound} must be a whole number"
    needed = {
        "queue": ("name",),
        "metric": ("function", "name"),
        "environments": ("function",),
        "batch_item_failures": ("function",),
        "retry_gaps": ("function", "gaps_s"),
        "billed_includes_init": ("function", "expected"),
    }.get(kind, ())
    missing = [key for key in needed if key not in spec]
    if missing:
        return f"{kind} needs {', '.join(missing)}"
    if kind == "retry_gaps" and not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(n, (int, float)) for n in pair)
        for pair in spec["gaps_s"]
    ):
        return "retry_gaps.gaps_s is a list of [low, high] pairs in seconds"
    return None


def demo_dir() -> Path:
    return DEMO_DIR


def all_demos(directory: Path | None = None) -> tuple[Demo, ...]:
    folder = Path(directory) if directory else demo_dir()
    return tuple(read_demo(path) for path in sorted(folder.glob("*.yaml")))


def demo_names(directory: Path | None = None) -> set[str]:
    folder = Path(directory) if directory else demo_dir()
    return {path.stem for path in folder.glob("*.yaml")}


def find_demo(name: str, directory: Path | None = None) -> Demo | None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        return None
    path = (Path(directory) if directory else demo_dir()) / f"{name}.yaml"
    return read_demo(path) if path.is_file() else None


def scenario_of(demo: Demo) -> dict:
    """The demo's scenario: a fresh copy without ``watch`` and ``expect``, ready to validate and run."""
    return {key: copy.deepcopy(value) for key, value in demo.data.items() if key not in EXTRA_KEYS}


def check(demo: Demo, trace: dict) -> list[str]:
    """What the trace fails to show of the demo's expectations; empty when it shows all of them."""
    problems = []
    for item in demo.expect:
        ((kind, spec),) = item.items()
        problem = _evaluate(kind, spec, trace)
        if problem:
            problems.append(f"{kind} {_describe(spec)}: {problem}")
    return problems


def _describe(spec: dict) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in spec.items()) + "}"


def _evaluate(kind: str, spec: dict, trace: dict) -> str | None:
    if kind in LISTS:
        filters = {key: value for key, value in spec.items() if key not in BOUNDS}
        found = sum(1 for entry in trace.get(kind) or [] if _matches(entry, filters))
        return _bounds(spec, found)
    if kind == "queue":
        messages = (trace.get("queues") or {}).get(spec["name"])
        if messages is None:
            return f"the trace has no queue {spec['name']!r}"
        wanted = spec.get("attribute")
        found = sum(1 for message in messages if wanted is None or _has_attribute(message, wanted))
        return _bounds(spec, found)
    if kind == "metric":
        metrics = (trace.get("metrics") or {}).get(spec["function"]) or {}
        if spec["name"] not in metrics:
            return f"the trace has no metric {spec['name']!r} for {spec['function']!r}"
        return _bounds(spec, metrics[spec["name"]])
    attempts = [a for a in trace.get("attempts") or [] if a.get("function") == spec["function"]]
    if kind == "environments":
        return _bounds(spec, len({a["environment_id"] for a in attempts if a.get("environment_id")}))
    if kind == "batch_item_failures":
        found = sum(
            len(a["response"].get("batchItemFailures") or []) for a in attempts if isinstance(a.get("response"), dict)
        )
        return _bounds(spec, found)
    if kind == "retry_gaps":
        return _retry_gaps(attempts, spec["gaps_s"])
    return _billed_includes_init(attempts, bool(spec["expected"]))


def _matches(entry, wanted) -> bool:
    if isinstance(wanted, dict):
        return isinstance(entry, dict) and all(
            key in entry and _matches(entry[key], value) for key, value in wanted.items()
        )
    return entry == wanted


def _has_attribute(message: dict, name: str) -> bool:
    return name in (message.get("message_attributes") or {}) or name in (message.get("attributes") or {})


def _bounds(spec: dict, found) -> str | None:
    if "count" in spec and found != spec["count"]:
        return f"expected {spec['count']}, found {found}"
    if "min" in spec and found < spec["min"]:
        return f"expected at least {spec['min']}, found {found}"
    if "max" in spec and found > spec["max"]:
        return f"expected at most {spec['max']}, found {found}"
    if not any(bound in spec for bound in BOUNDS) and not found:
        return "expected at least 1, found 0"
    return None


def _retry_gaps(attempts: list, ranges: list) -> str | None:
    by_request: dict[str, list] = {}
    for attempt in attempts:
        by_request.setdefault(attempt["request_id"], []).append(attempt)
    retried = next((runs for runs in by_request.values() if len(runs) > 1), None)
    if retried is None:
        return "no request was attempted more than once"
    retried.sort(key=lambda a: a["start_s"])
    gaps = [round(later["start_s"] - earlier["end_s"], 3) for earlier, later in zip(retried, retried[1:], strict=False)]
    if len(gaps) != len(ranges):
        return f"expected {len(ranges)} gaps, found {len(gaps)} ({gaps} s)"
    for gap, (low, high) in zip(gaps, ranges, strict=True):
        if not low <= gap <= high:
            return f"gap {gap} s is outside [{low}, {high}] s (gaps {gaps} s)"
    return None


def _billed_includes_init(attempts: list, expected: bool) -> str | None:
    cold = [a for a in attempts if a.get("cold_start") and a.get("init_duration_ms")]
    if not cold:
        return "no cold start with an Init Duration"
    for attempt in cold:
        covers = attempt["billed_duration_ms"] >= math.floor(attempt["init_duration_ms"] + attempt["duration_ms"])
        if covers != expected:
            return (
                f"billed {attempt['billed_duration_ms']} ms for Init {attempt['init_duration_ms']} ms and "
                f"duration {attempt['duration_ms']} ms"
            )
    return None


def without_extra_keys(source: str) -> str:
    """The YAML text without its top-level ``watch`` and ``expect`` blocks (comments and layout kept)."""
    kept, skipping = [], False
    for line in source.splitlines(keepends=True):
        top_level = line[:1] not in ("", " ", "\t", "\n", "#", "-")
        if top_level:
            skipping = line.split(":", 1)[0].strip() in EXTRA_KEYS
        if not skipping:
            kept.append(line)
    return "".join(kept)
