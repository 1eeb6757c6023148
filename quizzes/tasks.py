import logging

from celery import shared_task
from django.utils import timezone

from quizzes import timer
from quizzes.marking import finalize
from quizzes.models import Attempt

logger = logging.getLogger(__name__)


@shared_task(name="quizzes.submit_attempt")
def submit_attempt(attempt_uuid: str) -> str:
    """Submit a timed attempt at its deadline, even if the browser is gone. Safe to run any number of times."""
    attempt = Attempt.objects.filter(uuid=attempt_uuid).first()
    if attempt is None:
        return "missing"
    if attempt.status != Attempt.ACTIVE:
        return "already-submitted"
    now = timezone.now()
    if attempt.deadline_at is None:
        return "untimed"
    if not timer.is_expired(attempt.deadline_at, now):
        schedule_submit(attempt)  # woke up early (clock skew, redelivery): wait for the deadline again
        return "rescheduled"
    return "submitted" if finalize(attempt.pk, "deadline", now) else "already-submitted"


def schedule_submit(attempt: Attempt) -> None:
    """Ask a Celery worker to submit the attempt at its deadline. If the broker is down, the deadline still
    holds: every request for the attempt makes the same check (close_if_expired)."""
    try:
        submit_attempt.apply_async(args=[str(attempt.uuid)], eta=attempt.deadline_at)
    except Exception:  # a broker outage must not stop a student from starting a test
        logger.exception("could not schedule the auto-submit of attempt %s", attempt.uuid)
