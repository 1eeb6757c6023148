"""make_<model>(**overrides) helpers for the quiz tests."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from quizzes.models import Attempt, AttemptItem, Question

counter = itertools.count(1)


def make_user(username: str | None = None, **overrides):
    name = username or f"student{next(counter)}"
    return get_user_model().objects.create(username=name, **overrides)  # tests log in with force_login


def make_question(
    key: str | None = None, topic: str = "alpha", correct=(0,), options: int = 4, **overrides
) -> Question:
    number = next(counter)
    key = key or f"{topic}-{number:03d}"
    kind = "multiple" if len(correct) > 1 else "single"
    select = {2: " (Select TWO.)", 3: " (Select THREE.)"}.get(len(correct), "")
    fields = {
        "topic": topic,
        "skill": "1.2.2",
        "kind": kind,
        "section": "memory",
        "stem": f"Scenario {number}: which setting should the developer change?{select}",
        "options": [
            {
                "text": f"Option {chr(65 + i)} of {key}",
                "correct": i in correct,
                "explanation": f"SECRET-EXPLANATION {key} {chr(65 + i)}",
            }
            for i in range(options)
        ],
        "source": f"01-{topic}.yaml",
        "doc_url": "https://docs.aws.amazon.com/lambda/latest/dg/welcome.html",
        "position": number,
    }
    fields.update(overrides)
    return Question.objects.create(key=key, **fields)


def make_attempt(user=None, mode: str = "quick", questions=None, **overrides) -> Attempt:
    """An attempt over ``questions`` with their options in bank order, so tests can name options by index."""
    user = user or make_user()
    questions = questions if questions is not None else [make_question() for _ in range(3)]
    attempt = Attempt.objects.create(user=user, mode=mode, total_count=len(questions), **overrides)
    for position, question in enumerate(questions, start=1):
        AttemptItem.objects.create(
            attempt=attempt, position=position, question=question, content=in_bank_order(question)
        )
    return attempt


def in_bank_order(question: Question) -> dict:
    return {"stem": question.stem, "kind": question.kind, "options": question.options}
