"""Spaced review of missed questions with FSRS. Pure: the card is a dict, the clock a parameter."""

from __future__ import annotations

from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler

SCHEDULER = Scheduler(enable_fuzzing=False)
SESSION_SIZE = 20


def counts(last_session: str | None, session: str) -> bool:
    """An answer updates the card only once per session: repeats in the same session do not count."""
    return last_session != session


def starts_card(existing: bool, correct: bool) -> bool:
    """Cards exist for questions the student missed; a right answer to a never-missed question makes none."""
    return existing or not correct


def review(card: dict | None, correct: bool, now: datetime, card_id: int) -> tuple[dict, datetime]:
    """The card after one answer (Again when wrong, Good when right) and its next due time."""
    current = Card.from_dict(card) if card else Card(card_id=card_id, due=now)
    updated, _ = SCHEDULER.review_card(current, Rating.Good if correct else Rating.Again, review_datetime=now)
    return updated.to_dict(), updated.due


def end_of_day(now: datetime) -> datetime:
    """The first instant of tomorrow (in ``now``'s time zone): cards due before it are "due today"."""
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
