import uuid

import pytest

from examprep.celery import app
from examprep.tasks import check_health

pytestmark = pytest.mark.celery


def test_health_task_runs_on_a_real_worker(celery_worker):
    token = uuid.uuid4().hex

    result = check_health.delay(token)

    assert result.get(timeout=20) == f"ok:{token}"


def test_celery_accepts_json_only():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"


def test_celery_acks_late_with_prefetch_one():
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_sandbox_tasks_route_to_their_own_queue():
    route = app.amqp.router.route({}, "sandbox.run_scenario", args=(), kwargs={})

    assert route["queue"].name == "sandbox"
