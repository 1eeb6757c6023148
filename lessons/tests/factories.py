"""Build lesson files and rows for tests."""

from __future__ import annotations

from pathlib import Path

from lessons.importing import import_lessons

FILLER = " ".join(["Lambda runs your handler in an execution environment that it reuses between invocations."] * 80)


def lesson_text(slug: str = "sample-lesson", order: int = 1, body: str | None = None, **meta) -> str:
    fields = {
        "title": "A sample lesson",
        "slug": slug,
        "order": order,
        "group": "Foundations",
        "topic": "L1",
        "skills": '["1.2.2"]',
        "summary": "What a sample lesson teaches.",
        "preset": slug,
    }
    fields.update(meta)
    head = "\n".join(f"{name}: {value}" for name, value in fields.items() if value is not None)
    if body is None:
        body = (
            f"Intro paragraph.\n\n## Cold starts and Init\n\n{FILLER}\n\n"
            "```python\ndef lambda_handler(event, context):\n    return {'ok': 1}\n```\n\n"
            "## Exam traps\n\n- A trap about visibility timeout.\n\n## Exam tips\n\n- A tip.\n"
        )
    return f"---\n{head}\n---\n{body}"


def write_lesson(directory: Path, slug: str = "sample-lesson", order: int = 1, **kwargs) -> Path:
    path = directory / f"{order:02d}-{slug}.md"
    path.write_text(lesson_text(slug=slug, order=order, **kwargs), encoding="utf-8")
    return path


def make_lessons(directory: Path, count: int = 2):
    for order in range(1, count + 1):
        write_lesson(directory, slug=f"lesson-{order}", order=order, title=f"Lesson number {order}")
    import_lessons(directory)
