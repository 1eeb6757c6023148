"""Read every lesson file, check them all, then write them in one transaction."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.db import transaction

from lessons import search
from lessons.markdown import LessonError, ParsedLesson, parse_lesson
from lessons.models import Lesson

CONTENT_DIR = Path(__file__).resolve().parent / "content"


class ImportFailed(Exception):
    """One or more files were rejected; nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def read_all(directory: Path) -> list[ParsedLesson]:
    problems, parsed = [], []
    for path in sorted(directory.glob("*.md")):
        try:
            text = path.read_text(encoding="utf-8")
            parsed.append(parse_lesson(text, path.name))
        except UnicodeDecodeError:
            problems.append(f"{path.name}: the file is not valid UTF-8 text")
        except LessonError as exc:
            problems.append(f"{path.name}: {exc}")
    seen: dict[str, str] = {}
    for lesson in parsed:
        if lesson.slug in seen:
            problems.append(f"{lesson.slug}: slug used by two files")
        seen[lesson.slug] = lesson.slug
    if not parsed and not problems:
        problems.append(f"{directory}: no lesson files (*.md) found")
    if problems:
        raise ImportFailed(problems)
    return parsed


def fields_of(lesson: ParsedLesson) -> dict:
    return {
        "title": lesson.title,
        "order": lesson.order,
        "group": lesson.group,
        "topic": lesson.topic,
        "skills": list(lesson.skills),
        "summary": lesson.summary,
        "preset": lesson.preset,
        "source": lesson.source,
        "html": lesson.html,
        "toc": [list(entry) for entry in lesson.toc],
        "sections": [asdict(section) for section in lesson.sections],
        "word_count": lesson.word_count,
        "reading_minutes": lesson.reading_minutes,
        "published": True,
    }


@transaction.atomic
def import_lessons(directory: Path = CONTENT_DIR) -> dict[str, int]:
    """Upsert every lesson; lessons whose file is gone are unpublished, keeping progress."""
    parsed = read_all(directory)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "unpublished": 0}
    existing = {lesson.slug: lesson for lesson in Lesson.objects.all()}
    for lesson in parsed:
        fields = fields_of(lesson)
        current = existing.get(lesson.slug)
        if current is None:
            Lesson.objects.create(slug=lesson.slug, **fields)
            counts["created"] += 1
        elif any(getattr(current, name) != value for name, value in fields.items()):
            Lesson.objects.filter(pk=current.pk).update(**fields)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    gone = set(existing) - {lesson.slug for lesson in parsed}
    counts["unpublished"] = Lesson.objects.filter(slug__in=gone, published=True).update(published=False)
    search.reindex()
    return counts
