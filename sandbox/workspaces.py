"""The sandbox's one service for views: workspaces, accepting runs, reading a run's status.

Views call ``create_workspace``, ``update_world``, ``reset_workspace``, ``restore_workspace``, ``start_run``
and ``run_status``; they never run user code: ``start_run`` writes a row and, once it is committed, sends
``sandbox.advance_workspace`` with the run's id (``sandbox.tasks``); ``run_status`` may wait a bounded
moment (at most ``wait_s``) for the worker to announce the run finished. See docs/sandbox-app.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sandbox import limits, locks, tasks
from sandbox.emulator import versions
from sandbox.emulator.continuation import world_problems
from sandbox.emulator.validation import Problem
from sandbox.models import ChallengeAttempt, Run, Workspace

RUN_KINDS = (
    "invoke",
    "send",
    "publish",
    "put_records",
    "put_events",
    "put_object",
    "configure",
    "purge",
    "steps",
    "url_request",
    "aws_call",
    "preset",
    "challenge",
    "reset",
)
QUEUED_MESSAGE = "Queued: waiting for a sandbox worker."
WAIT_STEP_S = 0.25  # never 0: Redis reads a BLPOP timeout of 0 as "forever"


class SandboxLimitError(Exception):
    """A request the sandbox refuses because of a limit; ``message`` says which and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidWorld(Exception):
    """The world or the steps break the scenario format or an AWS rule; ``problems`` say where."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# --- workspaces -------------------------------------------------------------------------------------------------


def create_workspace(owner, *, name: str, world: dict, preset: str = "", challenge: str = "") -> Workspace:
    """A new workspace; raises ``InvalidWorld`` or ``SandboxLimitError``."""
    settings_limits = limits.current()
    if Workspace.objects.filter(owner=owner).count() >= settings_limits["WORKSPACES_PER_USER"]:
        raise SandboxLimitError(
            f"You have {settings_limits['WORKSPACES_PER_USER']} workspaces, the most the sandbox keeps per student. "
            "Delete one you no longer need."
        )
    _check_world(world, settings_limits)
    world = versions.freeze_world(world)
    return Workspace.objects.create(owner=owner, name=name[:100], world=world, preset=preset, challenge=challenge)


def update_world(workspace: Workspace, world: dict, *, replace: bool = False) -> None:
    """Save a changed world; raises ``InvalidWorld`` or ``SandboxLimitError`` and then saves nothing.

    The emulator state is kept: the next run applies the change the way Lambda would (new code or
    configuration means new execution environments; a new network or new resources start afresh).
    Published versions keep the code and settings they were published with, unless ``replace`` (a reset
    or a restore puts a whole other world in place).
    """
    _check_world(world, limits.current())
    world = versions.freeze_world(world, None if replace else workspace.world)
    Workspace.objects.filter(pk=workspace.pk).update(world=world, updated_at=timezone.now())
    workspace.world = world


def reset_workspace(workspace: Workspace, world: dict) -> Run:
    """Put ``world`` back and start from a fresh emulator (every environment cold), or change nothing.

    The world being replaced is kept (``undone_world``) until ``restore_workspace`` puts it back.
    """
    with transaction.atomic():
        previous = workspace.world
        update_world(workspace, world, replace=True)
        Workspace.objects.filter(pk=workspace.pk).update(undone_world=previous)
        workspace.undone_world = previous
        return start_run(workspace, "reset", [])


def restore_workspace(workspace: Workspace) -> None:
    """Put back the world the last reset replaced; raises ``InvalidWorld`` or ``SandboxLimitError``
    (when it no longer fits the limits) and then changes nothing. The emulator state is kept, as for
    any change of the world."""
    if workspace.undone_world is None:
        raise InvalidWorld([Problem("workspace", None, "there is no earlier version to restore")])
    with transaction.atomic():
        update_world(workspace, workspace.undone_world, replace=True)
        Workspace.objects.filter(pk=workspace.pk).update(undone_world=None)
        workspace.undone_world = None


def _check_world(world: dict, settings_limits: dict) -> None:
    message = limits.world_problem(world, settings_limits)
    if message:
        raise SandboxLimitError(message)
    problems = world_problems(world)
    if problems:
        raise InvalidWorld(problems)


# --- runs ---------------------------------------------------------------------------------------------------------


def start_run(workspace: Workspace, kind: str, steps: list, *, challenge: str = "") -> Run:
    """Check, record and enqueue one run; returns at once with the pending row.

    Raises ``SandboxLimitError`` (a limit, with what to do) or ``InvalidWorld`` (problems by field).
    For ``kind="challenge"`` pass the challenge's slug: a ChallengeAttempt is recorded and graded.
    """
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown run kind {kind!r}; one of {', '.join(RUN_KINDS)}")
    if not isinstance(steps, list) or not all(isinstance(step, dict) for step in steps):
        raise InvalidWorld([Problem("steps", None, "steps must be a list of mappings")])
    settings_limits = limits.current()
    message = limits.steps_problem(steps, settings_limits) or limits.world_problem(workspace.world, settings_limits)
    if not message:
        recent, in_workspace, for_owner, on_site = Run.objects.counts_for(workspace)
        message = limits.rate_problem(recent, in_workspace, settings_limits) or limits.queue_problem(
            for_owner, on_site, settings_limits
        )
    if message:
        raise SandboxLimitError(message)
    problems = world_problems(workspace.world, steps)
    if problems:
        raise InvalidWorld(problems)
    with transaction.atomic():
        run = Run.objects.create(workspace=workspace, kind=kind, steps=steps, queued_on=locks.server_id())
        if kind == "challenge":
            ChallengeAttempt.objects.create(user_id=workspace.owner_id, challenge=challenge, run=run)
        transaction.on_commit(lambda: tasks.send(run.pk))
    return run


@dataclass(frozen=True)
class RunStatus:
    status: str
    finished: bool
    message: str  # for the student: what is happening, or why the run failed
    trace: dict | None


def queued_status(run: Run) -> RunStatus:
    """The status of a run just accepted, without reading it again."""
    return RunStatus(run.status, False, QUEUED_MESSAGE, None)


def run_status(run: Run, wait_s: float = 0) -> RunStatus:
    """The run as it is now (re-read from the database); rescues it when its message or worker was lost.

    With ``wait_s``, an unfinished run is waited for up to that long (the worker's announcement wakes the
    reader at once; the row is re-read every ``WAIT_STEP_S`` in case the announcement went to another reader).
    """
    run.refresh_from_db()
    deadline = time.monotonic() + wait_s
    while not run.finished and deadline - time.monotonic() > 0:
        locks.wait_finished(run.pk, min(max(deadline - time.monotonic(), 0.01), WAIT_STEP_S))
        run.refresh_from_db()
    if not run.finished:
        tasks.rescue(run)
        run.refresh_from_db()
    messages = {
        Run.PENDING: QUEUED_MESSAGE,
        Run.RUNNING: "Running in the emulator.",
        Run.DONE: "Done.",
        Run.FAILED: f"The sandbox could not finish this run: {run.error}",
    }
    return RunStatus(run.status, run.finished, messages[run.status], run.trace)
