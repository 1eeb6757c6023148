"""Queued runs on a real worker: a per-student fair share and a site-wide cap the operator sets.

A student's runs are held in the queue by taking their workspaces' locks, as a worker busy with them
would: nothing depends on how fast the worker is.
"""

from __future__ import annotations

import contextlib

import pytest

from sandbox import locks, tasks, workspaces
from sandbox.models import Run
from sandbox.tests.support import finished, make_user, make_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

STEPS = [{"invoke": {"function": "echo", "payload": {"n": 1}}}]


@contextlib.contextmanager
def held(*held_workspaces):
    """Keep the workers off these workspaces: their runs stay queued until the block ends."""
    taken = [locks.WorkspaceLock(workspace.pk, tasks.LOCK_TIMEOUT_S) for workspace in held_workspaces]
    for lock in taken:
        assert lock.acquire(0)
    try:
        yield
    finally:
        for lock in taken:
            lock.release()


def test_a_student_past_the_fair_share_is_refused_while_another_students_run_finishes(celery_worker, settings):
    settings.SANDBOX_QUEUED_RUNS_PER_USER = 2
    heavy = make_user()
    first, second = make_workspace(owner=heavy), make_workspace(owner=heavy)
    other = make_workspace()

    with held(first, second):
        queued = [workspaces.start_run(first, "invoke", STEPS), workspaces.start_run(second, "invoke", STEPS)]
        with pytest.raises(workspaces.SandboxLimitError) as refused:
            workspaces.start_run(make_workspace(owner=heavy), "invoke", STEPS)
        others = finished(workspaces.start_run(other, "invoke", STEPS))
        still_queued = [Run.objects.get(pk=run.pk).status for run in queued]

    assert "runs up to 2 per student at a time" in refused.value.message
    assert others.status == Run.DONE
    assert still_queued == [Run.PENDING, Run.PENDING]
    assert [finished(run).status for run in queued] == [Run.DONE, Run.DONE]
    assert finished(workspaces.start_run(first, "invoke", STEPS)).status == Run.DONE


def test_the_site_wide_cap_bounds_queued_runs_however_many_accounts(celery_worker, settings):
    settings.SANDBOX_QUEUED_RUNS_PER_USER = 2
    settings.SANDBOX_QUEUED_RUNS = 3
    accounts = [make_workspace(), make_workspace()]  # free accounts, each within its own share
    late = make_workspace()

    with held(*accounts):
        queued = [workspaces.start_run(workspace, "invoke", STEPS) for workspace in (*accounts, accounts[0])]
        with pytest.raises(workspaces.SandboxLimitError) as refused:
            workspaces.start_run(late, "invoke", STEPS)
        refused_while_full = Run.objects.filter(workspace=late).count()

    assert "The sandbox is busy: 3 runs are waiting for the whole site, its limit (3)" in refused.value.message
    assert refused_while_full == 0
    assert [finished(run).status for run in queued] == [Run.DONE] * 3
    assert finished(workspaces.start_run(late, "invoke", STEPS)).status == Run.DONE
