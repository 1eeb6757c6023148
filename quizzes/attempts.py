"""Attempts in the database: start, answer, check, flag, move, finalise. The rules come from the pure modules."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from quizzes import review, scoring, selection, timer
from quizzes.marking import MAX_SECONDS_PER_VISIT, correct_indexes, finalize, update_cards
from quizzes.models import Attempt, AttemptItem, Question, QuizPreference, ReviewCard
from quizzes.tasks import schedule_submit

logger = logging.getLogger(__name__)
MAX_OPTIONS = 6


@dataclass(frozen=True)
class Saved:
    """What became of an answer the browser sent: saved, or refused and why."""

    saved: bool
    refused: str = ""  # "late" (after the deadline) | "closed" (already submitted) | "final" (already checked)


def live_questions():
    return Question.objects.filter(retired_at__isnull=True)


def snapshot(question: Question, seed: str) -> dict:
    """The question as drawn, its options shuffled once for this attempt (see selection.shuffled_options)."""
    return {"stem": question.stem, "kind": question.kind, "options": selection.shuffled_options(question.options, seed)}


def create_items(attempt: Attempt, question_ids: list[int]) -> None:
    questions = Question.objects.in_bulk(question_ids)
    AttemptItem.objects.bulk_create(
        AttemptItem(
            attempt=attempt, position=number, question_id=qid, content=snapshot(questions[qid], f"{attempt.uuid}:{qid}")
        )
        for number, qid in enumerate(question_ids, start=1)
    )
    Attempt.objects.filter(pk=attempt.pk).update(total_count=len(question_ids))
    attempt.total_count = len(question_ids)


def active_attempt(user, mode: str, topic: str = "") -> Attempt | None:
    return Attempt.objects.filter(user=user, mode=mode, topic=topic, status=Attempt.ACTIVE).first()


def start_drill(user, topic: str, now: datetime, rng: random.Random | None = None) -> Attempt:
    """The student's open drill on this topic, or a new one over all its live questions."""
    current = active_attempt(user, Attempt.DRILL, topic)
    if current:
        return current
    ids = list(live_questions().filter(topic=topic).values_list("pk", flat=True))
    missed = set(ReviewCard.objects.filter(user=user, question__topic=topic).values_list("question_id", flat=True))
    order = selection.drill_order(ids, missed, rng or random.Random())
    with transaction.atomic():
        attempt = Attempt.objects.create(user=user, mode=Attempt.DRILL, topic=topic, started_at=now, position_since=now)
        create_items(attempt, order)
    return attempt


def start_test(user, mode: str, now: datetime, rng: random.Random | None = None) -> tuple[Attempt, bool]:
    """(attempt, created): a student's open test of this kind is resumed, never doubled."""
    current = active_attempt(user, mode)
    if current:
        return current, False
    shape = timer.TESTS[mode]
    accommodation = QuizPreference.for_user(user).accommodation
    limit = timer.time_limit(shape.minutes, accommodation)
    by_topic: dict[str, list[int]] = {}
    for pk, topic in live_questions().values_list("pk", "topic"):
        by_topic.setdefault(topic, []).append(pk)
    ids = selection.draw_across_topics(by_topic, shape.questions, rng or random.Random())
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                user=user,
                mode=mode,
                started_at=now,
                position_since=now,
                accommodation=accommodation,
                time_limit_minutes=limit,
                deadline_at=timer.deadline_for(now, limit),
            )
            create_items(attempt, ids)
            if attempt.deadline_at:
                transaction.on_commit(lambda: schedule_submit(attempt))
    except IntegrityError:  # another tab started the same test a moment ago
        return active_attempt(user, mode), False
    return attempt, True


def start_review(user, now: datetime) -> Attempt | None:
    """A session over the student's cards due today (most overdue first), or None when nothing is due."""
    due = list(
        ReviewCard.objects.filter(
            user=user, due__lt=review.end_of_day(timezone.localtime(now)), question__retired_at__isnull=True
        )
        .order_by("due")
        .values_list("question_id", flat=True)[: review.SESSION_SIZE]
    )
    if not due:
        return None
    with transaction.atomic():
        attempt = Attempt.objects.create(user=user, mode=Attempt.REVIEW, started_at=now, position_since=now)
        create_items(attempt, due)
    return attempt


def clean_selection(values: list[str]) -> list[int]:
    chosen = {int(v) for v in values if v.isdigit() and int(v) < MAX_OPTIONS}
    return sorted(chosen)


def owned(user, uuid) -> Attempt:
    attempt = Attempt.objects.filter(uuid=uuid, user_id=user.pk).first() if user.is_authenticated else None
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def close_if_expired(attempt: Attempt, now: datetime) -> Attempt:
    """The server-side deadline check every request makes: an expired open test is submitted now."""
    if attempt.status == Attempt.ACTIVE and timer.is_expired(attempt.deadline_at, now):
        finalize(attempt.pk, "deadline", now)
        attempt.refresh_from_db()
    return attempt


def save_answer(user, uuid, position: int, selected: list[int], now: datetime) -> tuple[Saved, Attempt | None]:
    """Save one question's answer, only while the attempt is open and before its deadline.

    The common case is one UPDATE statement. It touches the item only if the attempt is the user's, open and
    before its deadline, and only if the item is not marked yet (``correct IS NULL``, ``checked_at IS NULL``).
    finalize() locks the items (FOR UPDATE) before marking them and sets ``correct`` on every item, so a save
    racing the deadline either lands before the marking or matches no row: never after it.
    """
    open_attempt = (
        Attempt.objects.filter(uuid=uuid, user_id=user.pk, status=Attempt.ACTIVE)
        .filter(Q(deadline_at__isnull=True) | Q(deadline_at__gt=now))
        .values("pk")
    )
    changed = AttemptItem.objects.filter(
        attempt__in=open_attempt, position=position, checked_at__isnull=True, correct__isnull=True
    ).update(selected=selected, answered_at=now if selected else None)
    if changed:
        return Saved(saved=True), None
    attempt = owned(user, uuid)
    if not attempt.items.filter(position=position).exists():
        raise Http404("No such question in this attempt.")
    if timer.is_expired(attempt.deadline_at, now):
        refused = "late"
    elif attempt.status != Attempt.ACTIVE:
        refused = "closed"
    else:
        refused = "final"
    return Saved(saved=False, refused=refused), close_if_expired(attempt, now)


def toggle_flag(attempt: Attempt, position: int) -> bool:
    item = attempt.items.filter(position=position).only("pk", "flagged").first()
    if item is None:
        raise Http404("No such question in this attempt.")
    AttemptItem.objects.filter(pk=item.pk).update(flagged=not item.flagged)
    return not item.flagged


def visit(attempt: Attempt, position: int, now: datetime) -> None:
    """Move the student to a question, adding the time since the last move to the question they left."""
    spent = min(MAX_SECONDS_PER_VISIT, timer.elapsed_seconds(attempt.position_since, now, attempt.deadline_at))
    if spent:
        attempt.items.filter(position=attempt.position).update(seconds_spent=F("seconds_spent") + spent)
    Attempt.objects.filter(pk=attempt.pk).update(position=position, position_since=now)
    attempt.position, attempt.position_since = position, now


def check_item(attempt: Attempt, position: int, selected: list[int], now: datetime) -> AttemptItem:
    """Drill and review: lock the answer in, mark it, and update the student's review card."""
    item = attempt.items.filter(position=position).first()
    if item is None:
        raise Http404("No such question in this attempt.")
    if item.checked_at or attempt.status != Attempt.ACTIVE or not selected:
        return item
    right = scoring.is_correct(selected, correct_indexes(item))
    with transaction.atomic():
        claimed = AttemptItem.objects.filter(pk=item.pk, checked_at__isnull=True).update(
            selected=selected, answered_at=now, checked_at=now, correct=right
        )
        if claimed:
            update_cards(attempt.user_id, [(item.question_id, right)], str(attempt.uuid), now)
    item.refresh_from_db()
    return item


def self_grade(attempt: Attempt, position: int, grade: str, now: datetime) -> bool:
    """Drill and review: the student says a right answer was known or guessed; the card is rescheduled from
    the state it had before that answer. A guess on a question without a card starts one."""
    item = attempt.items.filter(position=position, correct=True, checked_at__isnull=False).first()
    if item is None or not attempt.instant_feedback:
        return False
    session = str(attempt.uuid)
    with transaction.atomic():
        card = ReviewCard.objects.select_for_update().filter(user_id=attempt.user_id, question=item.question_id).first()
        if card is not None and str(card.last_session) != session:
            return False  # a later session has answered it since
        if card is None:
            if grade != "guessed":
                return True
            card = ReviewCard(user_id=attempt.user_id, question_id=item.question_id, reviews=1)
        card.card, card.due = review.regrade(card.card if card.pk else None, grade, now, card_id=item.question_id)
        card.last_session = session
        card.save()
    return True
