import re
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import ReviewCard
from quizzes.tests.factories import make_question, make_user

pytestmark = pytest.mark.django_db


def make_card(user, due):
    return ReviewCard.objects.create(user=user, question=make_question(), card={}, due=due)


def test_dashboard_counts_only_the_owners_cards_due_today(client):
    ana, ben = make_user("ana"), make_user("ben")
    make_card(ana, timezone.now() - timedelta(hours=1))
    make_card(ana, timezone.now() + timedelta(days=3))
    make_card(ben, timezone.now() - timedelta(hours=1))
    client.force_login(ana)

    response = client.get("/")

    assert response.context["due"] == 1
    assert b"<strong>1</strong> question due for review today" in response.content
    assert b'href="/practice/review/"' in response.content


def test_dashboard_without_due_cards_offers_no_review(client):
    client.force_login(make_user("ana"))

    response = client.get("/")

    assert response.context["due"] == 0
    assert b"Review now" not in response.content


def test_home_for_anonymous_visitors_invites_sign_up(client):
    response = client.get("/")

    assert b"Create a free account" in response.content
    assert "due" not in response.context


@pytest.fixture
def three_lessons(tmp_path):
    from lessons.tests.factories import make_lessons

    make_lessons(tmp_path, count=3)


def test_a_new_student_is_welcomed_not_welcomed_back(client, three_lessons):
    client.force_login(make_user("newcomer"))

    html = client.get("/").content.decode()

    assert "Welcome, newcomer" in html
    assert "Welcome back" not in html
    assert "Start here" in html and 'href="/lessons/lesson-1/">Lesson number 1</a>' in html


def test_a_returning_student_is_welcomed_back(client, three_lessons):
    client.force_login(make_user("ana"))
    client.get("/lessons/lesson-1/")

    assert "Welcome back, ana" in client.get("/").content.decode()


def test_continue_never_offers_a_lesson_already_studied(client, three_lessons):
    client.force_login(make_user("ana"))
    client.get("/lessons/lesson-1/")
    client.get("/lessons/lesson-3/")
    client.post("/lessons/lesson-3/studied/", {"studied": "1"})

    html = client.get("/").content.decode()

    assert "Continue where you left off" in html
    assert 'class="button" href="/lessons/lesson-1/"' in html
    assert 'class="button" href="/lessons/lesson-3/"' not in html


def test_dashboard_shows_an_open_timed_test_and_its_time_left(client):
    from quizzes.tests.factories import make_attempt

    ana = make_user("ana")
    now = timezone.now()
    make_attempt(ana, mode="quick", started_at=now, deadline_at=now + timedelta(minutes=25, seconds=30), position=2)
    client.force_login(ana)

    html = client.get("/").content.decode()

    assert "Quick test in progress" in html
    assert "question 2 of 3" in html
    assert re.search(r"25:(2\d|30) left", html)


def test_dashboard_shows_readiness_per_exam_domain(client):
    from quizzes.tests.factories import make_attempt

    ana = make_user("ana")
    questions = [make_question(skill="1.2.2") for _ in range(5)] + [make_question(skill="4.1.1")]
    attempt = make_attempt(ana, mode="drill", questions=questions)
    attempt.items.update(checked_at=timezone.now(), correct=True, selected=[0])
    attempt.items.filter(question__skill="4.1.1").update(correct=False)
    client.force_login(ana)

    html = client.get("/").content.decode()

    assert "Readiness by exam domain" in html
    assert "Domain 1: Development with AWS Services" in html and "100% of 5" in html
    assert "Ready" in html and "Not enough answers yet" in html
