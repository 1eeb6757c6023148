"""Read every lesson file, check them all, then write them in one transaction."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.db import transaction

from lessons import search
from lessons.facts import FACTS_DIR, Fact, load_registry, stray_numbers
from lessons.markdown import LessonError, ParsedLesson, parse_lesson, split_front_matter, without_code
from lessons.models import Lesson

CONTENT_DIR = Path(__file__).resolve().parent / "content"


class ImportFailed(Exception):
    """One or more files were rejected; nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def read_all(directory: Path, facts_dir: Path = FACTS_DIR) -> list[ParsedLesson]:
    registry, registry_problems = load_registry(facts_dir)
    problems = [f"{facts_dir.name}/{problem}" for problem in registry_problems]
    parsed = parse_all(directory, registry, problems)
    if problems:
        raise ImportFailed(problems)
    return parsed


def parse_all(directory: Path, registry: dict[str, Fact], problems: list[str]) -> list[ParsedLesson]:
    """Parse every lesson file, adding each rejected file's problem to ``problems``."""
    parsed = []
    for path in sorted(directory.glob("*.md")):
        try:
            text = path.read_text(encoding="utf-8")
            parsed.append(parse_lesson(text, path.name, registry))
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
    return parsed


def validate(directory: Path = CONTENT_DIR, facts_dir: Path = FACTS_DIR) -> tuple[list[str], int, int]:
    """Every problem with the lessons and the fact registry, the number of lessons and of facts.

    Beyond what the import rejects: a number in a lesson's prose that no placeholder supplies, and a facts
    file that names no lesson.
    """
    registry, registry_problems = load_registry(facts_dir)
    problems = [f"{facts_dir.name}/{problem}" for problem in registry_problems]
    parsed = parse_all(directory, registry, problems)
    slugs = {lesson.slug for lesson in parsed}
    for path in sorted(directory.glob("*.md")):
        try:
            _, body, first_line = split_front_matter(path.read_text(encoding="utf-8"))
        except (LessonError, UnicodeDecodeError):
            continue  # already reported by parse_all
        for line, number in stray_numbers(without_code(body), first_line):
            problems.append(
                f"{path.name}: line {line}: the number '{number}' is not from the fact registry "
                "(write {fact:id}, or {example:...} for an illustration)"
            )
    for path in sorted(facts_dir.glob("*.y*ml")):
        if parsed and path.stem not in slugs:
            problems.append(f"{facts_dir.name}/{path.name}: names no lesson (the file name must be a lesson slug)")
    return problems, len(parsed), len(registry)


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
def import_lessons(directory: Path = CONTENT_DIR, facts_dir: Path = FACTS_DIR) -> dict[str, int]:
    """Upsert every lesson; lessons whose file is gone are unpublished, keeping progress."""
    parsed = read_all(directory, facts_dir)
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
