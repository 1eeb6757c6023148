"""The score-history chart as plain numbers for a server-rendered SVG. Pure: values in, values out."""

from __future__ import annotations

from dataclasses import dataclass

from quizzes.scoring import PASS_SCALED

LOW, HIGH = 100, 1000


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    score: int
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: tuple[Point, ...]
    pass_y: float
    ticks: tuple[tuple[float, int], ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def score_chart(scores: list[tuple[str, int]], width: int = 640, height: int = 260) -> Chart:
    """Estimated scores (100-1000) in time order, one point per attempt, with the 720 pass line."""
    left, right, top, bottom = 48, width - 16, 16, height - 32

    def y_of(value: int) -> float:
        return bottom - (min(HIGH, max(LOW, value)) - LOW) * (bottom - top) / (HIGH - LOW)

    step = (right - left) / (len(scores) - 1) if len(scores) > 1 else 0
    points = tuple(
        Point(x=left + index * step if len(scores) > 1 else (left + right) / 2, y=y_of(value), score=value, label=label)
        for index, (label, value) in enumerate(scores)
    )
    ticks = tuple((y_of(value), value) for value in (100, 400, 700, 1000))
    return Chart(width, height, left, right, top, bottom, points, y_of(PASS_SCALED), ticks)
