"""The timeline of a run: every handler attempt across execution environments, drawn as SVG.

Pure: a trace dict (docs/scenarios.md) in, frozen values and SVG markup out. One lane per execution
environment (``function · env-N``), a lane for throttles (they have no environment) and a lane for what the
service did on its own (DLQ and destination deliveries, dropped events). A handler's SDK calls are marks on
its environment's lane at the moment of the call, refused ones marked apart.

Emulated time spans milliseconds to hours in one run (a cold start, then retries a minute and two minutes
later), so the horizontal axis is *folded*: each stretch between two moments gets a width that grows with the
logarithm of its length, and long quiet stretches are marked with their real length ("+60 s").

Replay: the happenings are numbered in time order (``steps``); ``render_svg(timeline, upto=n)`` draws only
the first ``n`` of them, so the page can step through a run with plain links.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

LANE_HEIGHT = 30
BAR_HEIGHT = 18
LABEL_WIDTH = 150
RIGHT_PAD = 90
TOP_PAD = 34
MIN_BAR = 8
GAP_MARK_S = 1.0
FAILED = ("error", "timeout", "oom", "runtime_exit")
OUTCOME_WORDS = {
    "success": "succeeded",
    "error": "raised an error",
    "timeout": "timed out",
    "oom": "ran out of memory",
    "runtime_exit": "runtime exited",
    "throttled": "throttled",
}
# Glyphs keep the outcome readable without colour.
OUTCOME_GLYPHS = {"success": "✓", "error": "✗", "timeout": "T", "oom": "M", "runtime_exit": "!", "throttled": "⊘"}


@dataclass(frozen=True)
class Step:
    number: int  # 1-based, in time order
    at_s: float
    kind: str  # attempt | throttle | delivery | dropped
    text: str


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    y: float


@dataclass(frozen=True)
class Bar:
    step: int
    lane: int
    x: float
    width: float
    init_width: float
    outcome: str
    label: str
    title: str


@dataclass(frozen=True)
class Mark:
    step: int
    lane: int
    x: float
    kind: str  # delivery | dropped | throttle | sdk | sdk-error
    label: str
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    gap: str  # "+60 s" when a long quiet stretch ends here, else ""


@dataclass(frozen=True)
class Timeline:
    width: float
    height: float
    lanes: tuple[Lane, ...]
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...]
    ticks: tuple[Tick, ...]
    steps: tuple[Step, ...]
    end_s: float

    @property
    def empty(self) -> bool:
        return not self.steps


def format_seconds(value: float) -> str:
    """Short human time: 85 ms, 1.25 s, 60.1 s, 3 min 0 s, 6 h 0 min."""
    if value <= 0:
        return "0 s"
    if value < 1:
        return f"{value * 1000:.0f} ms" if value >= 0.001 else f"{value * 1000:.2f} ms"
    if value < 100:
        return f"{value:.3g} s" if value < 10 else f"{value:.1f} s"
    if value < 3600:
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes} min {seconds} s"
    hours, rest = divmod(round(value), 3600)
    return f"{hours} h {rest // 60} min"


def segment_width(seconds: float) -> float:
    """Width in px of a stretch of emulated time: logarithmic, so ms and hours both fit."""
    if seconds <= 0:
        return 0.0
    return 28.0 * math.log10(1 + seconds / 0.004)


class Axis:
    """Folded time → x mapping through sorted breakpoints."""

    def __init__(self, moments: list[float]):
        self.points = sorted({round(m, 6) for m in moments} | {0.0})
        self.xs = [0.0]
        for before, after in zip(self.points, self.points[1:], strict=False):
            self.xs.append(self.xs[-1] + segment_width(after - before))

    @property
    def length(self) -> float:
        return self.xs[-1]

    def x(self, at_s: float) -> float:
        at_s = round(at_s, 6)
        points, xs = self.points, self.xs
        if at_s <= points[0]:
            return xs[0]
        for index in range(1, len(points)):
            if at_s <= points[index]:
                span = points[index] - points[index - 1]
                share = (at_s - points[index - 1]) / span if span else 1.0
                return xs[index - 1] + share * (xs[index] - xs[index - 1])
        return xs[-1]


def _attempt_text(attempt: dict) -> str:
    outcome = attempt.get("outcome") or "success"
    function = attempt.get("function", "?")
    trigger = attempt.get("trigger", "invoke")
    number = attempt.get("attempt") or 1
    if outcome == "throttled":
        return f"{function}: {trigger} event attempt {number} throttled (no environment free)"
    start = "cold start" if attempt.get("cold_start") else "warm"
    parts = [f"{function}: {trigger} attempt {number} on {attempt.get('environment_id')} ({start})"]
    if attempt.get("cold_start") and attempt.get("init_duration_ms") is not None:
        parts.append(f"init {attempt['init_duration_ms']:.1f} ms")
    if attempt.get("duration_ms") is not None:
        parts.append(f"ran {attempt['duration_ms']:.1f} ms")
    words = OUTCOME_WORDS.get(outcome, outcome)
    if outcome != "success" and attempt.get("error_type"):
        words += f" ({attempt['error_type']}: {attempt.get('error_message') or ''})".replace(": )", ")")
    parts.append(words)
    return ", ".join(parts)


def _delivery_text(delivery: dict) -> str:
    kind = "DLQ message" if delivery.get("kind") == "dlq" else "destination record"
    condition = delivery.get("condition") or ""
    return f"{kind} sent to {delivery.get('target')}" + (f" ({condition})" if condition else "")


def _dropped_text(dropped: dict) -> str:
    return f"{dropped.get('function', '?')}: event dropped ({dropped.get('reason', 'no reason given')})"


def _sdk_text(call: dict) -> str:
    if call.get("user"):
        what = f"{call['user']} (from outside): AWS call {call.get('service')} {call.get('operation')}"
    else:
        what = f"{call.get('function', '?')}: SDK call {call.get('service')} {call.get('operation')}"
    if call.get("outcome") == "error":
        return f"{what} refused ({call.get('error_code')}: {call.get('error_message') or ''})"
    took = float(call.get("duration_ms") or 0.0)
    return what + (f" answered after {format_seconds(took / 1000)}" if took else " answered")


def _caller_environment(trace: dict, call: dict) -> str:
    """The environment of the attempt that made the call (its request id, running at that moment)."""
    at_s = float(call.get("at_s") or 0.0)
    for attempt in trace.get("attempts") or []:
        same = attempt.get("request_id") == call.get("request_id") and attempt.get("function") == call.get("function")
        if same and float(attempt.get("start_s") or 0.0) <= at_s <= float(attempt.get("end_s") or at_s):
            return attempt.get("environment_id") or "?"
    return "?"


def _happenings(trace: dict) -> list[tuple[float, int, str, dict]]:
    """(at_s, order, kind, item) for everything the timeline shows, in time order."""
    rows = []
    for order, attempt in enumerate(trace.get("attempts") or []):
        kind = "throttle" if attempt.get("outcome") == "throttled" else "attempt"
        rows.append((float(attempt.get("start_s") or 0.0), order, kind, attempt))
    offset = len(rows)
    end_default = float(trace.get("end_s") or 0.0)
    for order, delivery in enumerate(trace.get("deliveries") or []):
        rows.append((float(delivery.get("at_s", end_default)), offset + order, "delivery", delivery))
    offset = len(rows)
    for order, dropped in enumerate(trace.get("dropped") or []):
        rows.append((float(dropped.get("at_s", end_default)), offset + order, "dropped", dropped))
    offset = len(rows)
    for order, call in enumerate(trace.get("sdk_calls") or []):
        first = call.get("user") and -len(trace.get("sdk_calls") or [])  # a call from outside sets off what follows
        rows.append((float(call.get("at_s", end_default)), (first or offset) + order, "sdk", call))
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


def build(trace: dict) -> Timeline:
    """Lay out the trace's attempts, throttles, deliveries and drops."""
    rows = _happenings(trace)
    moments = []
    for at_s, _order, kind, item in rows:
        moments.append(at_s)
        if kind == "attempt":
            moments.append(float(item.get("end_s") or at_s))
            if item.get("cold_start") and item.get("init_duration_ms"):
                moments.append(at_s + float(item["init_duration_ms"]) / 1000.0)  # the handler starts here
    axis = Axis(moments)

    lane_keys: list[str] = []
    lane_labels: dict[str, str] = {}

    def lane_for(key: str, label: str) -> int:
        if key not in lane_labels:
            lane_keys.append(key)
            lane_labels[key] = label
        return lane_keys.index(key)

    for _at, _order, kind, item in rows:  # environments first, in order of first use
        if kind == "attempt":
            env = item.get("environment_id") or "?"
            lane_for(f"env:{item.get('function')}:{env}", f"{item.get('function')} · {env}")

    steps, bars, marks = [], [], []
    for number, (at_s, _order, kind, item) in enumerate(rows, start=1):
        x = LABEL_WIDTH + axis.x(at_s)
        if kind == "attempt":
            text = _attempt_text(item)
            env = item.get("environment_id") or "?"
            lane = lane_for(f"env:{item.get('function')}:{env}", "")
            end_x = LABEL_WIDTH + axis.x(float(item.get("end_s") or at_s))
            width = max(end_x - x, MIN_BAR)
            init_ms = float(item.get("init_duration_ms") or 0.0)
            init_end_x = LABEL_WIDTH + axis.x(at_s + init_ms / 1000.0)
            init_width = min(init_end_x - x, width) if item.get("cold_start") and init_ms else 0.0
            outcome = item.get("outcome") or "success"
            label = f"#{item.get('attempt') or 1} {OUTCOME_GLYPHS.get(outcome, '?')}"
            bars.append(Bar(number, lane, round(x, 1), round(width, 1), round(init_width, 1), outcome, label, text))
        elif kind == "sdk":
            text = _sdk_text(item)
            if item.get("user"):
                lane = lane_for(f"user:{item['user']}", f"{item['user']} · outside")
            else:
                env = _caller_environment(trace, item)
                lane = lane_for(f"env:{item.get('function')}:{env}", f"{item.get('function')} · {env}")
            refused = item.get("outcome") == "error"
            marks.append(
                Mark(number, lane, round(x, 1), "sdk-error" if refused else "sdk", "✗" if refused else "↗", text)
            )
        elif kind == "throttle":
            text = _attempt_text(item)
            lane = lane_for("throttles", "throttled")
            marks.append(Mark(number, lane, round(x, 1), "throttle", OUTCOME_GLYPHS["throttled"], text))
        else:
            text = _delivery_text(item) if kind == "delivery" else _dropped_text(item)
            lane = lane_for("service", "Lambda service")
            glyph = "✉" if kind == "delivery" else "×"
            marks.append(Mark(number, lane, round(x, 1), kind, glyph, text))
        steps.append(Step(number, at_s, kind, f"{format_seconds(at_s)}: {text}"))

    lanes = tuple(Lane(key, lane_labels[key], TOP_PAD + index * LANE_HEIGHT) for index, key in enumerate(lane_keys))
    ticks = _ticks(axis)
    width = LABEL_WIDTH + axis.length + RIGHT_PAD
    height = TOP_PAD + max(len(lanes), 1) * LANE_HEIGHT + 8
    end_s = max([float(trace.get("end_s") or 0.0)] + axis.points)
    return Timeline(round(width, 1), height, lanes, tuple(bars), tuple(marks), ticks, tuple(steps), end_s)


def _ticks(axis: Axis) -> tuple[Tick, ...]:
    ticks, last_x = [], -1e9
    for index, (at_s, x) in enumerate(zip(axis.points, axis.xs, strict=False)):
        gap = axis.points[index] - axis.points[index - 1] if index else 0.0
        gap_label = f"+{format_seconds(gap)}" if gap >= GAP_MARK_S else ""
        if x - last_x >= 64 or gap_label:
            ticks.append(Tick(round(LABEL_WIDTH + x, 1), format_seconds(at_s), gap_label))
            last_x = x
    return tuple(ticks)


def clamp_step(timeline: Timeline, upto: int | None) -> int:
    """The replay position: ``None`` or out of range means "everything"."""
    total = len(timeline.steps)
    if upto is None or upto > total:
        return total
    return max(upto, 0)


def render_svg(timeline: Timeline, upto: int | None = None) -> str:
    """SVG markup for the first ``upto`` steps (all when None). Text is escaped; classes carry colour."""
    shown = clamp_step(timeline, upto)
    out = [
        f'<svg class="timeline" viewBox="0 0 {timeline.width:g} {timeline.height:g}" '
        f'width="{timeline.width:g}" height="{timeline.height:g}" role="img" '
        f'aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="timeline-title">Timeline: {shown} of {len(timeline.steps)} steps shown</title>',
    ]
    for tick in timeline.ticks:
        out.append(
            f'<line class="tl-tick" x1="{tick.x:g}" y1="{TOP_PAD - 6}" x2="{tick.x:g}" y2="{timeline.height - 4:g}"/>'
        )
        out.append(f'<text class="tl-tick-label" x="{tick.x:g}" y="12">{escape(tick.label)}</text>')
        if tick.gap:
            out.append(f'<text class="tl-gap" x="{tick.x - 4:g}" y="24" text-anchor="end">{escape(tick.gap)}</text>')
    for index, lane in enumerate(timeline.lanes):
        stripe = "tl-lane odd" if index % 2 else "tl-lane"
        out.append(f'<rect class="{stripe}" x="0" y="{lane.y:g}" width="{timeline.width:g}" height="{LANE_HEIGHT}"/>')
        out.append(f'<text class="tl-lane-label" x="6" y="{lane.y + 19:g}">{escape(lane.label)}</text>')
    for bar in timeline.bars:
        if bar.step > shown:
            continue
        y = timeline.lanes[bar.lane].y + (LANE_HEIGHT - BAR_HEIGHT) / 2
        current = " current" if bar.step == shown and upto is not None else ""
        out.append(
            f'<g class="tl-attempt {escape(bar.outcome)}{current}" data-step="{bar.step}">'
            f"<title>{escape(bar.title)}</title>"
        )
        out.append(f'<rect class="tl-bar" x="{bar.x:g}" y="{y:g}" width="{bar.width:g}" height="{BAR_HEIGHT}" rx="3"/>')
        if bar.init_width >= 1:
            out.append(
                f'<rect class="tl-init" x="{bar.x:g}" y="{y:g}" width="{bar.init_width:g}" '
                f'height="{BAR_HEIGHT}" rx="3"/>'
            )
        out.append(
            f'<text class="tl-bar-label" x="{bar.x + bar.width + 3:g}" y="{y + 13:g}">{escape(bar.label)}</text>'
        )
        out.append("</g>")
    for mark in timeline.marks:
        if mark.step > shown:
            continue
        y = timeline.lanes[mark.lane].y + LANE_HEIGHT / 2
        current = " current" if mark.step == shown and upto is not None else ""
        out.append(
            f'<g class="tl-mark {escape(mark.kind)}{current}" data-step="{mark.step}">'
            f"<title>{escape(mark.title)}</title>"
            f'<circle cx="{mark.x:g}" cy="{y:g}" r="8"/>'
            f'<text class="tl-mark-label" x="{mark.x:g}" y="{y + 4:g}" text-anchor="middle">'
            f"{escape(mark.label)}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)
