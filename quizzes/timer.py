"""Timed-test rules: limits, deadlines, what the clock allows. Pure: values in, values out; ``now`` is a parameter."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

PACE_SECONDS = 120  # the exam's rhythm: 130 minutes for 65 questions
# Minutes left at which the countdown speaks to screen readers (and the last-minute seconds).
ANNOUNCE_MINUTES = (30, 15, 10, 5, 2, 1)
ANNOUNCE_SECONDS = (30, 10)


@dataclass(frozen=True)
class TestShape:
    mode: str
    title: str
    questions: int
    minutes: int


TESTS = {
    "quick": TestShape("quick", "Quick practice test", 20, 40),
    "full": TestShape("full", "Full mock exam", 65, 130),
}


def time_limit(minutes: int, accommodation: str) -> int | None:
    """The minutes a student gets under their accommodation; None means untimed."""
    if accommodation == "untimed":
        return None
    if accommodation == "plus30":
        return minutes + 30
    if accommodation == "x1.5":
        return math.ceil(minutes * 1.5)
    return minutes


def deadline_for(started_at: datetime, limit_minutes: int | None) -> datetime | None:
    return None if limit_minutes is None else started_at + timedelta(minutes=limit_minutes)


def seconds_left(deadline: datetime | None, now: datetime) -> int | None:
    """Whole seconds until the deadline, never negative; None when untimed."""
    if deadline is None:
        return None
    return max(0, math.ceil((deadline - now).total_seconds()))


def is_expired(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and now >= deadline


def accepts_answers(active: bool, deadline: datetime | None, now: datetime) -> bool:
    """An answer counts only while the attempt is open and strictly before its deadline."""
    return active and not is_expired(deadline, now)


def elapsed_seconds(since: datetime | None, now: datetime, deadline: datetime | None) -> int:
    """Seconds spent on the current question, stopping at the deadline."""
    if since is None:
        return 0
    end = min(now, deadline) if deadline is not None else now
    return max(0, int((end - since).total_seconds()))


def clock_text(seconds: int) -> str:
    """1:05:09 or 4:07, as the countdown shows it."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
