"""The timeline and the metrics chart: pure functions of a trace."""

from __future__ import annotations

import copy

import pytest

from sandbox.emulator.simulation import simulate
from sandbox.pictures import metrics_chart, timeline
from sandbox.runtime.local import LocalExecutor


def attempt(number: int, start: float, env: str | None = "env-1", outcome: str = "error", **extra) -> dict:
    return {
        "request_id": "r1",
        "function": "orders",
        "trigger": "async",
        "attempt": number,
        "start_s": start,
        "end_s": start + 0.004,
        "environment_id": env,
        "cold_start": number == 1,
        "init_duration_ms": 9.0 if number == 1 else None,
        "duration_ms": 1.0,
        "outcome": outcome,
        "error_type": "ValueError" if outcome == "error" else None,
        "error_message": "boom",
        **extra,
    }


TRACE = {
    "attempts": [attempt(1, 0.0), attempt(2, 60.004), attempt(3, 180.008)],
    "deliveries": [
        {
            "kind": "dlq",
            "condition": "RetriesExhausted",
            "target": "queue:orders-dlq",
            "request_id": "r1",
            "record": {},
            "at_s": 180.012,
        }
    ],
    "dropped": [],
    "responses": [],
    "end_s": 180.012,
}


def test_timeline_numbers_every_happening_in_time_order():
    picture = timeline.build(TRACE)

    assert [step.kind for step in picture.steps] == ["attempt", "attempt", "attempt", "delivery"]
    assert [step.number for step in picture.steps] == [1, 2, 3, 4]
    assert "async attempt 2 on env-1 (warm)" in picture.steps[1].text
    assert picture.steps[3].text.endswith("DLQ message sent to queue:orders-dlq (RetriesExhausted)")


def test_timeline_gives_each_environment_a_lane_and_the_service_its_own():
    trace = copy.deepcopy(TRACE)
    trace["attempts"].append(attempt(1, 0.0, env="env-2", outcome="success"))

    picture = timeline.build(trace)

    assert [lane.label for lane in picture.lanes] == ["orders · env-1", "orders · env-2", "Lambda service"]


def test_timeline_folds_long_quiet_stretches_but_keeps_order():
    picture = timeline.build(TRACE)

    xs = [bar.x for bar in picture.bars]
    assert xs == sorted(xs)
    assert picture.width < 1200  # three minutes of emulated time fit on one screen
    assert [tick.gap for tick in picture.ticks if tick.gap] == ["+60.0 s", "+2 min 0 s"]


def test_timeline_marks_cold_starts_with_an_init_segment():
    bars = timeline.build(TRACE).bars

    assert bars[0].init_width > 0
    assert bars[1].init_width == 0


def test_timeline_draws_throttles_without_an_environment():
    trace = {"attempts": [attempt(1, 0.0, env=None, outcome="throttled")], "end_s": 0.0}

    picture = timeline.build(trace)

    assert [lane.label for lane in picture.lanes] == ["throttled"]
    assert picture.marks[0].kind == "throttle"
    assert "throttled" in picture.steps[0].text


def test_render_up_to_a_step_hides_later_steps():
    picture = timeline.build(TRACE)

    svg = timeline.render_svg(picture, upto=2)

    assert 'data-step="1"' in svg and 'data-step="2"' in svg
    assert 'data-step="3"' not in svg and 'data-step="4"' not in svg
    assert "2 of 4 steps shown" in svg
    assert 'class="tl-attempt error current"' in svg


def test_render_without_a_step_shows_everything():
    svg = timeline.render_svg(timeline.build(TRACE))

    assert all(f'data-step="{n}"' in svg for n in range(1, 5))
    assert "current" not in svg


@pytest.mark.parametrize(("upto", "expected"), [(None, 4), (99, 4), (-3, 0), (2, 2)])
def test_clamp_step_keeps_the_replay_in_range(upto, expected):
    assert timeline.clamp_step(timeline.build(TRACE), upto) == expected


def test_render_escapes_text_from_the_handler():
    trace = {"attempts": [attempt(1, 0.0, error_message="<script>alert(1)</script>")], "end_s": 0.0}

    svg = timeline.render_svg(timeline.build(trace))

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_empty_trace_gives_an_empty_timeline():
    picture = timeline.build({"attempts": [], "deliveries": [], "dropped": []})

    assert picture.empty
    assert timeline.render_svg(picture).startswith("<svg")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (0.0853, "85 ms"), (1.25, "1.25 s"), (60.04, "60.0 s"), (180.0, "3 min 0 s"), (21600, "6 h 0 min")],
)
def test_format_seconds_reads_like_a_person_would_say_it(seconds, text):
    assert timeline.format_seconds(seconds) == text


def test_metrics_chart_counts_per_second_and_folds_gaps():
    chart = metrics_chart.build(TRACE)

    assert [column.second for column in chart.columns] == [0, 60, 180]
    assert [(c.invocations, c.errors, c.throttles) for c in chart.columns] == [(1, 1, 0)] * 3
    assert chart.columns[1].gap_before_s == 59.0
    assert chart.totals() == {"invocations": 3, "errors": 3, "throttles": 0, "max_concurrency": 1}


def test_metrics_chart_measures_concurrency_and_counts_throttles_apart():
    trace = {
        "attempts": [attempt(1, 0.0, env=f"env-{n}", outcome="success") for n in range(5)]
        + [attempt(1, 0.0, env=None, outcome="throttled")],
        "responses": [{"status_code": 429, "at_s": 0.0}],
    }

    column = metrics_chart.build(trace).columns[0]

    assert (column.invocations, column.errors, column.throttles, column.concurrency) == (5, 0, 2, 5)


def test_metrics_chart_svg_labels_its_values():
    svg = metrics_chart.render_svg(metrics_chart.build(TRACE))

    assert svg.startswith("<svg") and 'class="mc-bar invocations"' in svg
    assert "<title>errors: 1</title>" in svg and "+59.0 s" in svg


def test_timeline_of_a_real_emulator_trace_shows_retries_and_the_dlq():
    scenario = {
        "functions": {
            "orders": {
                "code": "def lambda_handler(event, context):\n    raise ValueError('boom')\n",
                "dead_letter": "queue:orders-dlq",
            }
        },
        "queues": {"orders-dlq": {}},
        "steps": [{"at_s": 0, "invoke": {"function": "orders", "type": "Event", "payload": {"id": 1}}}],
    }
    executor = LocalExecutor()
    try:
        trace = simulate(scenario, executor, seed=7)
    finally:
        executor.close()

    picture = timeline.build(trace)

    assert [step.kind for step in picture.steps] == ["attempt", "attempt", "attempt", "delivery"]
    assert [bar.label for bar in picture.bars] == ["#1 ✗", "#2 ✗", "#3 ✗"]
    assert metrics_chart.build(trace).totals()["errors"] == 3


def test_timeline_marks_sdk_calls_on_the_callers_environment_lane():
    traced = copy.deepcopy(TRACE)
    traced["sdk_calls"] = [
        {
            "function": "orders",
            "request_id": "r1",
            "service": "sqs",
            "operation": "SendMessage",
            "at_s": 60.005,
            "duration_ms": 0.0,
            "outcome": "ok",
            "error_code": None,
            "error_message": None,
        },
        {
            "function": "orders",
            "request_id": "r1",
            "service": "s3",
            "operation": "PutObject",
            "at_s": 60.006,
            "duration_ms": 0.0,
            "outcome": "error",
            "error_code": "AccessDenied",
            "error_message": "User: x is not authorized",
        },
    ]

    picture = timeline.build(traced)
    svg = timeline.render_svg(picture)

    sdk = [mark for mark in picture.marks if mark.kind.startswith("sdk")]
    assert [mark.kind for mark in sdk] == ["sdk", "sdk-error"]
    assert {picture.lanes[mark.lane].label for mark in sdk} == {"orders · env-1"}
    assert sdk[0].title == "orders: SDK call sqs SendMessage answered"
    assert sdk[1].title == "orders: SDK call s3 PutObject refused (AccessDenied: User: x is not authorized)"
    assert 'class="tl-mark sdk-error"' in svg


def test_sdk_calls_of_a_cold_start_sit_after_its_init_segment():
    call = {"function": "orders", "request_id": "r1", "service": "sts", "operation": "GetCallerIdentity"}
    traced = {
        "attempts": [attempt(1, 0.0, outcome="success", end_s=0.014, duration_ms=5.0)],
        "sdk_calls": [{**call, "at_s": 0.0095, "outcome": "ok"}],
        "end_s": 0.014,
    }

    picture = timeline.build(traced)

    (cold,) = picture.bars
    (mark,) = picture.marks
    assert mark.lane == cold.lane and cold.init_width > 0
    assert cold.x + cold.init_width <= mark.x <= cold.x + cold.width
