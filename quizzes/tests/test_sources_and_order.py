"""Every question cites its AWS documentation page; options appear in an order fixed per attempt; multiple-response
keys form no pattern; explanations never name options by letter."""

import re

import pytest
from django.core.management import CommandError, call_command

from quizzes import bank, selection
from quizzes.importing import ImportFailed, import_questions
from quizzes.models import Attempt, Question
from quizzes.tests.bank_text import TOPICS, bank_file, multiple, single
from quizzes.tests.factories import make_question

HTMX = {"HTTP_HX_REQUEST": "true"}
DOC = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html"


def problems_of(text: str, name: str = "01-alpha.yaml") -> list[str]:
    return [str(problem) for problem in bank.read_file(text, name, TOPICS)[1]]


def without_source(question: str) -> str:
    return re.sub(r"    source: .*\n", "", question)


# --- the source field ---------------------------------------------------------------------------------


def test_a_question_without_a_source_is_rejected_naming_file_and_id():
    problems = problems_of(bank_file("alpha", without_source(single("alpha-01"))))

    assert problems == ["01-alpha.yaml: alpha-01: missing field(s): source"]


@pytest.mark.parametrize(
    "source",
    ["http://docs.aws.amazon.com/lambda/", "https://example.com/lambda", "https://docs.aws.amazon.com/a b", "''"],
)
def test_a_source_that_is_not_an_aws_documentation_url_is_rejected(source):
    problems = problems_of(bank_file("alpha", single("alpha-01", source=source)))

    assert len(problems) == 1
    assert problems[0].startswith("01-alpha.yaml: alpha-01: source")


def test_import_stores_the_source_and_refuses_a_bank_where_one_is_missing(tmp_path, db):
    (tmp_path / "01-alpha.yaml").write_text(bank_file("alpha", single("alpha-01", source=DOC)))
    import_questions(tmp_path, TOPICS)
    (tmp_path / "01-alpha.yaml").write_text(
        bank_file("alpha", single("alpha-01", source=DOC), without_source(single("alpha-02")))
    )

    with pytest.raises(ImportFailed) as failed:
        import_questions(tmp_path, TOPICS)

    assert [str(p) for p in failed.value.problems] == ["01-alpha.yaml: alpha-02: missing field(s): source"]
    assert list(Question.objects.values_list("key", "doc_url")) == [("alpha-01", DOC)]


def test_import_is_idempotent_with_sources(tmp_path, db):
    (tmp_path / "01-alpha.yaml").write_text(bank_file("alpha", single("alpha-01", source=DOC)))
    import_questions(tmp_path, TOPICS)

    assert import_questions(tmp_path, TOPICS) == {"created": 0, "updated": 0, "unchanged": 1, "retired": 0}


def test_validate_questions_names_the_question_without_a_source(tmp_path):
    lessons, questions = tmp_path / "lessons", tmp_path / "questions"
    lessons.mkdir()
    questions.mkdir()
    (lessons / "01-alpha.md").write_text("---\nslug: alpha\n---\n\n## Memory\n\nText.\n")
    (questions / "01-alpha.yaml").write_text(bank_file("alpha", without_source(single("alpha-07"))))

    with pytest.raises(CommandError):
        call_command("validate_questions", "--dir", str(questions), "--lessons-dir", str(lessons))


def test_drill_feedback_and_results_link_the_documentation_page(student_client, db):
    make_question("alpha-01", "alpha", correct=(0,), doc_url=DOC)
    student_client.post("/practice/drill/alpha/")
    attempt = Attempt.objects.get(mode="drill")

    feedback = student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/check/", {"option": ["0"]}, **HTMX)
    student_client.post(f"/practice/attempts/{attempt.uuid}/submit/")
    results = student_client.get(f"/practice/attempts/{attempt.uuid}/results/")

    link = f'AWS documentation: <a href="{DOC}" rel="noopener" target="_blank">docs.aws.amazon.com/lambda › invocation-retries</a>'
    assert link in feedback.content.decode()
    assert link in results.content.decode()


# --- option order -------------------------------------------------------------------------------------


def shown_order(client, attempt: Attempt, position: int) -> list[str]:
    html = client.get(f"/practice/attempts/{attempt.uuid}/q/{position}/").content.decode()
    return re.findall(r"Option [A-F] of [a-z]+-\d+", html)


@pytest.fixture
def six_options_each(db):
    return [make_question(f"alpha-{i:02d}", "alpha", correct=(1, 4), options=6) for i in range(8)]


def test_option_order_is_stable_within_an_attempt_across_reloads(student_client, six_options_each):
    student_client.post("/practice/drill/alpha/")
    attempt = Attempt.objects.get(mode="drill")

    first = [shown_order(student_client, attempt, position) for position in range(1, 9)]
    again = [shown_order(student_client, attempt, position) for position in range(1, 9)]

    assert first == again
    assert all(len(order) == 6 for order in first)


def test_option_order_differs_between_attempts(student_client, six_options_each):
    student_client.post("/practice/drill/alpha/")
    one = Attempt.objects.get(mode="drill")
    orders_one = {item.question.key: [o["text"] for o in item.options] for item in one.items.all()}
    student_client.post(f"/practice/attempts/{one.uuid}/submit/")
    student_client.post("/practice/drill/alpha/")
    two = Attempt.objects.get(mode="drill", status=Attempt.ACTIVE)
    orders_two = {item.question.key: [o["text"] for o in item.options] for item in two.items.all()}

    assert orders_one.keys() == orders_two.keys()
    assert orders_one != orders_two  # 8 questions of 720 orders each: equal by chance about never


def test_scoring_follows_the_shuffled_options(student_client, six_options_each):
    student_client.post("/practice/drill/alpha/")
    attempt = Attempt.objects.get(mode="drill")
    item = attempt.items.get(position=1)
    shown_keys = [str(i) for i, o in enumerate(item.options) if o["correct"]]
    bank_keys = [str(i) for i in item.question.correct_indexes]

    student_client.post(f"/practice/attempts/{attempt.uuid}/q/1/check/", {"option": shown_keys})
    student_client.post(f"/practice/attempts/{attempt.uuid}/q/2/check/", {"option": bank_keys})

    shown_texts = {item.options[int(i)]["text"] for i in shown_keys}
    assert shown_texts == {f"Option B of {item.question.key}", f"Option E of {item.question.key}"}
    assert attempt.items.get(position=1).correct is True
    second = attempt.items.get(position=2)
    assert second.correct is (second.options[1]["correct"] and second.options[4]["correct"])


def test_shuffled_options_keep_their_place_in_the_bank_for_statistics():
    options = [{"text": t, "correct": t == "c", "explanation": "."} for t in "abcde"]

    shuffled = selection.shuffled_options(options, "attempt:1")
    chosen = [i for i, o in enumerate(shuffled) if o["text"] == "c"]

    assert sorted(o["bank_index"] for o in shuffled) == [0, 1, 2, 3, 4]
    assert selection.shuffled_options(options, "attempt:1") == shuffled
    assert selection.bank_indexes(shuffled, chosen) == (2,)


# --- letters and multiple-response balance ------------------------------------------------------------


@pytest.mark.parametrize(
    "explanation",
    ["Unlike option B, this keeps the event.", "This is wrong (C).", "A and C are both needed.", "See answer D."],
)
def test_an_explanation_naming_an_option_by_letter_is_rejected(explanation):
    question = single("alpha-01").replace("Because of lower timeout (alpha-01).", explanation)
    assert explanation in question

    problems = problems_of(bank_file("alpha", question))

    assert any("refers to an option by letter" in p and p.startswith("01-alpha.yaml: alpha-01:") for p in problems)


def test_an_explanation_with_ordinary_capitals_is_accepted():
    explanation = "A DLQ and an SQS queue are both standard. Use an alias (live) and a version."
    question = single("alpha-01", texts=("One", "Two", "Three", "Four")).replace(
        "explanation: 'Because of one (alpha-01).'", f"explanation: '{explanation}'"
    )

    assert explanation in question
    assert problems_of(bank_file("alpha", question)) == []


def multiple_bank(key_sets) -> list[bank.Question]:
    text = bank_file("alpha", *(multiple(f"alpha-{i:02d}", keys) for i, keys in enumerate(key_sets)))
    questions, problems = bank.read_file(text, "01-alpha.yaml", TOPICS)
    assert problems == []
    return questions


def test_health_fails_when_multiple_response_keys_repeat_one_pattern():
    report = bank.health(multiple_bank([(0, 1)] * 4 + [(2, 4), (1, 3), (3, 4), (2, 3), (2, 4), (1, 4)]), 0, 0)

    assert any("keyed A+B" in failure for failure in report.failures)
    assert any("option A is correct in" in failure for failure in report.failures) is False
    assert report.key_sets["A+B"] == 4


def test_health_fails_when_one_position_is_keyed_too_often():
    sets = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 1, 2), (0, 2, 4), (0, 3, 4), (1, 3), (2, 4), (0, 1, 3)]

    report = bank.health(multiple_bank(sets), 0, 0)

    assert report.keyed_positions["A"] == 8
    assert any("option A is correct in 80% of multiple-response questions" in f for f in report.failures)


def test_health_passes_balanced_multiple_response_keys():
    sets = [(0, 1), (2, 3), (1, 4), (0, 3), (2, 4), (1, 2, 3), (0, 2, 4), (3, 4), (0, 4), (1, 3)]

    assert bank.health(multiple_bank(sets), 0, 0).failures == ()


@pytest.mark.parametrize(
    "url, label",
    [
        (DOC, "docs.aws.amazon.com/lambda › invocation-retries"),
        ("https://aws.amazon.com/lambda/pricing/", "aws.amazon.com/lambda › pricing"),
        ("https://aws.amazon.com/", "aws.amazon.com"),
    ],
)
def test_documentation_links_show_a_short_page_label(url, label):
    from quizzes.templatetags.quiz_tags import doc_page

    assert doc_page(url) == label


def test_the_shipped_bank_imports_every_source_and_reimports_unchanged(db):
    first = import_questions()
    again = import_questions()

    assert first["created"] == Question.objects.count() > 0
    assert again == {"created": 0, "updated": 0, "unchanged": first["created"], "retired": 0}
    assert not Question.objects.filter(doc_url="").exists()


def test_an_option_naming_another_option_by_letter_is_rejected():
    question = single("alpha-01").replace("Add a layer (alpha-01)", "Both A and B together")

    problems = problems_of(bank_file("alpha", question))

    assert any("option C refers to an option by letter ('A and B')" in p for p in problems)
