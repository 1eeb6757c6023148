"""The fact registry: every number a lesson states, with its AWS source and the date it was checked.

Facts live in ``lessons/facts/<lesson-slug>.yaml``::

    facts:
      - id: async-payload-max
        value: "1 MB"
        says: Largest payload of an asynchronous invocation
        source: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
        checked: 2026-12-03

A lesson writes ``{fact:async-payload-max}`` and the importer shows the value. A number that illustrates
(a worked example, a scenario's input) is written ``{example:512 MB}``: shown as is, and marked as not a
claim about AWS. ``stray_numbers`` finds every other number in a lesson's prose, which the validator rejects.
Pure: no models here.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

FACTS_DIR = Path(__file__).resolve().parent / "facts"
STALE_AFTER_MONTHS = 6
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https://[^\s/]+\.[^\s/]+/\S*$")
PLACEHOLDER_RE = re.compile(r"\{(fact|example):([^{}\n]*)\}")
FIELDS = ("id", "value", "says", "source", "checked")

# A number: digits (with thousands commas or a decimal point) that are not part of a name such as S3,
# EC2, arm64, x86_64, UTF-8 or SHA-256 (a letter, digit, underscore or "letter-" just before it).
NUMBER_RE = re.compile(r"(?<![\w.])(?<![A-Za-z]-)\d+(?:[.,]\d+)*")
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Dates cited as such (a line break may sit between the words): "October 2024", "3 December 2026",
# "December 3, 2026", "2026-12-03", and a year after "in", "since", "until", "from", "by", "before", "after".
DATE_RES = (
    re.compile(rf"\b(?:\d{{1,2}}\s+)?(?:{MONTHS})\.?\s+(?:\d{{1,2}},\s+)?(?:19|20)\d\d\b"),
    re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b"),
    re.compile(
        r"\b(?:[Ii]n|[Ss]ince|[Uu]ntil|[Ff]rom|[Bb]y|[Bb]efore|[Aa]fter)(?:\s+(?:early|mid|late))?\s+(?:19|20)\d\d\b"
    ),
)
# Names that contain a free-standing number: products, and HTTP status classes such as 5xx.
NAMES_RE = re.compile(r"\bRoute 53\b|\b[1-5]xx\b")
LIST_NUMBER_RE = re.compile(r"^(\s*)\d+[.)](?=\s)", re.M)
HEADING_ORDINAL_RE = re.compile(r"^(#{2,6}\s+)\d+(?:\.\d+)*[.)]?(?=\s)", re.M)
INLINE_CODE_RE = re.compile(r"(`+)(?:.+?)\1", re.S)
LINK_TARGET_RE = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|<https?://[^>\s]+>|\{:[^}]*\}")


class FactError(ValueError):
    """A problem with the registry or a lesson's use of it, with the file and line at fault."""

    def __init__(self, message: str, file: str = "", line: int | None = None):
        super().__init__(message)
        self.message, self.file, self.line = message, file, line

    def __str__(self) -> str:
        where = f"{self.file}: line {self.line}" if self.line else self.file
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Fact:
    id: str
    value: str
    says: str
    source: str
    checked: datetime.date | None
    file: str
    line: int


def item_lines(text: str) -> list[int]:
    """1-based line numbers of the '- ' items of the facts list, in order."""
    return [number for number, line in enumerate(text.splitlines(), start=1) if re.match(r"^\s*- ", line)]


def read_file(path: Path) -> tuple[list[Fact], list[FactError]]:
    """The facts of one YAML file and the problems found in it (missing fields, bad dates or URLs)."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except UnicodeDecodeError:
        return [], [FactError("the file is not valid UTF-8 text", name)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc
        return [], [FactError(f"not valid YAML ({problem})", name, mark.line + 1 if mark else None)]
    if not isinstance(data, dict) or not isinstance(data.get("facts"), list):
        return [], [FactError("the file must hold a 'facts:' list", name, 1)]
    lines = item_lines(text)
    facts, problems = [], []
    for index, entry in enumerate(data["facts"]):
        line = lines[index] if index < len(lines) else None
        if not isinstance(entry, dict):
            problems.append(FactError("each fact must be a mapping of id, value, says, source, checked", name, line))
            continue
        fact, entry_problems = read_entry(entry, name, line)
        problems.extend(entry_problems)
        if fact is not None:
            facts.append(fact)
    return facts, problems


def read_entry(entry: dict, name: str, line: int | None) -> tuple[Fact | None, list[FactError]]:
    problems = []
    fact_id = entry.get("id")
    if not isinstance(fact_id, str) or not ID_RE.match(fact_id):
        return None, [FactError(f"fact id {fact_id!r} must be kebab-case (lowercase words and hyphens)", name, line)]
    label = f"fact '{fact_id}'"
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        problems.append(FactError(f"{label} has unknown field(s): {', '.join(map(str, unknown))}", name, line))
    value = entry.get("value")
    if isinstance(value, bool) or not isinstance(value, str | int | float) or str(value).strip() == "":
        problems.append(FactError(f"{label} has no value", name, line))
        value = ""
    says = entry.get("says")
    if not isinstance(says, str) or not says.strip():
        problems.append(FactError(f"{label} does not say what it is ('says')", name, line))
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(FactError(f"{label} has no source URL", name, line))
        source = ""
    elif not URL_RE.match(source.strip()):
        problems.append(FactError(f"{label} source {source!r} is not an https URL", name, line))
    checked = entry.get("checked")
    if isinstance(checked, datetime.datetime) or not isinstance(checked, datetime.date):
        problems.append(FactError(f"{label} has no 'checked' date (YYYY-MM-DD)", name, line))
        checked = None
    fact = Fact(fact_id, str(value).strip(), (says or "").strip(), source.strip(), checked, name, line or 1)
    return fact, problems


def load_registry(directory: Path = FACTS_DIR) -> tuple[dict[str, Fact], list[FactError]]:
    """Every fact of every *.yaml file in the folder, by id, and every problem (duplicates included)."""
    registry: dict[str, Fact] = {}
    problems: list[FactError] = []
    paths = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    for path in paths:
        facts, file_problems = read_file(path)
        problems.extend(file_problems)
        for fact in facts:
            first = registry.get(fact.id)
            if first is not None:
                problems.append(
                    FactError(
                        f"fact id '{fact.id}' is also defined in {first.file} line {first.line}", fact.file, fact.line
                    )
                )
                continue
            registry[fact.id] = fact
    return registry, problems


def substitute(body: str, registry: dict[str, Fact], first_line: int = 1) -> str:
    """Replace {fact:id} with the fact's value and {example:text} with the text.

    ``first_line`` is the file line the body starts on; an unknown id raises FactError naming that line.
    """

    def replace(match: re.Match) -> str:
        kind, key = match.group(1), match.group(2).strip()
        if kind == "example":
            if not key:
                raise FactError("an {example:...} placeholder is empty", line=line_of(match))
            return key
        fact = registry.get(key)
        if fact is None:
            raise FactError(f"unknown fact id '{key}' (no lessons/facts/*.yaml defines it)", line=line_of(match))
        return fact.value

    def line_of(match: re.Match) -> int:
        return first_line + body.count("\n", 0, match.start())

    return PLACEHOLDER_RE.sub(replace, body)


def blank(match: re.Match) -> str:
    """The matched text with every character but newlines turned into spaces (keeps line numbers)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def stray_numbers(prose: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(line, number) for each number in the prose that no placeholder supplies.

    ``prose`` is the lesson body with fenced code already blanked. Not counted: placeholders, inline code,
    link targets, list numbering, a heading's leading ordinal, dates cited as such and the names NAMES_RE matches.
    """
    text = PLACEHOLDER_RE.sub(blank, prose)
    text = INLINE_CODE_RE.sub(blank, text)
    text = LINK_TARGET_RE.sub(blank, text)
    text = LIST_NUMBER_RE.sub(lambda m: m.group(1) + blank(m)[len(m.group(1)) :], text)
    text = HEADING_ORDINAL_RE.sub(lambda m: m.group(1) + blank(m)[len(m.group(1)) :], text)
    for date_re in DATE_RES:
        text = date_re.sub(blank, text)
    text = NAMES_RE.sub(blank, text)
    return [(first_line + text.count("\n", 0, m.start()), m.group(0)) for m in NUMBER_RE.finditer(text)]


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month ``months`` earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def stale(registry: dict[str, Fact], today: datetime.date, months: int = STALE_AFTER_MONTHS) -> list[Fact]:
    """Facts last checked more than ``months`` months before ``today``, oldest first."""
    cutoff = months_before(today, months)
    old = [fact for fact in registry.values() if fact.checked is not None and fact.checked < cutoff]
    return sorted(old, key=lambda fact: (fact.checked, fact.id))
