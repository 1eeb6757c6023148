"""While a timed test is open, drills and reviews never show the keys of its questions; staff set accommodations."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quizzes.models import Attempt, AttemptItem, QuizPreference, ReviewCard
from quizzes.tests.factories import make_question, make_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
HELD_TEXT = "stay hidden (and it cannot be checked here)"


def start(client, path: str) -> Attempt:
    response = client.post(path)
    assert response.status_code == 302
    return Attempt.objects.filter(status="active").order_by("-pk").first()


def key_of(attempt: Attempt, position: int) -> list[str]:
    item = attempt.items.get(position=position)
    return [str(i) for i, option in enumerate(item.options) if option["correct"]]


def position_of(attempt: Attempt, question) -> int:
    return attempt.items.get(question=question).position


def test_drill_in_a_second_tab_cannot_check_or_read_a_question_of_the_open_test(student_client, bank):
    start(student_client, "/practice/tests/quick/start/")
    drill = start(student_client, "/practice/drill/alpha/")

    page = student_client.get(f"/practice/attempts/{drill.uuid}/q/1/").content.decode()
    checked = student_client.post(
        f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)}, **HTMX
    ).content.decode()

    assert HELD_TEXT in page
    assert HELD_TEXT in checked
    assert "SECRET-EXPLANATION" not in page + checked
    assert "Correct answer" not in checked
    assert drill.items.get(position=1).checked_at is None


def test_drill_still_gives_feedback_on_questions_the_open_test_does_not_contain(student_client, bank):
    start(student_client, "/practice/tests/quick/start/")
    fresh = make_question("alpha-new", "alpha", correct=(2,))
    drill = start(student_client, "/practice/drill/alpha/")
    position = position_of(drill, fresh)

    checked = student_client.post(f"/practice/attempts/{drill.uuid}/q/{position}/check/", {"option": ["2"]}, **HTMX)

    assert "SECRET-EXPLANATION alpha-new" in checked.content.decode()
    assert HELD_TEXT not in checked.content.decode()


def test_feedback_seen_before_the_test_is_hidden_while_the_test_is_open(student_client, bank):
    drill = start(student_client, "/practice/drill/alpha/")
    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)})
    start(student_client, "/practice/tests/quick/start/")

    page = student_client.get(f"/practice/attempts/{drill.uuid}/q/1/").content.decode()
    student_client.post(f"/practice/attempts/{drill.uuid}/submit/")
    results = student_client.get(f"/practice/attempts/{drill.uuid}/results/", follow=True).content.decode()

    assert "SECRET-EXPLANATION" not in page
    assert HELD_TEXT in page
    assert "SECRET-EXPLANATION" not in results
    assert "Some answers are left out below" in results


def test_review_queue_hides_keys_of_questions_in_the_open_test(student_client, student, bank):
    ReviewCard.objects.create(user=student, question=bank[0], card={}, due=timezone.now() - timedelta(days=1))
    start(student_client, "/practice/tests/quick/start/")
    review = start(student_client, "/practice/review/")

    checked = student_client.post(f"/practice/attempts/{review.uuid}/q/1/check/", {"option": ["0"]}, **HTMX)

    assert HELD_TEXT in checked.content.decode()
    assert "SECRET-EXPLANATION" not in checked.content.decode()


def test_keys_come_back_once_the_test_is_submitted(student_client, bank):
    test = start(student_client, "/practice/tests/quick/start/")
    drill = start(student_client, "/practice/drill/alpha/")
    student_client.post(f"/practice/attempts/{test.uuid}/submit/")

    checked = student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)}, **HTMX)

    assert "SECRET-EXPLANATION" in checked.content.decode()


def test_keys_come_back_once_the_test_time_is_up(student_client, bank):
    start(student_client, "/practice/tests/quick/start/")
    drill = start(student_client, "/practice/drill/alpha/")

    with time_machine.travel(timezone.now() + timedelta(minutes=41)):
        checked = student_client.post(
            f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)}, **HTMX
        )

    assert "SECRET-EXPLANATION" in checked.content.decode()


def test_another_students_open_test_hides_nothing_from_this_student(client, student_client, bank):
    other = make_user("other-student")
    client_other = type(client)()
    client_other.force_login(other)
    start(client_other, "/practice/tests/quick/start/")
    drill = start(student_client, "/practice/drill/alpha/")

    checked = student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)}, **HTMX)

    assert "SECRET-EXPLANATION" in checked.content.decode()


def test_student_cannot_choose_their_own_extra_time(student_client, student, bank):
    student_client.post("/practice/settings/", {"accommodation": "untimed", "shortcuts": "on"})

    test = start(student_client, "/practice/tests/quick/start/")

    assert QuizPreference.for_user(student).accommodation == "none"
    assert test.deadline_at is not None
    assert b"set by your teacher or the site" in student_client.get("/practice/settings/").content


def test_staff_set_an_accommodation_that_applies_to_the_next_test(client, student, bank):
    staff = make_user("teacher", is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.post(
        "/admin/quizzes/quizpreference/add/", {"user": student.pk, "accommodation": "untimed", "shortcuts": "on"}
    )
    client.force_login(student)
    test = start(client, "/practice/tests/quick/start/")

    assert response.status_code == 302
    assert QuizPreference.for_user(student).accommodation == "untimed"
    assert test.deadline_at is None


@pytest.mark.parametrize("who", ["student", "anonymous"])
def test_only_staff_reach_the_accommodation_admin(client, student, who):
    if who == "student":
        client.force_login(student)

    response = client.get("/admin/quizzes/quizpreference/")

    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_hidden_questions_are_not_marked_in_the_database(student_client, bank):
    start(student_client, "/practice/tests/quick/start/")
    drill = start(student_client, "/practice/drill/alpha/")

    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)})

    assert not AttemptItem.objects.filter(attempt=drill, checked_at__isnull=False).exists()


def test_results_of_a_submitted_test_hide_keys_of_another_test_still_open(student_client, bank):
    full = start(student_client, "/practice/tests/full/start/")
    student_client.post(f"/practice/attempts/{full.uuid}/submit/")
    start(student_client, "/practice/tests/quick/start/")

    results = student_client.get(f"/practice/attempts/{full.uuid}/results/", follow=True).content.decode()

    assert "SECRET-EXPLANATION" not in results
    assert "Some answers are left out below" in results


def test_the_palette_does_not_mark_right_or_wrong_a_question_of_the_open_test(student_client, bank):
    drill = start(student_client, "/practice/drill/alpha/")
    student_client.post(f"/practice/attempts/{drill.uuid}/q/1/check/", {"option": key_of(drill, 1)})
    start(student_client, "/practice/tests/quick/start/")

    page = student_client.get(f"/practice/attempts/{drill.uuid}/q/1/").content.decode()

    assert 'id="cell-answered-1" class="mark answered"' in page
    assert ", right<" not in page and ", wrong<" not in page
