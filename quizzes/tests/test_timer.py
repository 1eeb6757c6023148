from datetime import UTC, datetime, timedelta

import time_machine
from django.utils import timezone

from quizzes.timer import (
    accepts_answers,
    clock_text,
    deadline_for,
    elapsed_seconds,
    is_expired,
    seconds_left,
    time_limit,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_time_limit_applies_each_accommodation():
    assert time_limit(130, "none") == 130
    assert time_limit(130, "plus30") == 160
    assert time_limit(130, "x1.5") == 195
    assert time_limit(40, "x1.5") == 60
    assert time_limit(130, "untimed") is None


def test_deadline_is_fixed_at_start():
    assert deadline_for(START, 40) == START + timedelta(minutes=40)
    assert deadline_for(START, None) is None


def test_seconds_left_follows_the_clock_not_ticks():
    deadline = deadline_for(START, 40)

    with time_machine.travel(START + timedelta(minutes=39, seconds=30), tick=False):
        left = seconds_left(deadline, timezone.now())

    assert left == 30


def test_seconds_left_never_goes_negative_and_is_none_untimed():
    assert seconds_left(START, START + timedelta(hours=1)) == 0
    assert seconds_left(None, START) is None


def test_answers_are_accepted_until_the_deadline_and_refused_from_it():
    deadline = deadline_for(START, 40)

    with time_machine.travel(deadline - timedelta(milliseconds=1), tick=False):
        before = accepts_answers(True, deadline, timezone.now())
    with time_machine.travel(deadline, tick=False):
        at = accepts_answers(True, deadline, timezone.now())

    assert before is True
    assert at is False
    assert is_expired(deadline, deadline) is True


def test_answers_are_refused_when_the_attempt_is_closed_and_accepted_untimed():
    assert accepts_answers(False, None, START) is False
    assert accepts_answers(True, None, START + timedelta(days=3)) is True


def test_elapsed_seconds_stop_at_the_deadline():
    deadline = START + timedelta(minutes=10)

    assert elapsed_seconds(START, START + timedelta(minutes=3), deadline) == 180
    assert elapsed_seconds(START, START + timedelta(hours=2), deadline) == 600
    assert elapsed_seconds(None, START, deadline) == 0


def test_clock_text_shows_hours_only_when_needed():
    assert clock_text(247) == "4:07"
    assert clock_text(3909) == "1:05:09"
