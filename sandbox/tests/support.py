"""Factories and waiting helpers shared by the sandbox shell's tests (models, tasks, faults, challenges)."""

from __future__ import annotations

import sqlite3
import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError

from sandbox.models import ChallengeAttempt, Run, Workspace

ECHO_CODE = "def lambda_handler(event, context):\n    return {'n': event.get('n')}\n"


def make_user(**overrides):
    fields = {"username": f"student-{uuid.uuid4().hex[:10]}"}
    fields.update(overrides)
    return get_user_model().objects.create_user(**fields)


def make_workspace(**overrides) -> Workspace:
    fields = {"name": "practice", "world": {"functions": {"echo": {"code": ECHO_CODE}}}}
    fields.update(overrides)
    if "owner" not in fields:
        fields["owner"] = make_user()
    return Workspace.objects.create(**fields)


def make_run(**overrides) -> Run:
    fields = {"kind": "invoke", "steps": [{"invoke": {"function": "echo", "payload": {"n": 1}}}]}
    fields.update(overrides)
    if "workspace" not in fields:
        fields["workspace"] = make_workspace()
    return Run.objects.create(**fields)


def make_attempt(**overrides) -> ChallengeAttempt:
    fields = {"challenge": "charge-once"}
    fields.update(overrides)
    if "run" not in fields:
        fields["run"] = make_run(kind="challenge")
    fields.setdefault("user", fields["run"].workspace.owner)
    return ChallengeAttempt.objects.create(**fields)


def wait_for(condition, timeout_s: float, what: str, every_s: float = 0.1):
    """Poll ``condition`` until it returns something true; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (OperationalError, sqlite3.OperationalError):  # a database shared with a worker is busy
            value = None
        if value:
            return value
        time.sleep(every_s)
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def finished(run: Run, timeout_s: float = 60) -> Run:
    """The run once a worker has finished it."""
    wait_for(
        lambda: Run.objects.filter(pk=run.pk, status__in=Run.FINISHED).exists(),
        timeout_s,
        f"run {run.pk} ({run.kind}) to finish",
    )
    run.refresh_from_db()
    return run
