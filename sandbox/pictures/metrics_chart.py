"""Metrics over emulated time, the way CloudWatch would chart them: a column per second with activity.

Pure: a trace dict in, frozen values and SVG markup out. For each second of emulated time in which something
happened: ``invocations`` (handler runs, throttles excluded, as Lambda counts them), ``errors`` (runs that
raised, timed out, ran out of memory or exited), ``throttles`` (async/mapping throttles plus synchronous
calls answered 429) and ``concurrency`` (the most runs in flight at one moment in that second).
Quiet stretches between busy seconds are folded into one narrow "gap" column labelled with their length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from sandbox.pictures.timeline import FAILED, format_seconds

BUCKET_S = 1.0
COLUMN = 64
GAP_COLUMN = 28
PLOT_HEIGHT = 150
LEFT = 44
TOP = 18
BOTTOM = 40
SERIES = ("invocations", "errors", "throttles")


@dataclass(frozen=True)
class Column:
    second: int  # bucket index: second of emulated time
    invocations: int
    errors: int
    throttles: int
    concurrency: int
    gap_before_s: float  # length of the quiet stretch folded before this column (0 when none)

    @property
    def label(self) -> str:
        return format_seconds(self.second * BUCKET_S) if self.second else "0 s"


@dataclass(frozen=True)
class Chart:
    columns: tuple[Column, ...]
    peak: int

    @property
    def empty(self) -> bool:
        return not self.columns

    def totals(self) -> dict[str, int]:
        sums = {name: sum(getattr(column, name) for column in self.columns) for name in SERIES}
        sums["max_concurrency"] = max((column.concurrency for column in self.columns), default=0)
        return sums


def _bucket(at_s: float) -> int:
    return int(math.floor(at_s / BUCKET_S + 1e-9))


def _peak_concurrency(runs: list[tuple[float, float]], start: float, end: float) -> int:
    """Most runs overlapping at one instant within [start, end)."""
    events = []
    for run_start, run_end in runs:
        run_end = max(run_end, run_start + 1e-9)
        if run_end <= start or run_start >= end:
            continue
        events.append((max(run_start, start), 1))
        events.append((min(run_end, end), -1))
    events.sort(key=lambda event: (event[0], event[1]))  # ends before starts at the same instant
    best = level = 0
    for _at, change in events:
        level += change
        best = max(best, level)
    return best


def build(trace: dict) -> Chart:
    counts: dict[int, dict[str, int]] = {}

    def add(at_s: float, name: str) -> None:
        row = counts.setdefault(_bucket(at_s), dict.fromkeys(SERIES, 0))
        row[name] += 1

    runs = []
    for attempt in trace.get("attempts") or []:
        start = float(attempt.get("start_s") or 0.0)
        if attempt.get("outcome") == "throttled":
            add(start, "throttles")
            continue
        add(start, "invocations")
        if attempt.get("outcome") in FAILED:
            add(start, "errors")
        runs.append((start, float(attempt.get("end_s") or start)))
    for response in trace.get("responses") or []:
        if response.get("status_code") == 429:
            add(float(response.get("at_s") or 0.0), "throttles")

    columns, previous = [], None
    for second in sorted(counts):
        gap = 0.0 if previous is None or second == previous + 1 else (second - previous - 1) * BUCKET_S
        if previous is None and second > 0:
            gap = second * BUCKET_S
        concurrency = _peak_concurrency(runs, second * BUCKET_S, (second + 1) * BUCKET_S)
        columns.append(Column(second, gap_before_s=gap, concurrency=concurrency, **counts[second]))
        previous = second
    peak = max([1] + [max(c.invocations, c.errors, c.throttles, c.concurrency) for c in columns])
    return Chart(tuple(columns), peak)


def _nice_top(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak <= step * 4:
            return step * math.ceil(peak / step)
    return peak


def render_svg(chart: Chart) -> str:
    top = _nice_top(chart.peak)
    width = LEFT + sum(COLUMN + (GAP_COLUMN if c.gap_before_s else 0) for c in chart.columns) + 12
    height = TOP + PLOT_HEIGHT + BOTTOM

    def y(value: float) -> float:
        return round(TOP + PLOT_HEIGHT - PLOT_HEIGHT * value / top, 1)

    out = [
        f'<svg class="metrics-chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="metrics-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="metrics-title">Invocations, errors, throttles and concurrency per second of emulated time</title>',
    ]
    for value in sorted({0, top // 2, top}):
        out.append(f'<line class="mc-grid" x1="{LEFT}" x2="{width - 6}" y1="{y(value)}" y2="{y(value)}"/>')
        out.append(f'<text class="mc-axis" x="{LEFT - 6}" y="{y(value) + 4}" text-anchor="end">{value}</text>')
    x = LEFT
    points = []
    for column in chart.columns:
        if column.gap_before_s:
            out.append(
                f'<text class="mc-gap" x="{x + GAP_COLUMN / 2}" y="{TOP + PLOT_HEIGHT / 2}" '
                f'text-anchor="middle">…</text>'
            )
            out.append(
                f'<text class="mc-gap" x="{x + GAP_COLUMN / 2}" y="{height - 6}" text-anchor="middle">'
                f"+{escape(format_seconds(column.gap_before_s))}</text>"
            )
            x += GAP_COLUMN
        for index, name in enumerate(SERIES):
            value = getattr(column, name)
            bar_x = x + 6 + index * 16
            if value:
                out.append(
                    f'<rect class="mc-bar {name}" x="{bar_x}" y="{y(value)}" width="14" '
                    f'height="{round(TOP + PLOT_HEIGHT - y(value), 1)}"><title>{name}: {value}</title></rect>'
                )
                out.append(
                    f'<text class="mc-value" x="{bar_x + 7}" y="{y(value) - 3}" text-anchor="middle">{value}</text>'
                )
        points.append((x + COLUMN / 2, y(column.concurrency), column.concurrency))
        out.append(
            f'<text class="mc-axis" x="{x + COLUMN / 2}" y="{TOP + PLOT_HEIGHT + 16}" text-anchor="middle">'
            f"{escape(column.label)}</text>"
        )
        x += COLUMN
    if points:
        path = " ".join(f"{px},{py}" for px, py, _value in points)
        out.append(f'<polyline class="mc-line" points="{path}"/>')
        for px, py, value in points:
            out.append(
                f'<rect class="mc-dot" x="{px - 4}" y="{py - 4}" width="8" height="8">'
                f"<title>concurrency: {value}</title></rect>"
            )
    out.append("</svg>")
    return "".join(out)
