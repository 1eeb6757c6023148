"""``sandbox.advance_workspace`` on a real worker and a real Redis: runs, state between runs, grading."""

from __future__ import annotations

import logging
import time

import pytest
from celery.signals import task_postrun, task_prerun
from django.db import transaction

from sandbox import executors, locks, tasks, workspaces
from sandbox.catalogue import find_challenge, patched
from sandbox.models import ChallengeAttempt, Run, Workspace
from sandbox.runtime.client import DaemonExecutor
from sandbox.tasks import advance_workspace
from sandbox.tests.support import ECHO_CODE, finished, make_run, make_workspace, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

FAILING_CODE = "def lambda_handler(event, context):\n    raise ValueError('order total is negative')\n"


def invoke_step(n: int = 1, **fields) -> dict:
    return {"invoke": {"function": "echo", "payload": {"n": n}, **fields}}


def run(workspace: Workspace, kind: str, steps: list, **options) -> Run:
    return finished(workspaces.start_run(workspace, kind, steps, **options))


def daemon_id(workspace: Workspace, environment_id: str) -> str:
    """The id the daemon knows a workspace's environment by (see executors.ScopedExecutor)."""
    return f"w{workspace.pk.hex}-{environment_id}"


def test_invoke_run_records_response_and_attempt(celery_worker):
    workspace = make_workspace()

    done = run(workspace, "invoke", [invoke_step(5)])

    assert done.status == Run.DONE
    assert done.trace["responses"][0]["status_code"] == 200
    assert done.trace["responses"][0]["payload"] == {"n": 5}
    assert done.trace["attempts"][0]["cold_start"] is True
    assert done.deliveries == 1
    assert Workspace.objects.get(pk=workspace.pk).state is not None


def test_second_invoke_reuses_the_warm_environment(celery_worker):
    workspace = make_workspace()

    first = run(workspace, "invoke", [invoke_step(1)])
    second = run(workspace, "invoke", [invoke_step(2)])

    [cold], [warm] = first.trace["attempts"], second.trace["attempts"]
    assert (cold["cold_start"], warm["cold_start"]) == (True, False)
    assert cold["environment_id"] == warm["environment_id"]
    assert warm["start_s"] == 0.0
    assert second.trace["clock_s"] > 0


def test_warm_invoke_trusts_an_environment_this_worker_used_moments_ago(celery_worker):
    workspace = make_workspace(world={"functions": {"echo": {"code": ECHO_CODE}, "other": {"code": ECHO_CODE}}})
    first = run(workspace, "invoke", [invoke_step(1), {"invoke": {"function": "other"}}])
    used = {a["function"]: a["environment_id"] for a in first.trace["attempts"]}
    # What each task made the daemon connection of its worker thread touch: an environment it used or
    # asked about since the task began is "recently used" within that many seconds.
    began, touched = {}, {}

    def note_start(task_id=None, **kwargs):
        began[task_id] = time.monotonic()

    def note_end(task_id=None, args=None, **kwargs):
        executor, since = executors.process_executor(), time.monotonic() - began[task_id]
        touched[args[0]] = {
            name: executor.recently_used(daemon_id(workspace, env), within_s=since) for name, env in used.items()
        }

    task_prerun.connect(note_start, weak=False)
    task_postrun.connect(note_end, weak=False)
    try:
        second = run(workspace, "invoke", [invoke_step(2)])  # warm; every worker thread now knows both
        third = run(workspace, "invoke", [invoke_step(3)])
        wait_for(lambda: str(third.pk) in touched, 10, "the worker to report what its task touched")
    finally:
        task_prerun.disconnect(note_start)
        task_postrun.disconnect(note_end)

    attempts = [one.trace["attempts"][0] for one in (second, third)]
    assert [a["cold_start"] for a in attempts] == [False, False]
    assert {a["environment_id"] for a in attempts} == {used["echo"]}
    assert (second.deliveries, third.deliveries) == (1, 1)
    assert third.trace["recycled_environments"] == []
    # The third run invoked echo's environment but never asked the daemon about other's idle one.
    assert touched[str(third.pk)] == {"echo": True, "other": False}
    assert tasks._saved_here[workspace.pk] == Workspace.objects.get(pk=workspace.pk).state["shell_saved_at"]


def test_environment_lost_within_the_trust_window_is_recycled(celery_worker, caplog):
    caplog.set_level(logging.INFO, logger="sandbox.tasks")
    workspace = make_workspace()
    first = run(workspace, "invoke", [invoke_step(1)])
    run(workspace, "invoke", [invoke_step(2)])  # with two worker threads, both now know the environment
    lost = first.trace["attempts"][0]["environment_id"]
    outside = DaemonExecutor(
        owner=executors.app_owner()
    )  # its own connection: the workers' record still says the environment is there
    try:
        outside.destroy(daemon_id(workspace, lost))
    finally:
        outside.close()

    after = run(workspace, "invoke", [invoke_step(3)])

    [attempt] = after.trace["attempts"]
    assert after.status == Run.DONE
    assert after.deliveries == 1
    assert after.trace["responses"][0]["payload"] == {"n": 3}
    assert attempt["cold_start"] is True
    assert attempt["environment_id"] != lost
    assert after.trace["recycled_environments"] == [lost]
    retried = [r for r in caplog.records if str(after.pk) in r.getMessage() and "again" in r.getMessage()]
    assert len(retried) == 1  # the trusted attempt met the loss and started over asking the daemon


def test_handler_error_is_a_result_not_a_failed_run(celery_worker):
    workspace = make_workspace(world={"functions": {"echo": {"code": FAILING_CODE}}})

    done = run(workspace, "invoke", [invoke_step()])

    assert done.status == Run.DONE
    assert done.error == ""
    assert done.trace["responses"][0]["function_error"] == "Unhandled"
    assert done.trace["attempts"][0]["error_type"] == "ValueError"


def test_async_failure_is_retried_twice_within_one_run(celery_worker):
    workspace = make_workspace(world={"functions": {"echo": {"code": FAILING_CODE}}})

    done = run(workspace, "invoke", [invoke_step(type="Event")])

    assert done.trace["responses"][0]["status_code"] == 202
    assert [a["attempt"] for a in done.trace["attempts"]] == [1, 2, 3]
    assert done.trace["attempts"][-1]["start_s"] > 60


def test_duplicate_messages_apply_a_run_once(celery_worker):
    workspace = make_workspace()
    accepted = workspaces.start_run(workspace, "invoke", [invoke_step()])
    for _ in range(3):
        advance_workspace.apply_async(args=[str(accepted.pk)])

    done = finished(accepted)
    wait_for(lambda: not Run.objects.filter(status=Run.RUNNING).exists(), 30, "the duplicates to be dropped")

    state = Workspace.objects.get(pk=workspace.pk).state
    assert done.deliveries == 1
    assert state["trace"]["metrics"]["echo"]["invocations"] == 1


def test_runs_apply_in_the_order_they_were_started(celery_worker):
    workspace = make_workspace(world={"functions": {"echo": {"code": ECHO_CODE}}, "queues": {"jobs": {}}})
    with transaction.atomic():  # the worker starts on the first only after all three are accepted
        accepted = [
            workspaces.start_run(workspace, "send", [{"send": {"queue": "jobs", "messages": [body]}}])
            for body in ("first", "second", "third")
        ]

    last = [finished(one) for one in accepted][-1]

    assert [m["body"] for m in last.trace["queues"]["jobs"]] == ["first", "second", "third"]


def test_purge_empties_a_queue(celery_worker):
    workspace = make_workspace(world={"functions": {"echo": {"code": ECHO_CODE}}, "queues": {"jobs": {}}})
    run(workspace, "send", [{"send": {"queue": "jobs", "messages": ["a", "b"]}}])

    purged = run(workspace, "purge", [{"purge": {"queue": "jobs"}}])

    assert purged.trace["queues"]["jobs"] == []


def test_configure_run_changes_the_world_and_makes_new_environments(celery_worker):
    workspace = make_workspace()
    run(workspace, "invoke", [invoke_step(1)])

    run(workspace, "configure", [{"update_function": {"function": "echo", "memory_mb": 256}}])
    after = run(workspace, "invoke", [invoke_step(2)])

    assert Workspace.objects.get(pk=workspace.pk).world["functions"]["echo"]["memory_mb"] == 256
    assert after.trace["attempts"][0]["cold_start"] is True
    assert "Memory Size: 256 MB" in after.trace["attempts"][0]["logs"][-1]


def test_edited_code_runs_in_a_new_environment(celery_worker):
    workspace = make_workspace()
    first = run(workspace, "invoke", [invoke_step(1)])
    new_code = "def lambda_handler(event, context):\n    return {'version': 2}\n"
    workspaces.update_world(workspace, {"functions": {"echo": {"code": new_code}}})

    second = run(workspace, "invoke", [invoke_step(2)])

    assert second.trace["responses"][0]["payload"] == {"version": 2}
    assert second.trace["attempts"][0]["cold_start"] is True
    assert second.trace["attempts"][0]["environment_id"] != first.trace["attempts"][0]["environment_id"]
    assert second.trace["fresh"] is False


def test_new_network_starts_a_fresh_emulator_state(celery_worker):
    challenge = find_challenge("vpc-internet-via-nat")
    workspace = make_workspace(world=challenge.world)
    before = run(workspace, "invoke", [{"invoke": {"function": "fetcher"}}])
    workspaces.update_world(workspace, patched(challenge.world, challenge.solution))

    after = run(workspace, "invoke", [{"invoke": {"function": "fetcher"}}])

    assert before.trace["connections"][0]["outcome"] == "timeout"
    assert after.trace["connections"][0]["outcome"] == "connected"
    assert after.trace["fresh"] is True


def test_challenge_run_is_graded_and_recorded(celery_worker):
    challenge = find_challenge("charge-once")
    workspace = make_workspace(world=challenge.world, challenge=challenge.slug)

    unsolved = run(workspace, "challenge", challenge.steps, challenge=challenge.slug)
    workspaces.update_world(workspace, patched(challenge.world, challenge.solution))
    solved = run(workspace, "challenge", challenge.steps, challenge=challenge.slug)

    first, second = (ChallengeAttempt.objects.get(run=one) for one in (unsolved, solved))
    assert first.passed is False
    assert [check["passed"] for check in first.checks] == [False, False]
    assert second.passed is True
    assert solved.trace["fresh"] is True


def test_run_status_reports_the_finished_trace(celery_worker):
    workspace = make_workspace()
    accepted = workspaces.start_run(workspace, "invoke", [invoke_step(3)])

    finished(accepted)
    status = workspaces.run_status(accepted)

    assert status.finished is True
    assert status.message == "Done."
    assert status.trace["responses"][0]["payload"] == {"n": 3}


def test_run_queued_on_a_stale_redis_server_is_rescued_when_its_status_is_read(celery_worker):
    stale = make_run(workspace=make_workspace(), queued_on="0" * 40)

    workspaces.run_status(stale)
    sent_to = Run.objects.values_list("queued_on", flat=True).get(pk=stale.pk)
    done = finished(stale)

    assert sent_to == locks.server_id()
    assert done.status == Run.DONE
    assert done.deliveries == 1
    assert done.trace["responses"][0]["payload"] == {"n": 1}
    assert workspaces.run_status(done).message == "Done."


def test_run_fails_at_once_with_a_plain_reason_where_nothing_can_isolate(celery_worker, monkeypatch, tmp_path):
    # A machine where the daemon cannot run: no daemon answers and this process is not root.
    monkeypatch.setenv("SANDBOX_SOCKET", str(tmp_path / "no-daemon.sock"))
    monkeypatch.setattr("sandbox.runtime.client.os.geteuid", lambda: 1000)
    executors.reset_executor()
    workspace = make_workspace()

    try:
        done = run(workspace, "invoke", [invoke_step(1)])
    finally:
        monkeypatch.undo()
        executors.reset_executor()

    assert done.status == Run.FAILED
    assert done.deliveries == 1
    assert "No sandbox daemon answers at" in done.error
    assert "Start it as root (`sudo make sandbox`" in done.error
    assert "EXAMPREP_UNSAFE_LOCAL_SANDBOX=1" in done.error


BIG_RESPONSE_CODE = "def lambda_handler(event, context):\n    print('y' * 20000)\n    return 'x' * 100000\n"


def test_large_trace_is_cut_when_stored_and_says_so(celery_worker, settings):
    settings.SANDBOX_TRACE_BYTES = 64 * 1024
    settings.SANDBOX_TRACE_VALUE_BYTES = 8 * 1024
    workspace = make_workspace(world={"functions": {"echo": {"code": BIG_RESPONSE_CODE}}})

    done = run(workspace, "invoke", [invoke_step(1)])

    [response], [attempt] = done.trace["responses"], done.trace["attempts"]
    assert done.status == Run.DONE
    assert len(response["payload"]) < 10 * 1024 and response["payload"].startswith("xxxx")
    assert len(attempt["response"]) < 10 * 1024
    assert attempt["logs"][-1].endswith("the rest was not kept]")
    assert "larger than the 64 KB the sandbox keeps per run" in done.trace["cut"][0]
    assert done.trace["metrics"]["echo"]["invocations"] == 1


def test_runs_that_start_the_workspace_over_get_request_ids_of_their_own(celery_worker):
    workspace = make_workspace()

    first = run(workspace, "reset", [invoke_step(1)])
    second = run(workspace, "reset", [invoke_step(1)])

    first_id = first.trace["responses"][0]["request_id"]
    second_id = second.trace["responses"][0]["request_id"]
    assert first.status == second.status == Run.DONE
    assert first_id != second_id
