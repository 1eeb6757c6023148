"""The review queue as the student reads it: each due card's question, their last answer and when it comes back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from quizzes import review
from quizzes.bank import LETTERS
from quizzes.models import AttemptItem, ReviewCard
from quizzes.presenting import lesson_titles


@dataclass(frozen=True)
class QueueRow:
    card: ReviewCard
    stem: str
    topic_title: str
    last_answer: str  # "B, D" or "" when never answered
    last_correct: bool | None
    comes_back: str  # "today", "in 4 days"


def last_answers(user, question_ids: list[int]) -> dict[int, AttemptItem]:
    """The student's latest marked answer to each question (drills and reviews once checked, tests once submitted)."""
    items = (
        AttemptItem.objects.filter(attempt__user=user, question_id__in=question_ids, correct__isnull=False)
        .exclude(selected=[])
        .order_by("question_id", "-answered_at")
        .only("question_id", "selected", "correct", "answered_at")
    )
    latest: dict[int, AttemptItem] = {}
    for item in items:
        latest.setdefault(item.question_id, item)
    return latest


def queue_rows(user, cards: list[ReviewCard], now: datetime) -> list[QueueRow]:
    answers = last_answers(user, [card.question_id for card in cards])
    titles = lesson_titles([card.question.topic for card in cards])
    rows = []
    for card in cards:
        answer = answers.get(card.question_id)
        rows.append(
            QueueRow(
                card=card,
                stem=card.question.stem,
                topic_title=titles.get(card.question.topic, card.question.topic),
                last_answer=", ".join(LETTERS[index] for index in answer.selected) if answer else "",
                last_correct=answer.correct if answer else None,
                comes_back=review.interval_text(timezone.localtime(card.due), now),
            )
        )
    return rows
