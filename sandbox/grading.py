"""Grading a challenge: declarative checks over a run's trace (and the student's world). Pure: no Django.

Values are read from the world with the format's defaults filled in (``timeout_s`` is 3 when unset).

A check counts things in the trace, or reads a value from the world, and compares::

    - name: A failed order reached the DLQ
      count: queue:orders-dlq          # attempts | responses | deliveries | connections | dropped |
      at_least: 1                      # url_responses | sdk_calls | queue:NAME | topic:NAME | bus:NAME | bucket:NAME
    - name: The API was never throttled
      count: responses
      where: {function: api, status_code: 429}   # equality; a list means "any of"; KEY__contains: text
      equals: 0
    - name: The function stays out of the public subnet
      value: functions.fetcher.vpc.subnets       # a dotted path into the world
      excludes: public-a

A count check may count the different values of one field instead (``distinct: payload.order_id``), e.g. that
every response carried its own order id; like ``where``, reading a returned value needs ``returned_value: true``.

Comparators: ``equals``, ``at_least``, ``at_most``, ``includes``, ``excludes``, ``is_set``. A ``where`` key
may be a dotted path into an item (``detail.id``), e.g. the events a bus's rules sent to a function::

    - name: vip-desk never saw a small order
      count: bus:default
      where: {targets__contains: function:vip-desk, detail.id: [1, 3]}
      equals: 0

A grade rests only on what the emulator and the daemon measured (outcomes, status codes, cold starts,
durations, where messages went), never on what the handler reported: ``where`` may not read what it
printed (``logs``, ``log_result``), the error it chose to raise (``error_type``, ``error_message``) or,
unless the check says ``returned_value: true`` (a challenge about what the function returns), the value
it returned (``payload``, ``response``). Such a check is refused by ``problems`` and fails when graded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sandbox.emulator.validation import apply_defaults

LISTS = ("attempts", "responses", "deliveries", "connections", "dropped", "url_responses", "sdk_calls")
NAMED = {"queue": "queues", "topic": "topics", "bus": "buses", "bucket": "buckets"}
COMPARATORS = ("equals", "at_least", "at_most", "includes", "excludes", "is_set")
MISSING = object()
HANDLER_REPORTED = ("logs", "log_result", "error_type", "error_message")  # what the handler printed or raised
RETURNED = ("payload", "response")  # what the handler returned: graded only by checks about the returned value


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def grade(challenge, trace: dict, world: dict | None = None) -> list[Check]:
    """One Check per declared check, in order. ``challenge`` has ``checks`` (a list of dicts)."""
    checks = challenge.checks if hasattr(challenge, "checks") else challenge["checks"]
    defaulted = apply_defaults(world) if world else {}  # a value the student never set reads as its default
    return [grade_one(spec, trace, defaulted) for spec in checks]


def grade_one(spec: dict, trace: dict, world: dict) -> Check:
    name = str(spec.get("name") or _describe(spec))
    reported = _reported_fields(spec)
    if reported:
        return Check(name, False, f"Not graded: {reported[0]!r} is what the handler reported, not what was measured.")
    if "count" in spec:
        items = _items(trace, str(spec["count"]))
        if items is None:
            return Check(name, False, f"The trace has no {spec['count']}.")
        matching = [item for item in items if _matches(item, spec.get("where") or {})]
        if spec.get("distinct"):
            values = {_text(_field(item, str(spec["distinct"]))) for item in matching}
            passed, wanted = _compare(len(values), spec)
            return Check(
                name, passed, f"different {spec['distinct']} among {_what(spec)}: {len(values)} (wanted {wanted})."
            )
        passed, wanted = _compare(len(matching), spec)
        return Check(name, passed, f"{_what(spec)}: {len(matching)} (wanted {wanted}).")
    value = _lookup(world, str(spec.get("value", "")))
    passed, wanted = _compare(None if value is MISSING else value, spec)
    shown = _shown(value, spec)
    return Check(name, passed, f"{spec.get('value')}: {shown} (wanted {wanted}).")


def problems(spec: dict) -> list[str]:
    """What is wrong with one check's declaration (for authors)."""
    found = []
    if ("count" in spec) == ("value" in spec):
        found.append("a check needs exactly one of 'count' or 'value'")
    source = str(spec.get("count", ""))
    if "count" in spec and source not in LISTS and source.split(":", 1)[0] not in NAMED:
        found.append(f"cannot count {source!r}; count one of {', '.join(LISTS)} or queue:/topic:/bus:/bucket:NAME")
    chosen = [key for key in COMPARATORS if key in spec]
    if len(chosen) != 1:
        found.append(f"a check needs exactly one of {', '.join(COMPARATORS)}")
    if spec.get("where") is not None and not isinstance(spec.get("where"), dict):
        found.append("'where' must be a mapping of field: value")
    for field in _reported_fields(spec):
        found.append(
            f"the check reads {field!r}, which the handler controls; grade on what the emulator measured instead"
        )
    return found


def _reported_fields(spec: dict) -> list[str]:
    """The ``where`` fields of a check that the handler itself decides (printed, raised or returned)."""
    where = spec.get("where") if isinstance(spec.get("where"), dict) else {}
    forbidden = HANDLER_REPORTED if spec.get("returned_value") else HANDLER_REPORTED + RETURNED
    fields = [str(key).removesuffix("__contains").split(".", 1)[0] for key in where]
    if spec.get("distinct"):
        fields.append(str(spec["distinct"]).split(".", 1)[0])
    return [field for field in fields if field in forbidden]


def _items(trace: dict, source: str) -> list | None:
    if source in LISTS:
        return list(trace.get(source) or [])
    kind, _, name = source.partition(":")
    section = NAMED.get(kind)
    if section is None or name not in (trace.get(section) or {}):
        return None
    return list(trace[section][name])


def _matches(item, where: dict) -> bool:
    if not isinstance(item, dict):
        return not where
    for key, wanted in where.items():
        if key.endswith("__contains"):
            if str(wanted) not in _text(_field(item, key[: -len("__contains")])):
                return False
            continue
        actual = _field(item, key)
        options = wanted if isinstance(wanted, list) else [wanted]
        if actual not in options:
            return False
    return True


def _field(item: dict, key: str):
    value = _lookup(item, key)
    return None if value is MISSING else value


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _shown(value, spec: dict) -> str:
    """The value as the check's detail shows it; a long text (a handler's code) by what it holds, not in full."""
    if value is MISSING or value is None:
        return "nothing"
    searched = spec.get("includes", spec.get("excludes"))
    if isinstance(value, str) and searched is not None and ("\n" in value or len(value) > 60):
        return f"{'includes' if str(searched) in value else 'does not include'} {searched!r}"
    return repr(value)


def _compare(actual, spec: dict) -> tuple[bool, str]:
    if "equals" in spec:
        return actual == spec["equals"], f"exactly {spec['equals']!r}"
    if "at_least" in spec:
        return _number(actual) is not None and _number(actual) >= spec["at_least"], f"at least {spec['at_least']}"
    if "at_most" in spec:
        return _number(actual) is not None and _number(actual) <= spec["at_most"], f"at most {spec['at_most']}"
    if "includes" in spec:
        return isinstance(actual, (list, str)) and spec["includes"] in actual, f"it to include {spec['includes']!r}"
    if "excludes" in spec:
        return actual is None or (isinstance(actual, (list, str)) and spec["excludes"] not in actual), (
            f"it not to include {spec['excludes']!r}"
        )
    if "is_set" in spec:
        return (actual not in (None, "", [], {})) == bool(spec["is_set"]), "a value" if spec["is_set"] else "no value"
    return False, "a comparator (equals, at_least, ...)"


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _lookup(world: dict, path: str):
    value = world
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def _what(spec: dict) -> str:
    source = str(spec["count"])
    kind, _, name = source.partition(":")
    label = f"{'messages' if kind == 'queue' else 'items'} in {kind} {name}" if kind in NAMED else source
    where = spec.get("where") or {}
    if where:
        label += " with " + ", ".join(
            f"{key.replace('__contains', ' containing')} {value!r}" for key, value in where.items()
        )
    return label


def _describe(spec: dict) -> str:
    if "count" in spec:
        return f"count of {_what(spec)}"
    return f"value of {spec.get('value')}"
