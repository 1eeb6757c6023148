from datetime import UTC, datetime, timedelta

from quizzes.review import counts, end_of_day, review, starts_card

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_missed_question_is_due_again_today():
    card, due = review(None, correct=False, now=NOW, card_id=1)

    assert NOW < due < end_of_day(NOW)
    assert card["card_id"] == 1


def test_right_answers_push_the_next_review_further_out():
    card, first_due = review(None, correct=False, now=NOW, card_id=1)
    later = first_due
    for _ in range(4):
        card, due = review(card, correct=True, now=later, card_id=1)
        assert due > later
        gap, later = due - later, due

    assert gap > timedelta(days=1)


def test_a_repeat_in_the_same_session_does_not_count():
    assert counts(None, "session-1") is True
    assert counts("session-1", "session-1") is False
    assert counts("session-1", "session-2") is True


def test_cards_start_only_from_mistakes():
    assert starts_card(existing=False, correct=False) is True
    assert starts_card(existing=False, correct=True) is False
    assert starts_card(existing=True, correct=True) is True


def test_end_of_day_is_the_next_midnight():
    assert end_of_day(NOW) == datetime(2026, 3, 3, tzinfo=UTC)
