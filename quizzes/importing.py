"""Read the whole bank, check it, then write it in one transaction: all or nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from quizzes.bank import CONTENT_DIR, Problem, Question, read_bank
from quizzes.models import Question as QuestionRow


class ImportFailed(Exception):
    """One or more questions were rejected; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def fields_of(question: Question) -> dict:
    as_dict = question.as_dict()
    return {
        "topic": question.topic,
        "skill": question.skill,
        "kind": question.kind,
        "section": question.section,
        "stem": question.stem,
        "options": as_dict["options"],
        "source": question.source,
        "doc_url": question.doc_url,
        "demo": question.demo,
        "position": question.position,
        "retired_at": None,
    }


@transaction.atomic
def import_questions(
    directory: Path = CONTENT_DIR, topics: dict | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Upsert every question by id; questions whose id is gone are retired, keeping everyone's history."""
    questions, problems = read_bank(directory, topics)
    if problems:
        raise ImportFailed(problems)
    now = now or timezone.now()
    counts = {"created": 0, "updated": 0, "unchanged": 0, "retired": 0}
    existing = {row.key: row for row in QuestionRow.objects.all()}
    for question in questions:
        fields = fields_of(question)
        current = existing.get(question.key)
        if current is None:
            QuestionRow.objects.create(key=question.key, **fields)
            counts["created"] += 1
        elif any(getattr(current, name) != value for name, value in fields.items()):
            QuestionRow.objects.filter(pk=current.pk).update(updated_at=now, **fields)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    gone = set(existing) - {question.key for question in questions}
    counts["retired"] = QuestionRow.objects.filter(key__in=gone, retired_at__isnull=True).update(retired_at=now)
    return counts
