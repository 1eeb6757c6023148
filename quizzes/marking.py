"""Marking answers in the database: an attempt's final marks, and the review cards answers move."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from quizzes import review, scoring, timer
from quizzes.models import Attempt, AttemptItem, ReviewCard

MAX_SECONDS_PER_VISIT = 30 * 60  # a question left open while away counts at most this long for pacing


def correct_indexes(item: AttemptItem) -> list[int]:
    return [index for index, option in enumerate(item.options) if option["correct"]]


def update_cards(user_id: int, answers: list[tuple[int, bool]], session: str, now: datetime) -> None:
    cards = {
        c.question_id: c for c in ReviewCard.objects.filter(user_id=user_id, question_id__in=[q for q, _ in answers])
    }
    for question_id, right in answers:
        card = cards.get(question_id)
        if not review.starts_card(card is not None, right):
            continue
        if card and not review.counts(str(card.last_session) if card.last_session else None, session):
            continue
        data, due = review.review(card.card if card else None, right, now, card_id=question_id)
        if card is None:
            card = ReviewCard(user_id=user_id, question_id=question_id)
        card.card, card.due, card.last_session = data, due, session
        card.reviews += 1
        card.lapses += 0 if right else 1
        card.save()


def finalize(attempt_pk: int, reason: str, now: datetime) -> bool:
    """Submit and mark an open attempt once; False when it was already submitted (idempotent)."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().filter(pk=attempt_pk, status=Attempt.ACTIVE).first()
        if attempt is None:
            return False
        items = list(attempt.items.select_for_update())  # waits for a save in flight, then reads it
        spent = min(MAX_SECONDS_PER_VISIT, timer.elapsed_seconds(attempt.position_since, now, attempt.deadline_at))
        for item in items:
            if item.position == attempt.position:
                item.seconds_spent += spent
            if attempt.instant_feedback:
                continue
            item.correct = scoring.is_correct(item.selected, correct_indexes(item))
        AttemptItem.objects.bulk_update(items, ["correct", "seconds_spent"])
        marked = [item for item in items if item.checked_at] if attempt.instant_feedback else items
        attempt.status, attempt.submitted_at, attempt.submit_reason = Attempt.SUBMITTED, now, reason
        attempt.correct_count = sum(1 for item in marked if item.correct)
        attempt.total_count = len(marked)
        attempt.save(update_fields=["status", "submitted_at", "submit_reason", "correct_count", "total_count"])
        if attempt.timed:
            seen = [item for item in items if item.selected or item.seconds_spent or item.flagged]
            update_cards(attempt.user_id, [(i.question_id, bool(i.correct)) for i in seen], str(attempt.uuid), now)
    return True
