"""``scenario run FILE --via-celery`` prints the trace the inline run prints, apart from measured durations."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

SCENARIO = """
name: via-celery-agreement
seed: 11
functions:
  orders:
    timeout_s: 5
    dead_letter: queue:orders-dlq
    code: |
      import time

      COUNT = 0

      def lambda_handler(event, context):
          global COUNT
          COUNT += 1
          time.sleep(0.5)
          if event.get("fail"):
              raise ValueError(f"order {event['id']} failed")
          return {"id": event["id"], "served_by_warm_count": COUNT}
  worker:
    code: |
      def lambda_handler(event, context):
          bad = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]
          return {"batchItemFailures": bad}
queues:
  orders-dlq: {}
  jobs: {visibility_timeout_s: 30, redrive: {dead_letter_queue: jobs-dlq, max_receive_count: 2}}
  jobs-dlq: {}
event_source_mappings:
  - {function: worker, source: queue:jobs, batch_size: 5, report_batch_item_failures: true}
steps:
  - {at_s: 0, invoke: {function: orders, payload: {id: 1}, repeat: 3, parallel: true}}
  - {at_s: 2, invoke: {function: orders, payload: {id: 2}}}
  - {at_s: 3, invoke: {function: orders, type: Event, payload: {id: 3, fail: true}}}
  - {at_s: 4, send: {queue: jobs, messages: [good, bad, good]}}
"""

MEASURED = {
    "duration_ms",
    "billed_duration_ms",
    "init_duration_ms",
    "max_memory_used_mb",
    "start_s",
    "end_s",
    "at_s",
    "log_result",
}
NUMBER = re.compile(r"\d+(\.\d+)?")


def without_measurements(value):
    """The trace with durations, memory and the times that follow from them taken out."""
    if isinstance(value, dict):
        return {
            key: without_measurements(item)
            for key, item in value.items()
            if key not in MEASURED and "imestamp" not in key
        }
    if isinstance(value, list):
        return [without_measurements(item) for item in value]
    if isinstance(value, str) and value.startswith(("REPORT", "INIT_REPORT")):
        return NUMBER.sub("N", value)
    return value


def scenario_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("scenario", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_via_celery_prints_the_inline_trace(celery_worker, tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO)

    inline_status, inline_out, _ = scenario_command("run", str(path))
    celery_status, celery_out, celery_err = scenario_command("run", str(path), "--via-celery")

    inline, via_celery = json.loads(inline_out), json.loads(celery_out)
    assert (inline_status, celery_status) == (0, 0), celery_err
    assert len(via_celery["attempts"]) == len(inline["attempts"]) >= 8
    assert without_measurements(via_celery) == without_measurements(inline)
    assert via_celery["queues"]["orders-dlq"] and via_celery["queues"]["jobs-dlq"]


def test_via_celery_reports_an_invalid_file_like_the_inline_run(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("functions:\n  orders:\n    memory_mb: 64\n    code: 'x'\n")

    status, out, err = scenario_command("run", str(path), "--via-celery")

    assert status == 2
    assert out == ""
    assert "functions.orders.memory_mb (line 3)" in err
