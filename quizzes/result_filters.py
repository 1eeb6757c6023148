"""Which answered questions the results page lists: all, wrong, flagged or unanswered, optionally one topic."""

from __future__ import annotations

from dataclasses import dataclass

from quizzes.models import AttemptItem

SHOW = {
    "all": "All",
    "wrong": "Wrong",
    "unanswered": "Not answered",
    "flagged": "Flagged",
}


@dataclass(frozen=True)
class ResultFilter:
    show: str = "all"
    topic: str = ""

    @classmethod
    def from_query(cls, query, topics: set[str]) -> ResultFilter:
        """Unknown values fall back to showing everything, so a stale link still opens the page."""
        show = query.get("show", "all")
        topic = query.get("topic", "")
        return cls(show if show in SHOW else "all", topic if topic in topics else "")

    def keeps(self, item: AttemptItem) -> bool:
        if self.topic and item.question.topic != self.topic:
            return False
        if self.show == "wrong":
            return not item.correct
        if self.show == "unanswered":
            return not item.answered
        if self.show == "flagged":
            return item.flagged
        return True

    @property
    def active(self) -> bool:
        return self.show != "all" or bool(self.topic)


def counts(items: list[AttemptItem]) -> dict[str, int]:
    return {show: sum(1 for item in items if ResultFilter(show).keeps(item)) for show in SHOW}
