"""The results page filters its question list; the review screen offers Submit first."""

import pytest
from django.utils import timezone

from quizzes.attempts import finalize
from quizzes.tests.factories import make_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def results(student, bank):
    """A submitted quick test over alpha-00..02 and beta-00: 1 right, 1 wrong (flagged), 2 unanswered."""
    attempt = make_attempt(student, "quick", [bank[0], bank[1], bank[2], bank[6]])
    items = {item.position: item for item in attempt.items.all()}
    items[1].selected = [bank[0].correct_indexes[0]]
    items[2].selected = [(bank[1].correct_indexes[0] + 1) % 4]
    items[2].flagged = True
    for item in items.values():
        item.save()
    finalize(attempt.pk, "student", timezone.now())
    return f"/practice/attempts/{attempt.uuid}/results/"


def shown(html: str) -> list[int]:
    return [n for n in range(1, 5) if f'id="q-{n}"' in html]


def test_results_list_every_question_by_default_with_counts(student_client, results):
    html = student_client.get(results).content.decode()

    assert shown(html) == [1, 2, 3, 4]
    assert "Wrong (3)" in html and "Not answered (2)" in html and "Flagged (1)" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"show": "wrong"}, [2, 3, 4]),
        ({"show": "flagged"}, [2]),
        ({"show": "unanswered"}, [3, 4]),
        ({"topic": "beta"}, [4]),
        ({"show": "wrong", "topic": "alpha"}, [2, 3]),
    ],
)
def test_results_filter_the_question_list(student_client, results, query, expected):
    html = student_client.get(results, query).content.decode()

    assert shown(html) == expected
    assert f"{len(expected)} of 4 questions shown" in html


def test_results_ignore_an_unknown_filter(student_client, results):
    response = student_client.get(results, {"show": "<script>", "topic": "nope"})

    assert response.status_code == 200
    assert shown(response.content.decode()) == [1, 2, 3, 4]


def test_review_screen_puts_submit_before_the_lists(student_client, student, bank):
    attempt = make_attempt(student, "quick", bank[:3])

    html = student_client.get(f"/practice/attempts/{attempt.uuid}/review/").content.decode()

    assert html.index("Submit the test") < html.index('id="unanswered-heading"')
    assert "<strong>3 not answered</strong>" in html
