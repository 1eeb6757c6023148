import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lessons.facts import FACTS_DIR, load_registry, stale, stray_numbers
from lessons.importing import CONTENT_DIR, ImportFailed, import_lessons, validate
from lessons.markdown import LessonError, parse_lesson
from lessons.models import Lesson
from lessons.tests.factories import FILLER, lesson_text, write_lesson


def write_facts(directory: Path, slug: str, *entries: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug}.yaml"
    path.write_text("facts:\n" + "".join(entries), encoding="utf-8")
    return path


def fact(fact_id: str, value: str = '"1 MB"', checked: str | None = "2026-12-03", source: str | None = None) -> str:
    lines = [f"  - id: {fact_id}\n", f"    value: {value}\n", "    says: Largest asynchronous payload\n"]
    lines.append(f"    source: {source or 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html'}\n")
    if checked:
        lines.append(f"    checked: {checked}\n")
    return "".join(lines)


def body_with(prose: str) -> str:
    return f"Intro.\n\n## Limits\n\n{prose}\n\n{FILLER}\n\n## Exam traps\n\n- A trap.\n\n## Exam tips\n\n- A tip.\n"


@pytest.fixture
def dirs(tmp_path):
    content, facts = tmp_path / "content", tmp_path / "facts"
    content.mkdir()
    write_facts(facts, "sample-lesson", fact("async-payload-max"))
    return content, facts


def test_parse_lesson_replaces_a_fact_placeholder_with_its_value(dirs):
    _, facts = dirs
    registry, _ = load_registry(facts)

    lesson = parse_lesson(
        lesson_text(body=body_with("Async payloads stop at {fact:async-payload-max}.")), "01-sample-lesson.md", registry
    )

    assert "Async payloads stop at 1 MB." in lesson.html
    assert "{fact:" not in lesson.html


def test_parse_lesson_shows_an_example_placeholder_as_written():
    lesson = parse_lesson(
        lesson_text(body=body_with("A function with {example:512 MB} of memory.")), "01-sample-lesson.md", {}
    )

    assert "A function with 512 MB of memory." in lesson.html


def test_parse_lesson_names_the_line_of_an_unknown_fact_id(dirs):
    _, facts = dirs
    registry, _ = load_registry(facts)
    text = lesson_text(body=body_with("Sync payloads stop at {fact:sync-payload-max}."))

    with pytest.raises(LessonError) as caught:
        parse_lesson(text, "01-sample-lesson.md", registry)

    line = text.splitlines().index("Sync payloads stop at {fact:sync-payload-max}.") + 1
    assert caught.value.line == line
    assert "unknown fact id 'sync-payload-max'" in str(caught.value)


@pytest.mark.django_db
def test_import_lessons_rejects_an_unknown_fact_id_naming_file_line_and_id(dirs):
    content, facts = dirs
    write_lesson(content, body=body_with("{fact:no-such-fact}"))

    with pytest.raises(CommandError) as caught:
        call_command("import_lessons", "--dir", str(content), "--facts", str(facts))

    assert "01-sample-lesson.md: line 15: unknown fact id 'no-such-fact'" in str(caught.value)


@pytest.mark.django_db
def test_import_lessons_stores_the_substituted_value(dirs):
    content, facts = dirs
    write_lesson(content, body=body_with("Async payloads stop at {fact:async-payload-max}."))

    import_lessons(content, facts)

    assert "Async payloads stop at 1 MB." in Lesson.objects.get().html


def test_stray_numbers_finds_a_number_no_fact_supplies():
    prose = "The timeout is 900 seconds and {fact:async-payload-max} is the limit.\nBatches hold 10,000 records."

    assert stray_numbers(prose, first_line=5) == [(5, "900"), (6, "10,000")]


def test_stray_numbers_ignores_names_code_links_lists_ordinals_and_dates():
    prose = (
        "1. Put S3, EC2, arm64, x86_64, UTF-8, 5xx and Route 53 in `timeout: 30`.\n"
        "## 2. Since October 2024, since 2023 and since late 2023, see [the page](https://example.com/v2/42).\n"
        "Checked 2026-12-03, on 3 December 2026 and in October\n  2024; {example:128 MB} is an illustration."
    )

    assert stray_numbers(prose) == []


def test_validate_passes_lessons_whose_numbers_all_come_from_the_registry(dirs):
    content, facts = dirs
    write_lesson(content, body=body_with("Async payloads stop at {fact:async-payload-max}."))

    problems, lessons, count = validate(content, facts)

    assert (problems, lessons, count) == ([], 1, 1)


def test_validate_fails_on_a_number_outside_the_registry(dirs):
    content, facts = dirs
    write_lesson(content, body=body_with("The timeout is at most 900 seconds."))

    problems, _, _ = validate(content, facts)

    assert problems == [
        "01-sample-lesson.md: line 15: the number '900' is not from the fact registry "
        "(write {fact:id}, or {example:...} for an illustration)"
    ]


def test_validate_fails_on_a_fact_without_source_url(dirs):
    content, facts = dirs
    write_lesson(content)
    write_facts(facts, "sample-lesson", fact("async-payload-max", source='""'))

    problems, _, _ = validate(content, facts)

    assert problems == ["facts/sample-lesson.yaml: line 2: fact 'async-payload-max' has no source URL"]


def test_validate_fails_on_a_source_that_is_not_a_url(dirs):
    content, facts = dirs
    write_lesson(content)
    write_facts(facts, "sample-lesson", fact("async-payload-max", source="the Lambda guide"))

    problems, _, _ = validate(content, facts)

    assert problems == [
        "facts/sample-lesson.yaml: line 2: fact 'async-payload-max' source 'the Lambda guide' is not an https URL"
    ]


def test_validate_fails_on_a_fact_without_checked_date(dirs):
    content, facts = dirs
    write_lesson(content)
    write_facts(facts, "sample-lesson", fact("async-payload-max", checked=None))

    problems, _, _ = validate(content, facts)

    assert problems == ["facts/sample-lesson.yaml: line 2: fact 'async-payload-max' has no 'checked' date (YYYY-MM-DD)"]


def test_validate_fails_on_an_id_defined_twice_across_files(dirs):
    content, facts = dirs
    write_lesson(content)
    write_lesson(content, slug="other-lesson", order=2)
    write_facts(facts, "other-lesson", fact("sync-payload-max"), fact("async-payload-max"))

    problems, _, _ = validate(content, facts)

    assert problems == [
        "facts/sample-lesson.yaml: line 2: fact id 'async-payload-max' is also defined in other-lesson.yaml line 7"
    ]


def test_validate_fails_on_a_facts_file_that_names_no_lesson(dirs):
    content, facts = dirs
    write_lesson(content)
    write_facts(facts, "no-such-lesson", fact("sync-payload-max"))

    problems, _, _ = validate(content, facts)

    assert problems == ["facts/no-such-lesson.yaml: names no lesson (the file name must be a lesson slug)"]


@pytest.mark.django_db
def test_import_lessons_rejects_a_registry_with_problems_and_writes_nothing(dirs):
    content, facts = dirs
    write_lesson(content)
    write_facts(facts, "sample-lesson", fact("async-payload-max"), fact("async-payload-max"))

    with pytest.raises(ImportFailed) as caught:
        import_lessons(content, facts)

    assert "fact id 'async-payload-max' is also defined" in str(caught.value)
    assert not Lesson.objects.exists()


def test_validate_lessons_command_fails_listing_problems(dirs):
    content, facts = dirs
    write_lesson(content, body=body_with("Up to 10 filters."))

    with pytest.raises(CommandError) as caught:
        call_command("validate_lessons", "--dir", str(content), "--facts", str(facts))

    assert "1 problem(s)" in str(caught.value)


def test_stale_lists_facts_checked_more_than_six_months_ago(tmp_path):
    facts = tmp_path / "facts"
    write_facts(facts, "a", fact("old-fact", checked="2026-06-02"), fact("edge-fact", checked="2026-06-03"))
    registry, _ = load_registry(facts)

    old = stale(registry, datetime.date(2026, 12, 3))

    assert [item.id for item in old] == ["old-fact"]


def test_stale_facts_command_prints_old_facts_and_exits_zero(tmp_path, capsys):
    facts = tmp_path / "facts"
    write_facts(facts, "a", fact("old-fact", checked="2025-01-10"), fact("new-fact", checked="2026-11-30"))

    call_command("stale_facts", "--facts", str(facts), "--today", "2026-12-03")

    out = capsys.readouterr().out
    assert "2025-01-10  old-fact  (a.yaml line 2)" in out
    assert "new-fact" not in out
    assert "1 of 2 facts were last checked more than 6 months before 2026-12-03." in out


def test_the_shipped_lessons_and_registry_are_valid():
    problems, lessons, facts = validate(CONTENT_DIR, FACTS_DIR)

    assert problems == []
    assert lessons >= 16
    assert facts > 0
