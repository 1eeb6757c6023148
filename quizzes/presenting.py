"""What the templates get: questions without their answers until final, palettes, result rows, item statistics."""

from __future__ import annotations

from lessons.models import Lesson
from quizzes import scoring, selection
from quizzes.bank import LETTERS
from quizzes.models import Attempt, AttemptItem, ProblemReport, Question


def public_options(item: AttemptItem) -> list[dict]:
    """The options as the student sees them while the answer is open: text only, never correctness or why."""
    chosen = set(item.selected)
    return [
        {"index": index, "letter": LETTERS[index], "text": option["text"], "chosen": index in chosen}
        for index, option in enumerate(item.options)
    ]


def feedback_options(item: AttemptItem) -> list[dict]:
    """The options once the answer is final: the student's choice against the key, with every explanation."""
    chosen = set(item.selected)
    return [
        {
            "index": index,
            "letter": LETTERS[index],
            "text": option["text"],
            "chosen": index in chosen,
            "correct": option["correct"],
            "explanation": option["explanation"],
        }
        for index, option in enumerate(item.options)
    ]


def palette_of(attempt: Attempt, held: frozenset[int] | set[int] = frozenset()) -> list[dict]:
    """One cell per question; questions in ``held`` (held back while a timed test is open) show no mark."""
    rows = attempt.items.values_list("position", "selected", "flagged", "checked_at", "correct", "question_id")
    return [
        {
            "position": position,
            "answered": bool(selected),
            "flagged": flagged,
            "checked": checked is not None and question_id not in held,
            "correct": None if question_id in held else correct,
        }
        for position, selected, flagged, checked, correct, question_id in rows
    ]


def lesson_titles(slugs: list[str]) -> dict[str, str]:
    return dict(Lesson.objects.filter(slug__in=set(slugs)).values_list("slug", "title"))


def result_rows(items: list[AttemptItem]) -> list[scoring.Outcome]:
    return [
        scoring.Outcome(
            topic=item.question.topic,
            skill=item.question.skill,
            answered=item.answered,
            correct=bool(item.correct),
            seconds=item.seconds_spent,
        )
        for item in items
    ]


def statistics_rows() -> list[dict]:
    """Item statistics over every final answer: timed tests once submitted, drill and review answers once checked."""
    final = AttemptItem.objects.filter(attempt__status=Attempt.SUBMITTED, attempt__mode__in=Attempt.TIMED)
    checked = AttemptItem.objects.filter(checked_at__isnull=False)
    fields = ("attempt__uuid", "question__key", "content", "selected", "correct")
    responses = [  # choices counted by their place in the bank file, whatever order the student saw
        scoring.Response(str(uuid), key, selection.bank_indexes(content["options"], selected), bool(correct))
        for uuid, key, content, selected, correct in [*final.values_list(*fields), *checked.values_list(*fields)]
    ]
    attempt_scores = {
        str(uuid): correct / total
        for uuid, correct, total in Attempt.objects.filter(
            status=Attempt.SUBMITTED, mode__in=Attempt.TIMED, total_count__gt=0
        ).values_list("uuid", "correct_count", "total_count")
    }
    questions = {q.key: q for q in Question.objects.all()}
    reports = report_counts()
    option_totals = {key: len(q.options) for key, q in questions.items()}
    rows = []
    for stats in scoring.item_statistics(responses, attempt_scores, option_totals):
        question = questions[stats.question]
        rows.append(
            {
                "stats": stats,
                "question": question,
                "reports": reports.get(stats.question, 0),
                "choices": [
                    (LETTERS[i], count, i in question.correct_indexes) for i, count in enumerate(stats.option_counts)
                ],
                "needs_look": needs_look(stats),
            }
        )
    return sorted(rows, key=lambda row: (not row["needs_look"], row["stats"].facility))


def report_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for key in ProblemReport.objects.filter(resolved=False).values_list("question__key", flat=True):
        counts[key] = counts.get(key, 0) + 1
    return counts


def needs_look(stats: scoring.ItemStats) -> bool:
    """Too hard, too easy, or it does not separate strong from weak students."""
    if stats.facility < 0.2 or stats.facility > 0.95:
        return True
    return stats.discrimination is not None and stats.discrimination < 0.2
