import json

import pytest
from django.core.management import CommandError, call_command

from quizzes.models import Question
from quizzes.tests.bank_text import bank_file, multiple, single

LESSON = "---\nslug: {slug}\n---\nIntro.\n\n## Memory\n\nText.\n\n## Timeout\n\nText.\n"


@pytest.fixture
def folders(tmp_path):
    lessons, questions = tmp_path / "lessons", tmp_path / "questions"
    lessons.mkdir()
    questions.mkdir()
    (lessons / "01-alpha.md").write_text(LESSON.format(slug="alpha"))
    return lessons, questions


def run(command: str, lessons, questions, *extra, capsys=None) -> str:
    call_command(command, "--dir", str(questions), "--lessons-dir", str(lessons), *extra)
    return capsys.readouterr().out if capsys else ""


def test_validate_questions_prints_health_and_passes_a_good_bank(folders, capsys):
    lessons, questions = folders
    singles = (single(f"alpha-{i:02d}", letter) for i, letter in enumerate("ABCDABCDB"))
    multiples = (multiple(f"alpha-{i}", correct) for i, correct in ((10, (0, 2)), (11, (1, 3)), (12, (0, 4))))
    (questions / "01-alpha.yaml").write_text(bank_file("alpha", *singles, *multiples))

    out = run("validate_questions", lessons, questions, "--min-total", "12", capsys=capsys)

    assert "Questions: 12 (9 single choice, 3 multiple response, 25% multiple)" in out
    assert "A 2 (22%)  B 3 (33%)  C 2 (22%)  D 2 (22%)" in out
    assert "The question bank is valid: 12 questions." in out


def test_validate_questions_fails_a_bank_with_too_few_multiple_response(folders, capsys):
    lessons, questions = folders
    (questions / "01-alpha.yaml").write_text(bank_file("alpha", *(single(f"alpha-{i}", "ABCD"[i]) for i in range(4))))

    with pytest.raises(CommandError, match="the question bank has 1 problem"):
        run("validate_questions", lessons, questions, "--min-total", "1", "--min-per-topic", "1")

    assert "bank health: 0% of questions are multiple response (at least 25%)" in capsys.readouterr().err


def test_validate_questions_fails_with_file_id_and_problem(folders, capsys):
    lessons, questions = folders
    (questions / "01-alpha.yaml").write_text(bank_file("alpha", single("alpha-01", section="nowhere")))

    with pytest.raises(CommandError):
        run("validate_questions", lessons, questions)

    assert (
        "01-alpha.yaml: alpha-01: section 'nowhere' is not a heading anchor of the lesson 'alpha'"
        in capsys.readouterr().err
    )


@pytest.mark.django_db
def test_import_questions_command_reports_problems_and_writes_nothing(folders):
    lessons, questions = folders
    (questions / "01-alpha.yaml").write_text(bank_file("alpha", single("alpha-01"), single("alpha-01", "B")))

    with pytest.raises(CommandError, match="01-alpha.yaml: alpha-01: id already used in 01-alpha.yaml"):
        run("import_questions", lessons, questions)

    assert Question.objects.count() == 0


def test_export_questions_prints_the_bank_as_json(folders, capsys):
    lessons, questions = folders
    (questions / "01-alpha.yaml").write_text(bank_file("alpha", single("alpha-01", "C"), multiple("alpha-02")))

    exported = json.loads(run("export_questions", lessons, questions, "--format", "json", capsys=capsys))

    assert [(q["id"], q["topic"], q["type"], q["skill"]) for q in exported] == [
        ("alpha-01", "alpha", "single", "1.2.2"),
        ("alpha-02", "alpha", "multiple", "1.2.3"),
    ]
    assert exported[0]["options"][2] == {
        "text": "Add a layer (alpha-01)",
        "correct": True,
        "explanation": "Because of add a layer (alpha-01).",
    }
