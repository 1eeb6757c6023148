"""Exam integrity: while a timed test is open, its questions' keys stay hidden everywhere else.

A second tab must not be able to drill a topic or work through the review queue and read the answers and
explanations of questions that the student's open timed test contains.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from quizzes.models import Attempt, AttemptItem

HELD_BACK = (
    "This question is also in your timed practice test that is still open, so its answer and explanation stay "
    "hidden (and it cannot be checked here) until you submit that test or its time runs out."
)


def held_back(user, now: datetime) -> set[int]:
    """Question ids in the student's open timed tests (active and before their deadline)."""
    if not user.is_authenticated:
        return set()
    open_tests = Q(attempt__user=user, attempt__status=Attempt.ACTIVE, attempt__mode__in=Attempt.TIMED) & (
        Q(attempt__deadline_at__isnull=True) | Q(attempt__deadline_at__gt=now)
    )
    return set(AttemptItem.objects.filter(open_tests).values_list("question_id", flat=True))
