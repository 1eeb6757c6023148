import pytest
from django.utils import timezone

from quizzes.attempts import finalize
from quizzes.tests.factories import make_attempt, make_question

pytestmark = pytest.mark.django_db


def results_of(client, user, count: int) -> str:
    questions = [make_question(topic=("alpha", "beta", "gamma")[i % 3]) for i in range(count)]
    attempt = make_attempt(user, "full", questions)
    finalize(attempt.pk, "student", timezone.now())
    return f"/practice/attempts/{attempt.uuid}/results/"


@pytest.mark.parametrize("count", [3, 65])
def test_results_page_query_count_does_not_grow_with_questions(
    student_client, student, django_assert_num_queries, count
):
    url = results_of(student_client, student, count)

    # user, attempt, items with questions, questions of open timed tests, lesson titles, review-card count
    # (the session comes from the cache)
    with django_assert_num_queries(6):
        response = student_client.get(url)

    assert response.status_code == 200
    assert response.content.count(b'class="card result-item"') == count
