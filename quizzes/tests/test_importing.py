import pytest

from quizzes.importing import ImportFailed, import_questions
from quizzes.models import AttemptItem, Question
from quizzes.tests.bank_text import TOPICS, bank_file, multiple, single
from quizzes.tests.factories import make_attempt

pytestmark = pytest.mark.django_db


def write(directory, name: str, text: str) -> None:
    (directory / name).write_text(text)


def test_import_questions_creates_then_is_idempotent(tmp_path):
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01"), multiple("alpha-02")))

    first = import_questions(tmp_path, TOPICS)
    second = import_questions(tmp_path, TOPICS)

    assert first == {"created": 2, "updated": 0, "unchanged": 0, "retired": 0}
    assert second == {"created": 0, "updated": 0, "unchanged": 2, "retired": 0}
    assert Question.objects.get(key="alpha-02").kind == "multiple"


def test_import_questions_updates_an_edited_question(tmp_path):
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01")))
    import_questions(tmp_path, TOPICS)
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01", stem="A clearer stem for alpha-01?")))

    counts = import_questions(tmp_path, TOPICS)

    assert counts["updated"] == 1
    assert Question.objects.get(key="alpha-01").stem == "A clearer stem for alpha-01?"


def test_import_questions_retires_a_removed_question_and_keeps_history(tmp_path):
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01"), single("alpha-02", "B")))
    import_questions(tmp_path, TOPICS)
    attempt = make_attempt(questions=[Question.objects.get(key="alpha-02")])
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01")))

    counts = import_questions(tmp_path, TOPICS)

    assert counts["retired"] == 1
    retired = Question.objects.get(key="alpha-02")
    assert retired.retired_at is not None
    assert AttemptItem.objects.filter(attempt=attempt, question=retired).exists()


def test_import_questions_brings_a_retired_question_back(tmp_path):
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01"), single("alpha-02", "B")))
    import_questions(tmp_path, TOPICS)
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01")))
    import_questions(tmp_path, TOPICS)
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01"), single("alpha-02", "B")))

    import_questions(tmp_path, TOPICS)

    assert Question.objects.get(key="alpha-02").retired_at is None


def test_import_questions_writes_nothing_when_one_file_is_broken(tmp_path):
    write(tmp_path, "01-alpha.yaml", bank_file("alpha", single("alpha-01")))
    write(tmp_path, "02-beta.yaml", bank_file("beta", single("beta-01", "E", section="retries")))

    with pytest.raises(ImportFailed) as failure:
        import_questions(tmp_path, TOPICS)

    assert Question.objects.count() == 0
    assert [str(p) for p in failure.value.problems] == [
        "02-beta.yaml: beta-01: a single-choice question needs exactly 1 correct option, found 0"
    ]
