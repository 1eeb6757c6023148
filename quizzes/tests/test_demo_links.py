"""A question may name a sandbox demo (``demo:``) that shows the behaviour its key rests on; the name must be
a file in sandbox/demos/, and the import stores it on the question."""

import re

import pytest

from quizzes import bank
from quizzes.importing import ImportFailed, import_questions
from quizzes.models import Question
from quizzes.templatetags.quiz_tags import demo_url, demo_watch
from quizzes.tests.bank_text import TOPICS, bank_file, single
from sandbox.demos import find_demo


def with_demo(question: str, demo: str) -> str:
    return re.sub(r"(    source: .*\n)", rf"\1    demo: {demo}\n", question, count=1)


def test_a_question_naming_a_demo_keeps_the_name():
    questions, problems = bank.read_file(
        bank_file("alpha", with_demo(single("alpha-01"), "async-retries")), "01-alpha.yaml", TOPICS
    )

    assert problems == []
    assert questions[0].demo == "async-retries"
    assert questions[0].as_dict()["demo"] == "async-retries"


def test_a_question_naming_an_unknown_demo_is_rejected_naming_file_id_and_demo():
    _, problems = bank.read_file(
        bank_file("alpha", with_demo(single("alpha-01"), "no-such-demo")), "01-alpha.yaml", TOPICS
    )

    assert len(problems) == 1
    assert str(problems[0]).startswith(
        "01-alpha.yaml: alpha-01: demo 'no-such-demo' is not a sandbox demo (a file in sandbox/demos/)"
    )


def test_import_stores_the_demo_and_writes_nothing_when_one_names_an_unknown_demo(tmp_path, db):
    path = tmp_path / "01-alpha.yaml"
    path.write_text(bank_file("alpha", with_demo(single("alpha-01"), "async-retries"), single("alpha-02")))
    import_questions(tmp_path, TOPICS)
    path.write_text(bank_file("alpha", with_demo(single("alpha-01"), "retry-storm"), single("alpha-02")))

    with pytest.raises(ImportFailed) as failed:
        import_questions(tmp_path, TOPICS)

    assert "alpha-01: demo 'retry-storm'" in str(failed.value.problems[0])
    assert dict(Question.objects.values_list("key", "demo")) == {"alpha-01": "async-retries", "alpha-02": None}


def test_the_shipped_bank_links_at_least_fifty_questions_to_existing_demos():
    questions, problems = bank.read_bank()

    linked = [question for question in questions if question.demo]
    assert problems == []
    assert len(linked) >= 50
    assert all(find_demo(question.demo) for question in linked)


def test_the_demo_link_opens_the_sandbox_demo_page_and_the_watch_line_comes_from_the_demo():
    assert demo_url("async-retries") == "/sandbox/demos/async-retries/"
    assert demo_url(None) == ""
    assert demo_watch("async-retries") == find_demo("async-retries").watch
    assert demo_watch("no-such-demo") == ""
