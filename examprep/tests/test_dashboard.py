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
