import pytest

from lessons.markdown import LessonError, parse_lesson
from lessons.tests.factories import FILLER, lesson_text


def test_parse_lesson_reads_front_matter_and_counts_words():
    lesson = parse_lesson(lesson_text(), "01-sample-lesson.md")

    assert lesson.slug == "sample-lesson"
    assert lesson.skills == ("1.2.2",)
    assert lesson.word_count > 700
    assert lesson.reading_minutes >= 4


def test_parse_lesson_builds_table_of_contents_with_anchors():
    lesson = parse_lesson(lesson_text(), "01-sample-lesson.md")

    assert (2, "cold-starts-and-init", "Cold starts and Init") in lesson.toc
    assert '<h2 id="exam-traps">' in lesson.html


def test_parse_lesson_highlights_python_code():
    lesson = parse_lesson(lesson_text(), "01-sample-lesson.md")

    assert '<div class="highlight">' in lesson.html
    assert '<span class="k">def</span>' in lesson.html


def test_parse_lesson_renders_script_tags_inert():
    body = f"<script>alert('x')</script>\n\n## Exam traps\n\n{FILLER}\n\n## Exam tips\n\n- tip\n"

    lesson = parse_lesson(lesson_text(body=body), "01-sample-lesson.md")

    assert "<script" not in lesson.html
    assert "alert(" not in lesson.html


def test_parse_lesson_strips_event_handler_attributes():
    body = f'<img src="x" onerror="alert(1)"> <a href="javascript:alert(2)" onclick="x()">link</a>\n\n## Exam traps\n\n{FILLER}\n\n## Exam tips\n\n- tip\n'

    lesson = parse_lesson(lesson_text(body=body), "01-sample-lesson.md")

    assert "onerror" not in lesson.html
    assert "onclick" not in lesson.html
    assert "javascript:" not in lesson.html


def test_parse_lesson_splits_sections_for_search():
    lesson = parse_lesson(lesson_text(), "01-sample-lesson.md")

    anchors = [section.anchor for section in lesson.sections]
    assert anchors[:2] == ["", "cold-starts-and-init"]
    assert "execution environment" in lesson.sections[1].text


@pytest.mark.parametrize(
    ("text", "file_name", "expected", "line"),
    [
        ("no front matter\n", "01-sample-lesson.md", "must start with a '---'", 1),
        ("---\ntitle: x\n", "01-sample-lesson.md", "never closed", 1),
        ("---\ntitle: [unclosed\nslug: a\n---\nbody", "01-sample-lesson.md", "not valid YAML", 3),
        (lesson_text(summary=None), "01-sample-lesson.md", "'summary' is missing", 2),
        (lesson_text(order="first"), "01-sample-lesson.md", "'order' must be a whole number", 4),
        (lesson_text(skills='["one"]'), "01-sample-lesson.md", "'skills' must be a list", 7),
        (lesson_text(slug="Bad Slug"), "01-sample-lesson.md", "'slug' may hold only", 3),
        (lesson_text(), "02-sample-lesson.md", "the file name says order 2", 3),
        (
            lesson_text(body="## Exam traps\n\nshort\n\n## Exam tips\n\nshort\n"),
            "01-sample-lesson.md",
            "at least 700",
            11,
        ),
        (lesson_text(body=f"## Exam tips\n\n{FILLER}\n"), "01-sample-lesson.md", "'## Exam traps' section", 11),
        (
            lesson_text(body=f"\n# Big title\n\n{FILLER}\n## Exam traps\n## Exam tips\n"),
            "01-sample-lesson.md",
            "level-1",
            12,
        ),
    ],
)
def test_parse_lesson_rejects_bad_files_with_line(text, file_name, expected, line):
    with pytest.raises(LessonError) as caught:
        parse_lesson(text, file_name)

    assert expected in caught.value.message
    assert caught.value.line == line
