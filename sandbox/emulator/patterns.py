"""EventBridge event patterns, also used by event source mapping filters.

``matches(pattern, event)`` says whether an event (a JSON-like dict) fits a pattern
with EventBridge semantics:

* A pattern is a mapping. A key whose value is a mapping descends into the event's
  field of that name; a key whose value is a list is a leaf: the event's field must
  match at least one entry of the list. Every key of a mapping must match (AND).
* When the event's field is a list, it matches when any element matches.
* Leaf entries: a literal (string, number, boolean or null; numbers compare by
  value, strings exactly), or a one-key mapping naming an operator: ``prefix``,
  ``suffix`` (each with a string or ``{"equals-ignore-case": ...}``),
  ``equals-ignore-case``, ``wildcard`` (``*`` for any run of characters, ``\\*`` for
  a star), ``anything-but`` (a value, a list, or a ``prefix`` / ``suffix`` /
  ``equals-ignore-case`` / ``wildcard`` operator), ``numeric`` (``[">", 0, "<=", 5]``),
  ``exists`` (true: the field is present as a value; false: it is absent) and
  ``cidr`` (an IP address inside a block).
* ``"$or": [pattern, ...]`` inside a mapping matches when any of the listed patterns
  matches at that level.
* An empty pattern matches every event.

A field that is missing from the event matches nothing except ``{"exists": false}``.

For event source mappings, ``filter_view`` builds what a filter sees for one record
(SQS: the record with ``body`` parsed when it is JSON; Kinesis: only ``data``, decoded
from base64 and parsed; DynamoDB: the record as delivered) and ``passes_filters``
applies a mapping's filter list: no filters keeps everything, otherwise a record must
match at least one filter, and a record that matches none is dropped (for SQS the
message is deleted from the queue).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from functools import lru_cache

_MISSING = object()
OPERATORS = (
    "prefix",
    "suffix",
    "anything-but",
    "numeric",
    "exists",
    "equals-ignore-case",
    "wildcard",
    "cidr",
)
_COMPARISONS = ("<", "<=", "=", ">", ">=")


def matches(pattern: dict, event: dict) -> bool:
    """Whether ``event`` matches the EventBridge ``pattern``."""
    if isinstance(pattern, str):
        pattern = json.loads(pattern)
    return _match_object(pattern, event)


def _match_object(pattern: dict, value) -> bool:
    for key, sub in pattern.items():
        if key == "$or":
            if not any(_match_object(alternative, value) for alternative in sub):
                return False
            continue
        field = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if isinstance(sub, dict):
            if not _match_nested(sub, field):
                return False
        elif not _match_leaf(sub, field):
            return False
    return True


def _match_nested(pattern: dict, field) -> bool:
    if isinstance(field, list):
        return any(isinstance(item, dict) and _match_object(pattern, item) for item in field)
    if isinstance(field, dict):
        return _match_object(pattern, field)
    # Only operators that accept a missing field can still match below this point.
    return _match_object(pattern, {})


def _match_leaf(matchers: list, field) -> bool:
    if field is _MISSING:
        return any(_is_exists(m, False) for m in matchers)
    values = field if isinstance(field, list) else [field]
    for matcher in matchers:
        if _is_exists(matcher, True):
            if not isinstance(field, dict) and field != []:
                return True
            continue
        if _is_exists(matcher, False):
            continue
        if any(_match_value(matcher, v) for v in values if not isinstance(v, (dict, list))):
            return True
    return False


def _is_exists(matcher, flag: bool) -> bool:
    return isinstance(matcher, dict) and len(matcher) == 1 and matcher.get("exists", _MISSING) is flag


def _match_value(matcher, value) -> bool:
    if not isinstance(matcher, dict):
        return _equal(matcher, value)
    ((op, arg),) = matcher.items()
    if op == "prefix":
        return isinstance(value, str) and _affix(arg, value, str.startswith)
    if op == "suffix":
        return isinstance(value, str) and _affix(arg, value, str.endswith)
    if op == "equals-ignore-case":
        return isinstance(value, str) and any(value.casefold() == a.casefold() for a in _as_list(arg))
    if op == "wildcard":
        return isinstance(value, str) and any(_wildcard_match(a, value) for a in _as_list(arg))
    if op == "numeric":
        return _is_number(value) and _numeric(arg, value)
    if op == "cidr":
        return isinstance(value, str) and _in_cidr(arg, value)
    if op == "anything-but":
        return not _anything_but_excludes(arg, value)
    raise ValueError(f"unknown pattern operator {op!r}")


def _anything_but_excludes(arg, value) -> bool:
    if isinstance(arg, dict):
        return _match_value(arg, value)
    return any(_equal(item, value) for item in _as_list(arg))


def _equal(literal, value) -> bool:
    if _is_number(literal) and _is_number(value):
        return float(literal) == float(value)
    if isinstance(literal, bool) or isinstance(value, bool):
        return literal is value
    return type(literal) is type(value) and literal == value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _affix(arg, value: str, test) -> bool:
    if isinstance(arg, dict):
        wanted = arg["equals-ignore-case"]
        return test(value.casefold(), wanted.casefold())
    return test(value, arg)


def _numeric(arg: list, value) -> bool:
    for index in range(0, len(arg), 2):
        op, bound = arg[index], float(arg[index + 1])
        number = float(value)
        ok = {
            "<": number < bound,
            "<=": number <= bound,
            "=": number == bound,
            ">": number > bound,
            ">=": number >= bound,
        }[op]
        if not ok:
            return False
    return True


def _in_cidr(block: str, value: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(block, strict=False)
    except ValueError:
        return False


@lru_cache(maxsize=512)
def _wildcard_segments(text: str) -> tuple[str, ...]:
    """The literal pieces between the stars of a wildcard (``\\*`` is a literal star)."""
    segments, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index + 1])
            index += 2
            continue
        if char == "*":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    segments.append("".join(current))
    return tuple(segments)


def _wildcard_match(text: str, value: str) -> bool:
    """Whether ``value`` fits the wildcard ``text``, without backtracking: the first piece is a prefix, the last
    a suffix, and each piece between is found left to right (the leftmost place is always the best one)."""
    segments = _wildcard_segments(text)
    if len(segments) == 1:
        return value == segments[0]
    first, *middle, last = segments
    if len(value) < len(first) + len(last) or not value.startswith(first) or not value.endswith(last):
        return False
    position, end = len(first), len(value) - len(last)
    for segment in middle:
        found = value.find(segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


def _wildcard_complexity(texts: list[str]) -> int:
    """How many wildcard positions can be active at once while matching a field's wildcard values: the
    measure EventBridge limits (a matcher's work per character grows with it)."""
    patterns = [_wildcard_tokens(text) for text in texts]
    alphabet = {token for tokens in patterns for token in tokens if token is not _STAR}
    start = _closure(patterns, {(n, 0) for n in range(len(patterns))})
    seen, pending, worst = {start}, [start], 0
    while pending and len(seen) < 5000:
        active = pending.pop()
        worst = max(worst, sum(1 for n, p in active if patterns[n][p : p + 1] == [_STAR]))
        if worst > WILDCARD_COMPLEXITY_LIMIT:
            break
        for char in (*alphabet, None):  # None: any character that no pattern names
            moved = set()
            for n, p in active:
                tokens = patterns[n]
                if p < len(tokens) and tokens[p] is _STAR:
                    moved.add((n, p))
                elif p < len(tokens) and char is not None and tokens[p] == char:
                    moved.add((n, p + 1))
            following = _closure(patterns, moved)
            if following and following not in seen:
                seen.add(following)
                pending.append(following)
    return worst


_STAR = object()
WILDCARD_COMPLEXITY_LIMIT = 10
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a "
    "wildcard character"
)


def _wildcard_tokens(text: str) -> list:
    tokens: list[object] = []
    index = 0
    while index < len(text):
        if text[index] == "\\" and index + 1 < len(text):
            tokens.append(text[index + 1])
            index += 2
            continue
        tokens.append(_STAR if text[index] == "*" else text[index])
        index += 1
    return tokens


def _closure(patterns: list[list], positions: set) -> frozenset:
    """Positions plus those reachable by letting a star match nothing."""
    found, pending = set(positions), list(positions)
    while pending:
        n, p = pending.pop()
        if p < len(patterns[n]) and patterns[n][p] is _STAR and (n, p + 1) not in found:
            found.add((n, p + 1))
            pending.append((n, p + 1))
    return frozenset(found)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# --- checking patterns -------------------------------------------------------------


def pattern_problems(pattern) -> list[str]:
    """What is wrong with a pattern, in plain words (empty when it is usable).

    A pattern may be given as a mapping or as JSON text, as in ``FilterCriteria``.
    """
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except json.JSONDecodeError as error:
            return [f"the pattern is not valid JSON: {error.msg}"]
    if not isinstance(pattern, dict):
        return ["a pattern must be a mapping of field names to lists of values"]
    problems: list[str] = []
    _check_object(pattern, "", problems)
    return problems


def _check_object(pattern: dict, path: str, problems: list[str]) -> None:
    for key, sub in pattern.items():
        where = f"{path}.{key}" if path else str(key)
        if not isinstance(key, str):
            problems.append(f"{where}: field names in a pattern must be text")
        elif key == "$or":
            if not isinstance(sub, list) or len(sub) < 2 or not all(isinstance(s, dict) for s in sub):
                problems.append(f"{where}: $or needs a list of at least two patterns")
            else:
                for index, alternative in enumerate(sub):
                    _check_object(alternative, f"{where}.{index}", problems)
        elif isinstance(sub, dict):
            if not sub:
                problems.append(f"{where}: an empty mapping matches nothing; give a list of values")
            _check_object(sub, where, problems)
        elif isinstance(sub, list):
            if not sub:
                problems.append(f"{where}: the list of values is empty, so nothing can match")
            for matcher in sub:
                _check_matcher(matcher, where, problems)
        else:
            problems.append(f"{where}: values in a pattern go in a list, e.g. [{json.dumps(sub)}], not a single value")


def _check_matcher(matcher, where: str, problems: list[str]) -> None:
    if not isinstance(matcher, dict):
        if isinstance(matcher, list):
            problems.append(f"{where}: a list can't be nested in a list of values")
        return
    if len(matcher) != 1:
        problems.append(f"{where}: an operator mapping has exactly one key, one of {', '.join(OPERATORS)}")
        return
    ((op, arg),) = matcher.items()
    if op not in OPERATORS:
        problems.append(f"{where}: unknown operator '{op}'; use one of {', '.join(OPERATORS)}")
    elif op in ("prefix", "suffix"):
        if not (isinstance(arg, str) or _is_ignore_case(arg)):
            problems.append(f'{where}: {op} takes a string or {{"equals-ignore-case": string}}')
    elif op in ("equals-ignore-case", "wildcard"):
        if not all(isinstance(a, str) for a in _as_list(arg)) or arg == []:
            problems.append(f"{where}: {op} takes a string or a list of strings")
        elif op == "wildcard":
            problems.extend(f"{where}: {text}" for text in _wildcard_problems(_as_list(arg)))
    elif op == "exists":
        if not isinstance(arg, bool):
            problems.append(f"{where}: exists takes true or false")
    elif op == "cidr":
        try:
            ipaddress.ip_network(arg, strict=False)
        except (TypeError, ValueError):
            problems.append(f"{where}: cidr takes an address block such as 10.0.0.0/24")
    elif op == "numeric":
        problems.extend(f"{where}: {text}" for text in _numeric_problems(arg))
    elif op == "anything-but":
        _check_anything_but(arg, where, problems)


def _wildcard_problems(texts: list[str]) -> list[str]:
    problems = []
    for text in texts:
        if "**" in text.replace("\\\\", "").replace("\\*", ""):
            problems.append(f"consecutive wildcard characters in {text!r} are not allowed; one * matches any run")
    if not problems and _wildcard_complexity(texts) > WILDCARD_COMPLEXITY_LIMIT:
        problems.append(TOO_COMPLEX)
    return problems


def _is_ignore_case(arg) -> bool:
    return isinstance(arg, dict) and list(arg) == ["equals-ignore-case"] and isinstance(arg["equals-ignore-case"], str)


def _check_anything_but(arg, where: str, problems: list[str]) -> None:
    if isinstance(arg, dict):
        if len(arg) != 1 or next(iter(arg)) not in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
            problems.append(
                f"{where}: anything-but takes values or one of prefix, suffix, equals-ignore-case, wildcard"
            )
        else:
            _check_matcher(arg, where, problems)
    elif isinstance(arg, list) and (not arg or any(isinstance(a, (dict, list)) for a in arg)):
        problems.append(f"{where}: anything-but takes a non-empty list of plain values")


def _numeric_problems(arg) -> list[str]:
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        return ['numeric takes [op, number] or [op, number, op, number], e.g. [">", 0, "<=", 5]']
    problems = []
    for index in range(0, len(arg), 2):
        op, bound = arg[index], arg[index + 1]
        if op not in _COMPARISONS:
            problems.append(f"numeric comparison {op!r} is not one of {', '.join(_COMPARISONS)}")
        if not _is_number(bound):
            problems.append(f"numeric bound {bound!r} is not a number")
    if len(arg) == 4 and not problems:
        if arg[0] not in (">", ">=") or arg[2] not in ("<", "<="):
            problems.append("a numeric range gives the lower bound first (> or >=), then the upper (< or <=)")
        elif arg[1] >= arg[3]:
            problems.append("a numeric range needs its lower bound below its upper bound")
    return problems


# --- event source mapping filters ------------------------------------------------


def filter_view(source_kind: str, record: dict):
    """What an ESM filter sees for one record, or None when it can't be filtered.

    ``source_kind`` is ``sqs``, ``kinesis`` or ``dynamodb``. SQS bodies that are JSON
    objects or arrays are parsed; other bodies stay strings, so a pattern that
    expects JSON in ``body`` doesn't match them (and the other way round). Kinesis
    filters see only ``data``; data that isn't JSON can't match a ``data`` filter.
    """
    if source_kind == "sqs":
        view = dict(record)
        view["body"] = _json_or_text(record.get("body"))
        return view
    if source_kind == "kinesis":
        encoded = (record.get("kinesis") or {}).get("data", "")
        try:
            text = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return {}
        parsed = _json_or_text(text)
        return {"data": parsed} if isinstance(parsed, (dict, list)) else {}
    if source_kind == "dynamodb":
        return record
    raise ValueError(f"unknown event source kind {source_kind!r}; use sqs, kinesis or dynamodb")


def _json_or_text(text):
    if not isinstance(text, str):
        return text
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def passes_filters(filters: list, source_kind: str, record: dict) -> bool:
    """Whether a record reaches the function through a mapping's filter list.

    ``filters`` holds patterns (mappings or JSON text). An empty list keeps every
    record; otherwise the record must match at least one pattern.
    """
    if not filters:
        return True
    view = filter_view(source_kind, record)
    return any(matches(_as_pattern(f), view) for f in filters)


def _as_pattern(pattern):
    if isinstance(pattern, str):
        return json.loads(pattern)
    if isinstance(pattern, dict) and set(pattern) == {"Pattern"}:  # {"Pattern": "..."} as in the API
        return _as_pattern(pattern["Pattern"])
    return pattern
