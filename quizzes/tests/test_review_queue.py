"""The review queue a student reads, the self-grade of right answers, and what a timed test puts in the queue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.attempts import finalize
from quizzes.models import Attempt, ReviewCard
from quizzes.review import interval_text
from quizzes.tests.factories import make_attempt

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def key_of(attempt: Attempt, position: int) -> list[int]:
    return [i for i, o in enumerate(attempt.items.get(position=position).options) if o["correct"]]


def wrong_of(attempt: Attempt, position: int) -> list[int]:
    options = attempt.items.get(position=position).options
    return [next(i for i, o in enumerate(options) if not o["correct"])]


def test_review_queue_shows_the_question_the_last_answer_and_when_it_comes_back(student_client, student, bank):
    drill = make_attempt(student, "drill", bank[:2])
    wrong = wrong_of(drill, 1)
    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": wrong})

    html = student_client.get("/practice/review/").content.decode()

    assert bank[0].stem in html
    assert bank[0].key not in html
    assert f'{"ABCDEF"[wrong[0]]} <span class="badge bad">' in html
    assert ">today</time>" in html


def test_interval_text_names_the_gap_in_days():
    now = timezone.now()

    assert interval_text(now, now) == "today"
    assert interval_text(now + timedelta(days=1), now) == "tomorrow"
    assert interval_text(now + timedelta(days=9), now) == "in 9 days"


def test_never_seen_unanswered_questions_of_a_timed_test_stay_out_of_the_queue(student, bank):
    attempt = make_attempt(student, "quick", bank[:4], position=1)
    attempt.items.filter(position=1).update(selected=wrong_of(attempt, 1))
    attempt.items.filter(position=2).update(seconds_spent=40)  # looked at, left blank
    attempt.items.filter(position=3).update(flagged=True)  # flagged, left blank

    finalize(attempt.pk, "deadline", timezone.now())

    queued = set(ReviewCard.objects.filter(user=student).values_list("question_id", flat=True))
    assert queued == {bank[0].pk, bank[1].pk, bank[2].pk}


def test_i_guessed_puts_a_right_answer_in_the_queue_soon(student_client, student, bank):
    drill = make_attempt(student, "drill", bank[:2])
    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)})
    assert not ReviewCard.objects.filter(user=student).exists()

    response = student_client.post(f"/practice/attempts/{drill.uuid}/q/1/grade/", {"grade": "guessed"}, **HTMX)

    card = ReviewCard.objects.get(user=student)
    assert "Noted: a guess" in response.content.decode()
    assert card.question_id == bank[0].pk
    assert card.due < timezone.now() + timedelta(days=2)


def test_i_knew_it_pushes_a_card_further_out_than_i_guessed(student_client, student, bank):
    old = make_attempt(student, "drill", bank[:1])
    student_client.post(f"/practice/attempts/{old.uuid}/q/1/check/", {"option": wrong_of(old, 1)})
    finalize(old.pk, "student", timezone.now())
    drill = make_attempt(student, "review", bank[:1])
    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)})

    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/grade/", {"grade": "guessed"})
    guessed_due = ReviewCard.objects.get(user=student).due
    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/grade/", {"grade": "knew"})
    knew_due = ReviewCard.objects.get(user=student).due

    assert knew_due > guessed_due


def test_self_grade_refuses_an_unknown_grade_and_other_users(client, student_client, student, other, bank):
    drill = make_attempt(student, "drill", bank[:1])

    bad = student_client.post(f"/practice/attempts/{drill.uuid}/q/1/grade/", {"grade": "perfect"})
    client.force_login(other)
    foreign = client.post(f"/practice/attempts/{drill.uuid}/q/1/grade/", {"grade": "knew"})

    assert bad.status_code == 400 and b"knew" in bad.content
    assert foreign.status_code == 404


def test_palette_marks_a_wrong_answer_with_a_cross_after_check(student_client, student, bank):
    drill = make_attempt(student, "drill", bank[:2])

    response = student_client.post(
        f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": wrong_of(drill, 1)}, **HTMX
    )
    page = student_client.get(f"/practice/attempts/{drill.uuid}/q/2/").content.decode()

    html = response.content.decode()
    assert 'id="cell-answered-1" class="mark wrong" hx-swap-oob="true"' in html
    assert '<span class="visually-hidden">, wrong</span>' in html
    assert 'id="cell-answered-1" class="mark wrong"' in page and "✗" in page


def test_palette_marks_a_right_answer_with_a_check(student_client, student, bank):
    drill = make_attempt(student, "drill", bank[:2])

    response = student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)}, **HTMX)

    assert 'id="cell-answered-1" class="mark right" hx-swap-oob="true"' in response.content.decode()


def test_select_two_refuses_a_single_choice_with_a_clear_message(student_client, student, bank):
    two = bank[4]  # alpha-04: correct (0, 2)
    drill = make_attempt(student, "drill", [two])

    response = student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": [0]}, **HTMX)

    item = drill.items.get(position=1)
    assert "asks you to select TWO answers; you chose 1" in response.content.decode()
    assert item.checked_at is None and item.correct is None
    assert not ReviewCard.objects.filter(user=student).exists()


def test_select_two_accepts_two_choices(student_client, student, bank):
    drill = make_attempt(student, "drill", [bank[4]])

    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": [0, 2]}, **HTMX)

    assert drill.items.get(position=1).correct is True


def test_practice_home_lists_drills_in_lesson_order_with_their_titles(client, tmp_path, bank):
    from lessons.models import Lesson

    Lesson.objects.create(
        slug="beta", title="Beta comes first", order=1, group="G", topic="L1", summary="", source="", html=""
    )
    Lesson.objects.create(
        slug="alpha", title="Alpha comes second", order=2, group="G", topic="L2", summary="", source="", html=""
    )

    html = client.get("/practice/").content.decode()

    assert html.index(">Beta comes first</a>") < html.index(">Alpha comes second</a>")
    assert ">alpha</a>" not in html
