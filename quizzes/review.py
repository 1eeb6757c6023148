"""Spaced review of missed questions with FSRS. Pure: the card is a dict, the clock a parameter."""

from __future__ import annotations

from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler

SCHEDULER = Scheduler(enable_fuzzing=False)
SESSION_SIZE = 20
# The student's own grade of a right answer, where the automatic grade cannot tell knowing from luck.
SELF_GRADES = {"knew": Rating.Easy, "guessed": Rating.Hard}


def counts(last_session: str | None, session: str) -> bool:
    """An answer updates the card only once per session: repeats in the same session do not count."""
    return last_session != session


def starts_card(existing: bool, correct: bool) -> bool:
    """Cards exist for questions the student missed; a right answer to a never-missed question makes none."""
    return existing or not correct


def review(
    card: dict | None, correct: bool, now: datetime, card_id: int, rating: Rating | None = None
) -> tuple[dict, datetime]:
    """The card after one answer (Again when wrong, Good when right, unless a rating is given) and its next due
    time. The card keeps the state it had before this answer under "before", so the grade can be replaced."""
    current = Card.from_dict(card) if card else Card(card_id=card_id, due=now)
    chosen = rating or (Rating.Good if correct else Rating.Again)
    updated, _ = SCHEDULER.review_card(current, chosen, review_datetime=now)
    data = updated.to_dict()
    data["before"] = {key: value for key, value in card.items() if key != "before"} if card else None
    return data, updated.due


def regrade(card: dict | None, grade: str, now: datetime, card_id: int) -> tuple[dict, datetime]:
    """The card with its last answer graded by the student ("knew" or "guessed") instead of automatically."""
    return review(card.get("before") if card else None, True, now, card_id, rating=SELF_GRADES[grade])


def interval_text(due: datetime, now: datetime) -> str:
    """When a card comes back, in words: "today", "tomorrow", "in 5 days", "in 3 months"."""
    days = (due.date() - now.date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days < 60:
        return f"in {days} days"
    return f"in {round(days / 30)} months"


def end_of_day(now: datetime) -> datetime:
    """The first instant of tomorrow (in ``now``'s time zone): cards due before it are "due today"."""
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
