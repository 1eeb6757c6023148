from quizzes.bank import health, read_bank, read_file
from quizzes.tests.bank_text import TOPICS, bank_file, multiple, single


def problems_of(text: str, name: str = "01-alpha.yaml") -> list[str]:
    _, problems = read_file(text, name, TOPICS)
    return [str(problem) for problem in problems]


def test_read_file_accepts_a_valid_file():
    text = bank_file("alpha", single("alpha-01"), multiple("alpha-02"))

    questions, problems = read_file(text, "01-alpha.yaml", TOPICS)

    assert problems == []
    assert [q.key for q in questions] == ["alpha-01", "alpha-02"]
    assert questions[1].correct_indexes == (0, 2)


def test_read_file_names_file_id_and_problem_for_two_correct_single_answers():
    text = bank_file("alpha", single("alpha-01").replace("correct: false", "correct: true", 1))

    assert problems_of(text) == [
        "01-alpha.yaml: alpha-01: a single-choice question needs exactly 1 correct option, found 2"
    ]


def test_read_file_rejects_select_count_that_does_not_match_the_key():
    text = bank_file("alpha", multiple("alpha-02", correct=(0, 1, 2), stem="Which help? (Select TWO.)"))

    assert problems_of(text) == [
        "01-alpha.yaml: alpha-02: the stem says '(Select TWO.)' but 3 options are marked correct"
    ]


def test_read_file_rejects_multiple_response_stem_without_select():
    text = bank_file("alpha", multiple("alpha-02", stem="Which steps help?"))

    assert "must say how many to pick" in problems_of(text)[0]


def test_read_file_rejects_option_without_explanation():
    text = bank_file(
        "alpha", single("alpha-01").replace("explanation: 'Because of raise memory (alpha-01).'", "explanation: ''")
    )

    assert problems_of(text) == [
        "01-alpha.yaml: alpha-01: option A has no explanation (every option needs one: why right or why wrong)"
    ]


def test_read_file_rejects_unknown_skill_section_and_topic():
    text = bank_file("gamma", single("gamma-01", skill="9.9.9", section="nowhere"))

    problems = problems_of(text, "03-gamma.yaml")

    assert "03-gamma.yaml: -: topic 'gamma' is not a lesson slug (no lessons/content/NN-gamma.md)" in problems
    assert any("skill '9.9.9' is not a DVA-C02 skill id" in p for p in problems)


def test_read_file_rejects_section_missing_from_the_lesson():
    text = bank_file("alpha", single("alpha-01", section="retries"))

    assert problems_of(text) == [
        "01-alpha.yaml: alpha-01: section 'retries' is not a heading anchor of the lesson 'alpha'"
    ]


def test_read_file_rejects_all_of_the_above():
    text = bank_file(
        "alpha", single("alpha-01", texts=("Raise memory", "Lower timeout", "Add a layer", "All of the above"))
    )
    text = text.replace("All of the above (alpha-01)", "All of the above")

    assert any("'All of the above': write a real option instead" in p for p in problems_of(text))


def test_read_file_reports_yaml_errors_with_the_line():
    problems = problems_of("topic: alpha\nquestions:\n  - id: [unclosed\n")

    assert problems[0].startswith("01-alpha.yaml: -: the file is not valid YAML at line")


def test_read_file_rejects_topic_that_does_not_match_file_name():
    assert "does not match the file name" in problems_of(bank_file("beta", single("beta-01", section="retries")))[0]


def test_read_bank_rejects_duplicate_ids_and_stems_across_files(tmp_path):
    (tmp_path / "01-alpha.yaml").write_text(bank_file("alpha", single("alpha-01", stem="Same stem?")))
    (tmp_path / "02-beta.yaml").write_text(
        bank_file(
            "beta", single("alpha-01", section="retries"), single("beta-02", stem="Same  STEM?", section="retries")
        )
    )

    _, problems = read_bank(tmp_path, TOPICS)

    assert [str(p) for p in problems] == [
        "02-beta.yaml: alpha-01: id already used in 01-alpha.yaml",
        "02-beta.yaml: beta-02: same stem as alpha-01",
    ]


def balanced_questions(letters: str, longest: bool = False):
    texts = ("Raise memory", "Lower timeout", "Add a layer", "Use arm64")
    text = bank_file("alpha", *(single(f"alpha-{i:02d}", letter, texts=texts) for i, letter in enumerate(letters)))
    questions, problems = read_file(text, "01-alpha.yaml", TOPICS)
    assert problems == []
    return questions


def test_health_fails_when_one_letter_holds_more_than_35_percent():
    questions = balanced_questions("AAAABCDBCD")  # A holds 40%

    report = health(questions, min_per_topic=1, min_total=1, min_multiple_share=0)

    assert report.letters == {"A": 4, "B": 2, "C": 2, "D": 2}
    assert any(f.startswith("letter A holds 40%") for f in report.failures)


def test_health_passes_a_balanced_bank():
    questions = balanced_questions("ABCDBCDACD")

    report = health(questions, min_per_topic=1, min_total=1, min_multiple_share=0)

    assert report.failures == ()


def test_health_fails_when_the_correct_option_is_longest_in_more_than_40_percent():
    # "Lower timeout" (B) is the longest option: B correct in 5 of 10 questions -> 50% longest.
    questions = balanced_questions("BBBBBACDAC")

    report = health(questions, min_per_topic=1, min_total=1, min_multiple_share=0)

    assert report.longest_correct == 5
    assert any("the correct option is the longest in 50%" in f for f in report.failures)


def test_health_fails_small_topics_small_banks_and_few_multiple_response():
    questions = balanced_questions("ABCD")

    report = health(questions)

    assert "topic alpha has 4 questions (at least 10)" in report.failures
    assert "the bank has 4 questions (at least 180)" in report.failures
    assert "0% of questions are multiple response (at least 25%)" in report.failures


def test_read_file_rejects_options_that_differ_only_in_spacing_but_not_in_case():
    spaced = single("alpha-01", texts=("Raise  memory", "Raise memory", "Add a layer", "Use arm64"))
    cased = single("alpha-02", texts=('record["body"]', 'record["Body"]', "Add a layer", "Use arm64"))

    problems = problems_of(bank_file("alpha", spaced.replace(" (alpha-01)", ""), cased.replace(" (alpha-02)", "")))

    assert problems == ["01-alpha.yaml: alpha-01: two options have the same text"]
