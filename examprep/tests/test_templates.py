"""No template tag may be left unparsed: a tag split across lines renders as literal text."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.utils import timezone

from lessons.tests.factories import make_lessons
from quizzes.attempts import finalize
from quizzes.tests.factories import make_attempt, make_question, make_user

TEMPLATE_ROOT = Path(settings.BASE_DIR) / "templates"


def unparsed_tags(text: str) -> list[str]:
    return [
        token.contents[:80]
        for token in Lexer(text).tokenize()
        if token.token_type == TokenType.TEXT and ("{{" in token.contents or "{%" in token.contents)
    ]


def test_unparsed_tags_finds_a_tag_split_across_lines():
    assert unparsed_tags('<pre>{{ item.logs|join:"\n" }}</pre>')


@pytest.mark.parametrize(
    "path", sorted(TEMPLATE_ROOT.rglob("*.html")), ids=lambda path: str(path.relative_to(TEMPLATE_ROOT))
)
def test_every_template_tag_sits_on_one_line(path):
    assert unparsed_tags(path.read_text(encoding="utf-8")) == []


@pytest.mark.django_db
def test_key_pages_render_no_template_syntax(client, tmp_path):
    make_lessons(tmp_path, count=2)
    student = make_user()
    questions = [make_question(topic="alpha") for _ in range(3)]
    attempt = make_attempt(student, mode="quick", questions=questions)
    finalize(attempt.pk, "student", timezone.now())
    client.force_login(student)
    paths = [
        "/",
        "/lessons/",
        "/lessons/lesson-1/",
        "/lessons/search/?q=handler",
        "/lessons/progress/",
        "/practice/",
        "/practice/history/",
        "/practice/review/",
        f"/practice/attempts/{attempt.uuid}/results/",
        "/sandbox/",
    ]

    for path in paths:
        response = client.get(path, follow=True)
        body = response.content.decode()

        assert response.status_code == 200, path
        assert "{{" not in body and "{%" not in body, path


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"
