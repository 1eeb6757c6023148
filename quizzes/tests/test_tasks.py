"""The auto-submit task on a real Celery worker and a real Redis (no eager mode)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.attempts import start_test
from quizzes.models import Attempt
from quizzes.tasks import submit_attempt
from quizzes.tests.factories import make_attempt, make_question, make_user

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def wait_for_submission(attempt: Attempt, timeout: float = 30) -> Attempt:
    """Poll the database until the worker has submitted the attempt (fails after ``timeout`` seconds)."""
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        attempt.refresh_from_db()
        if attempt.status == Attempt.SUBMITTED:
            return attempt
        time.sleep(0.1)
    pytest.fail(f"the worker did not submit attempt {attempt.uuid} within {timeout} s")


def test_submit_task_submits_at_the_deadline_on_a_real_worker(celery_worker):
    user = make_user()
    question = make_question()
    attempt = make_attempt(user, "quick", [question], deadline_at=timezone.now() + timedelta(seconds=1))
    attempt.items.update(selected=[i for i, o in enumerate(question.options) if o["correct"]])

    outcome = submit_attempt.apply_async(args=[str(attempt.uuid)], eta=attempt.deadline_at).get(timeout=30)

    attempt.refresh_from_db()
    assert outcome == "submitted"
    assert (attempt.status, attempt.submit_reason, attempt.correct_count) == ("submitted", "deadline", 1)
    assert attempt.submitted_at >= attempt.deadline_at


def test_submit_task_is_idempotent(celery_worker):
    attempt = make_attempt(make_user(), "quick", [make_question()], deadline_at=timezone.now() - timedelta(seconds=1))

    first = submit_attempt.delay(str(attempt.uuid)).get(timeout=30)
    submitted_at = Attempt.objects.get(pk=attempt.pk).submitted_at
    second = submit_attempt.delay(str(attempt.uuid)).get(timeout=30)

    assert (first, second) == ("submitted", "already-submitted")
    assert Attempt.objects.get(pk=attempt.pk).submitted_at == submitted_at


def test_submit_task_woken_early_waits_for_the_deadline(celery_worker):
    attempt = make_attempt(make_user(), "quick", [make_question()], deadline_at=timezone.now() + timedelta(seconds=2))

    outcome = submit_attempt.delay(str(attempt.uuid)).get(timeout=30)

    assert outcome == "rescheduled"
    assert Attempt.objects.get(pk=attempt.pk).status == "active"
    assert wait_for_submission(attempt).submit_reason == "deadline"


def test_starting_a_test_schedules_its_auto_submit(celery_worker):
    user = make_user()
    make_question()
    attempt, _ = start_test(user, "quick", timezone.now() - timedelta(minutes=40) + timedelta(seconds=1))

    submitted = wait_for_submission(attempt)

    assert submitted.submit_reason == "deadline"
