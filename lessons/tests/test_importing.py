import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lessons.importing import CONTENT_DIR, import_lessons
from lessons.markdown import MIN_WORDS
from lessons.models import Lesson, LessonProgress
from lessons.tests.factories import write_lesson

pytestmark = pytest.mark.django_db


def test_import_lessons_creates_then_is_idempotent(tmp_path):
    write_lesson(tmp_path, "first-lesson", 1)
    write_lesson(tmp_path, "second-lesson", 2)

    first = import_lessons(tmp_path)
    second = import_lessons(tmp_path)

    assert first["created"] == 2
    assert second == {"created": 0, "updated": 0, "unchanged": 2, "unpublished": 0}
    assert list(Lesson.objects.values_list("slug", flat=True)) == ["first-lesson", "second-lesson"]


def test_import_lessons_updates_an_edited_file(tmp_path):
    write_lesson(tmp_path, "first-lesson", 1)
    import_lessons(tmp_path)
    write_lesson(tmp_path, "first-lesson", 1, title="A better title")

    counts = import_lessons(tmp_path)

    assert counts["updated"] == 1
    assert Lesson.objects.get(slug="first-lesson").title == "A better title"


def test_import_lessons_rejects_a_bad_file_and_changes_nothing(tmp_path):
    write_lesson(tmp_path, "first-lesson", 1)
    import_lessons(tmp_path)
    write_lesson(tmp_path, "first-lesson", 1, title="Changed title")
    (tmp_path / "02-broken.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("import_lessons", "--dir", str(tmp_path))

    assert "02-broken.md: line 2" in str(caught.value)
    assert Lesson.objects.get(slug="first-lesson").title == "A sample lesson"


def test_import_lessons_unpublishes_a_removed_file_and_keeps_progress(tmp_path, django_user_model):
    first = write_lesson(tmp_path, "first-lesson", 1)
    write_lesson(tmp_path, "second-lesson", 2)
    import_lessons(tmp_path)
    user = django_user_model.objects.create_user("ana", password="a-long-passphrase-1")
    LessonProgress.objects.create(user=user, lesson=Lesson.objects.get(slug="first-lesson"))
    first.unlink()

    counts = import_lessons(tmp_path)

    assert counts["unpublished"] == 1
    assert not Lesson.objects.get(slug="first-lesson").published
    assert LessonProgress.objects.filter(user=user).count() == 1


def test_import_lessons_rejects_two_files_with_one_slug(tmp_path):
    write_lesson(tmp_path, "same-slug", 1)
    (tmp_path / "02-same-slug.md").write_text(
        (tmp_path / "01-same-slug.md").read_text().replace("order: 1", "order: 2"), encoding="utf-8"
    )

    with pytest.raises(CommandError, match="slug used by two files"):
        call_command("import_lessons", "--dir", str(tmp_path))


def test_the_real_lessons_import_and_cover_every_topic():
    counts = import_lessons(CONTENT_DIR)

    lessons = list(Lesson.objects.all())
    topics = {lesson.topic for lesson in lessons}
    assert counts["created"] == len(lessons) >= 16
    assert {f"L{number}" for number in range(1, 16)} <= topics
    assert all(lesson.word_count >= MIN_WORDS for lesson in lessons)
    for lesson in lessons:
        last_two = [heading for level, _, heading in lesson.toc if level == 2][-2:]
        assert last_two == ["Exam traps", "Exam tips"], lesson.slug
