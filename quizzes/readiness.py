"""Readiness per exam domain across a student's attempts. Pure: (skill, correct) pairs in, rows out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from quizzes.scoring import PASS_PERCENT
from quizzes.skills import DOMAINS

RECENT_ANSWERS = 40  # per domain: older answers say less about today's readiness
MIN_ANSWERS = 5


@dataclass(frozen=True)
class Readiness:
    number: str
    name: str
    correct: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def verdict(self) -> str:
        if self.total < MIN_ANSWERS:
            return "Not enough answers yet"
        if self.percent >= PASS_PERCENT + 10:
            return "Ready"
        if self.percent >= PASS_PERCENT:
            return "Close"
        return "Needs work"

    @property
    def level(self) -> str:
        return {"Ready": "ready", "Close": "close", "Needs work": "weak"}.get(self.verdict, "unknown")


def readiness(answers: Iterable[tuple[str, bool]]) -> list[Readiness]:
    """One row per exam domain from the answers, newest first, counting the most recent answers of each."""
    counted: dict[str, list[bool]] = {number: [] for number in DOMAINS}
    for skill, correct in answers:
        number = skill.split(".", 1)[0]
        if number in counted and len(counted[number]) < RECENT_ANSWERS:
            counted[number].append(correct)
    return [Readiness(number, DOMAINS[number], sum(marks), len(marks)) for number, marks in counted.items()]
