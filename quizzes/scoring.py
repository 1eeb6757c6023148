"""Scoring rules: all-or-nothing marking, scores, breakdowns, pacing, item statistics. Pure: values in, values out."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from quizzes.timer import PACE_SECONDS

PASS_SCALED = 720
# The raw percentage we map to the 720 pass line. AWS does not publish its mapping; this is our estimate.
PASS_PERCENT = 72
GROUP_SHARE = 0.27  # upper and lower groups for the discrimination index
MIN_RESPONSES_FOR_DISCRIMINATION = 5


@dataclass(frozen=True)
class Outcome:
    """One marked question of an attempt."""

    topic: str
    skill: str
    answered: bool
    correct: bool
    seconds: int = 0


@dataclass(frozen=True)
class Tally:
    key: str
    correct: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True)
class Score:
    correct: int
    total: int
    unanswered: int
    seconds_used: int
    by_topic: tuple[Tally, ...]
    by_skill: tuple[Tally, ...]

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def scaled(self) -> int:
        return scaled_estimate(100 * self.correct / self.total if self.total else 0)

    @property
    def passed(self) -> bool:
        return self.scaled >= PASS_SCALED

    @property
    def seconds_per_question(self) -> int:
        return round(self.seconds_used / self.total) if self.total else 0


@dataclass(frozen=True)
class Response:
    """One final answer to a question, for item statistics."""

    attempt: str
    question: str
    selected: tuple[int, ...]
    correct: bool


@dataclass(frozen=True)
class ItemStats:
    question: str
    responses: int
    facility: float  # share of responses that were right
    discrimination: float | None  # upper-group minus lower-group facility; None with too few responses
    option_counts: tuple[int, ...]  # how often each option was chosen


def is_correct(selected: Iterable[int], correct: Iterable[int]) -> bool:
    """All or nothing, like the exam: exactly the correct options, no more, no fewer."""
    chosen = set(selected)
    return bool(chosen) and chosen == set(correct)


def scaled_estimate(percent: float) -> int:
    """An estimated 100-1000 score: linear from 0% to the pass point (72% -> 720), then linear to 100%."""
    percent = min(100.0, max(0.0, percent))
    if percent <= PASS_PERCENT:
        return round(100 + percent * (PASS_SCALED - 100) / PASS_PERCENT)
    return round(PASS_SCALED + (percent - PASS_PERCENT) * (1000 - PASS_SCALED) / (100 - PASS_PERCENT))


def pace(seconds: int) -> str:
    """How one question's time compares with the ~2-minute norm."""
    if seconds > PACE_SECONDS * 1.5:
        return "slow"
    if seconds < PACE_SECONDS / 4:
        return "quick"
    return "on pace"


def tallies(pairs: Iterable[tuple[str, bool]]) -> tuple[Tally, ...]:
    counts: dict[str, list[int]] = {}
    for key, right in pairs:
        entry = counts.setdefault(key, [0, 0])
        entry[0] += right
        entry[1] += 1
    return tuple(Tally(key, right, total) for key, (right, total) in sorted(counts.items(), key=skill_sort_key))


def skill_sort_key(item: tuple[str, list[int]]) -> tuple:
    parts = item[0].split(".")
    return tuple(int(p) if p.isdigit() else 0 for p in parts), item[0]


def score(outcomes: Iterable[Outcome]) -> Score:
    outcomes = list(outcomes)
    return Score(
        correct=sum(o.correct for o in outcomes),
        total=len(outcomes),
        unanswered=sum(not o.answered for o in outcomes),
        seconds_used=sum(o.seconds for o in outcomes),
        by_topic=tallies((o.topic, o.correct) for o in outcomes),
        by_skill=tallies((o.skill, o.correct) for o in outcomes),
    )


def discrimination(scored: list[tuple[float, bool]]) -> float | None:
    """Facility in the top 27% of attempts (by total score) minus facility in the bottom 27%."""
    if len(scored) < MIN_RESPONSES_FOR_DISCRIMINATION:
        return None
    ranked = sorted(scored, key=lambda pair: pair[0])
    size = max(1, math.floor(len(ranked) * GROUP_SHARE))
    lower, upper = ranked[:size], ranked[-size:]
    return round(sum(r for _, r in upper) / size - sum(r for _, r in lower) / size, 2)


def item_statistics(
    responses: Iterable[Response], attempt_scores: dict[str, float], option_totals: dict[str, int]
) -> list[ItemStats]:
    """Facility, discrimination and option choice counts for each question that has responses."""
    by_question: dict[str, list[Response]] = {}
    for response in responses:
        by_question.setdefault(response.question, []).append(response)
    stats = []
    for question, rows in sorted(by_question.items()):
        counts = [0] * option_totals.get(question, 0)
        for row in rows:
            for index in row.selected:
                if 0 <= index < len(counts):
                    counts[index] += 1
        scored = [(attempt_scores[r.attempt], r.correct) for r in rows if r.attempt in attempt_scores]
        stats.append(
            ItemStats(
                question=question,
                responses=len(rows),
                facility=round(sum(r.correct for r in rows) / len(rows), 2),
                discrimination=discrimination(scored),
                option_counts=tuple(counts),
            )
        )
    return stats
