"""Correct answers and explanations never reach the browser before an answer is final."""

import re

import pytest
import time_machine

from quizzes.models import Attempt, AttemptItem, Question

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LEAKS = ("SECRET-EXPLANATION", "Correct answer", "is-correct", 'class="explanation"', '"correct"')


def served_during_a_test(client) -> list[tuple[str, str]]:
    """Every page and partial a student can get while a quick test is open, as (what, html)."""
    pages = []

    def keep(what, response, allowed=(200, 302)):
        assert response.status_code in allowed, what
        pages.append((what, response.content.decode()))
        return response

    keep("home", client.get("/practice/"))
    start = keep("start", client.post("/practice/tests/quick/start/"))
    attempt = Attempt.objects.get(mode="quick", status="active")
    base = f"/practice/attempts/{attempt.uuid}"
    keep("resume", client.get(start["Location"]))
    keep("start again", client.post("/practice/tests/quick/start/", follow=True))
    for item in attempt.items.all():
        n = item.position
        keep(f"q{n}", client.get(f"{base}/q/{n}/"))
        keep(f"q{n} partial", client.get(f"{base}/q/{n}/", **HTMX))
        keep(f"q{n} save", client.post(f"{base}/q/{n}/answer/", {"option": ["1"]}, **HTMX))
        keep(f"q{n} flag", client.post(f"{base}/q/{n}/flag/", **HTMX))
        keep(f"q{n} next", client.post(f"{base}/q/{n}/answer/", {"option": ["0", "2"], "go": "next"}, follow=True))
        keep(f"q{n} check", client.post(f"{base}/q/{n}/check/", {"option": ["1"]}), allowed=(404,))
    keep("review", client.get(f"{base}/review/"))
    keep("results before submit", client.get(f"{base}/results/", follow=True))
    keep("history", client.get("/practice/history/"))
    return pages


def test_no_page_or_partial_served_during_a_test_reveals_answers(student_client, bank):
    pages = served_during_a_test(student_client)

    leaks = [(what, word) for what, html in pages for word in LEAKS if word in html]
    assert len(pages) > 12 * 6
    assert leaks == []


def without_tokens(html: str) -> str:
    html = re.sub(r'name="csp-nonce" content="[^"]+"', "", html)  # the per-response style nonce
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", re.sub(r'"X-CSRFToken": "[^"]+"', "", html))


def test_question_html_is_the_same_whichever_option_is_correct(student_client, bank):
    student_client.post("/practice/tests/quick/start/")
    attempt = Attempt.objects.get(mode="quick")
    item = attempt.items.get(question__kind="single", position__gte=1, question__key="alpha-01")
    url = f"/practice/attempts/{attempt.uuid}/q/{item.position}/"
    key = next(i for i, o in enumerate(item.options) if o["correct"])
    moved = {key, (key + 1) % len(item.options)}  # the key moves to the next option as shown
    flipped = [dict(o, correct=not o["correct"] if i in moved else o["correct"]) for i, o in enumerate(item.options)]

    with time_machine.travel(attempt.started_at, tick=False):
        student_client.get(url)
        before = without_tokens(student_client.get(url).content.decode())
        AttemptItem.objects.filter(pk=item.pk).update(content=dict(item.content, options=flipped))
        Question.objects.filter(pk=item.question_id).update(options=flipped)
        after = without_tokens(student_client.get(url).content.decode())

    assert [o["correct"] for o in flipped] != [o["correct"] for o in item.options]
    assert before == after
