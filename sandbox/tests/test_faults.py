"""Faults: a worker killed mid-run, Redis restarted, the daemon restarted, a run stuck in "running".

The worker-kill and Redis-restart tests run real processes: their own redis-server (so restarting it
disturbs no one), a ``celery worker`` with the prefork pool, and ``sandbox.tests.drive`` as the
client, all sharing one SQLite file. The daemon and stuck-run tests use the in-process worker.
"""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox import executors, locks, tasks, workspaces
from sandbox.models import Run, Workspace
from sandbox.runtime import client as daemon_client
from sandbox.tests.support import SPIN_CODE, Stack, finished, make_workspace, wait_for

pytestmark = pytest.mark.celery


@pytest.fixture
def stack(tmp_path, request):
    world = (
        request.param if hasattr(request, "param") else {"functions": {"spin": {"code": SPIN_CODE, "timeout_s": 30}}}
    )
    made = Stack(tmp_path, world)
    made.setup()
    yield made
    made.stop()


def test_worker_killed_mid_run_completes_once(stack):
    stack.start_worker()
    run_id = stack.start_run("invoke", [{"invoke": {"function": "spin", "payload": {"n": 1, "cpu_s": 2}}}])
    lock_key = locks.key(uuid.UUID(stack.workspace))
    holder = wait_for(
        lambda: stack.row(run_id)[0] == "running" and stack.redis.client().get(lock_key),
        60,
        "the worker to start the run",
    )
    child_pid = int(holder.decode().split(":")[1])

    os.kill(child_pid, signal.SIGKILL)
    stack.wait_finished(run_id)

    [result] = stack.drive("status", run_id)
    state = stack.drive("workspace", stack.workspace)["state"]
    assert result["status"] == "done"
    assert result["deliveries"] == 2, stack.worker_log.read_text()[-4000:]
    assert [a["outcome"] for a in result["trace"]["attempts"]] == ["success"]
    assert result["trace"]["responses"][0]["payload"] == {"n": 1}
    assert state["trace"]["metrics"]["spin"]["invocations"] == 1


def test_redis_restart_loses_no_accepted_run(stack):
    queued = [stack.start_run("invoke", [{"invoke": {"function": "spin", "payload": {"n": n}}}]) for n in (1, 2)]
    stack.redis.stop()
    while_down = stack.start_run("invoke", [{"invoke": {"function": "spin", "payload": {"n": 3}}}])
    stack.redis.start()
    assert stack.redis.client().llen("sandbox") == 0  # the restart lost the queued messages

    stack.start_worker()
    for run_id in [*queued, while_down]:
        stack.wait_finished(run_id)
    stack.redis.stop()
    stack.redis.start()
    after_restart = stack.start_run("invoke", [{"invoke": {"function": "spin", "payload": {"n": 4}}}])
    stack.wait_finished(after_restart)

    results = stack.drive("status", *queued, while_down, after_restart)
    assert [r["status"] for r in results] == ["done"] * 4
    assert [r["trace"]["responses"][0]["payload"] for r in results] == [{"n": n} for n in (1, 2, 3, 4)]
    assert all(r["deliveries"] == 1 for r in results)


# --- in-process worker ------------------------------------------------------------------------------------------


def invoke(workspace: Workspace, n: int) -> Run:
    return finished(workspaces.start_run(workspace, "invoke", [{"invoke": {"function": "echo", "payload": {"n": n}}}]))


@pytest.fixture
def private_daemon(tmp_path, monkeypatch):
    """The workers' executor talks to a daemon of its own, which the test may kill."""
    path = f"/run/examprep-test-{uuid.uuid4().hex[:8]}/sandbox.sock"
    monkeypatch.setenv("SANDBOX_SOCKET", path)
    executors.reset_executor()
    yield path
    executors.reset_executor()
    answer = daemon_client.ping(path)
    if answer:
        os.kill(answer["pid"], signal.SIGKILL)
    shutil.rmtree(os.path.dirname(path), ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_daemon_restart_recycles_environments(celery_worker, private_daemon):
    workspace = make_workspace()
    first, second = invoke(workspace, 1), invoke(workspace, 2)
    daemon_pid = daemon_client.ping(private_daemon)["pid"]

    os.kill(daemon_pid, signal.SIGKILL)
    wait_for(lambda: daemon_client.ping(private_daemon) is None, 10, "the daemon to stop")
    third = invoke(workspace, 3)

    attempts = [run.trace["attempts"][0] for run in (first, second, third)]
    assert [run.status for run in (first, second, third)] == ["done"] * 3
    assert [a["cold_start"] for a in attempts] == [True, False, True]
    assert attempts[0]["environment_id"] == attempts[1]["environment_id"] != attempts[2]["environment_id"]
    assert third.trace["recycled_environments"] == [attempts[0]["environment_id"]]
    assert daemon_client.ping(private_daemon)["pid"] != daemon_pid


@pytest.mark.django_db(transaction=True)
def test_stuck_running_run_is_taken_over(celery_worker):
    workspace = make_workspace()
    long_ago = timezone.now() - timedelta(seconds=tasks.STUCK_AFTER_S + 60)
    run = Run.objects.create(
        workspace=workspace,
        kind="invoke",
        status=Run.RUNNING,
        deliveries=1,
        started_at=long_ago,
        steps=[{"invoke": {"function": "echo", "payload": {"n": 7}}}],
    )

    assert tasks.rescue(run) is True
    finished(run)

    assert run.status == Run.DONE
    assert run.deliveries == 2
    assert run.trace["responses"][0]["payload"] == {"n": 7}


@pytest.mark.django_db(transaction=True)
def test_run_whose_worker_died_too_often_fails_with_reason(celery_worker):
    workspace = make_workspace()
    long_ago = timezone.now() - timedelta(seconds=tasks.STUCK_AFTER_S + 60)
    run = Run.objects.create(
        workspace=workspace,
        kind="invoke",
        status=Run.RUNNING,
        started_at=long_ago,
        deliveries=tasks.MAX_DELIVERIES,
        steps=[{"invoke": {"function": "echo"}}],
    )

    tasks.sweep_runs()
    finished(run)

    status = workspaces.run_status(run)
    assert status.status == Run.FAILED
    assert "stopped 3 times" in status.message
    assert Workspace.objects.get(pk=workspace.pk).state is None


@pytest.mark.django_db(transaction=True)
def test_pending_run_never_sent_is_sent_by_status_read(celery_worker):
    workspace = make_workspace()
    run = Run.objects.create(workspace=workspace, kind="invoke", steps=[{"invoke": {"function": "echo"}}])

    first = workspaces.run_status(run)
    finished(run)

    assert first.finished is False
    assert workspaces.run_status(run).status == Run.DONE
