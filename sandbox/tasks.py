"""Celery tasks of the sandbox (queue ``sandbox``). They take ids, load rows, call ``running``, save.

``sandbox.advance_workspace(run_id)``: under the workspace's Redis lock, claim the run
(pending -> running, once), advance the emulator with its steps, save state and trace. A handler's
error is a result in the trace; only infrastructure errors fail the run, with the reason. A run
whose worker died (SIGKILL, out of memory) is taken over by the redelivered message, from the state
saved before it started, so it completes once; after ``MAX_DELIVERIES`` it ends failed.
"""

from __future__ import annotations

import logging
import threading
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from sandbox import running
from sandbox.locks import WorkspaceLock
from sandbox.models import ChallengeAttempt, Run, Workspace

log = logging.getLogger(__name__)

WORKER_DIED = (
    "the sandbox worker running it stopped {count} times before finishing (it was killed or ran out of "
    "memory). Nothing was applied to your workspace; start the run again."
)
TOO_LONG = (
    "it took longer than {limit} seconds of real time, the sandbox's limit per run. Sleeps cost no real time, "
    "but CPU work does: look for a handler that loops, or lower the burst size. Nothing was applied."
)
BROKEN = "the sandbox failed while running it ({error}). Nothing was applied to your workspace; start it again."


def max_deliveries() -> int:
    return int(getattr(settings, "SANDBOX_MAX_DELIVERIES", running.MAX_DELIVERIES))


@shared_task(
    name="sandbox.advance_workspace",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=running.SOFT_TIME_LIMIT_S,
    time_limit=running.HARD_TIME_LIMIT_S,
    max_retries=None,
    ignore_result=True,
)
def advance_workspace(self, run_id: str) -> str | None:
    try:
        return advance_in_order(self, run_id)
    except (OperationalError, InterfaceError) as error:
        # The database is busy or away: try again shortly; a run left "running" is taken over then.
        log.warning("run %s: database error, retrying: %s", run_id, error)
        raise self.retry(countdown=1) from error


def advance_in_order(self, run_id: str) -> str | None:
    run = Run.objects.filter(pk=run_id).only("id", "workspace_id", "status", "created_at").first()
    if run is None or run.finished:
        return None
    lock = WorkspaceLock(run.workspace_id, running.LOCK_TIMEOUT_S)
    if not lock.acquire(running.LOCK_WAIT_S):
        raise self.retry(countdown=0.5)
    try:
        # Earlier runs of the workspace go first, so a student's actions apply in the order given.
        earlier = Run.objects.filter(
            workspace_id=run.workspace_id, created_at__lt=run.created_at, status__in=(Run.PENDING, Run.RUNNING)
        ).order_by("created_at")
        for pk in [*earlier.values_list("pk", flat=True), run.pk]:
            deferred = process(pk)
            if deferred is not None:
                if pk != run.pk:  # keep the order: this run goes after the one that must be retried
                    raise self.retry(countdown=deferred + 1)
                break
    finally:
        lock.release()
    return str(run.pk)


def claim(run_id) -> int | None:
    """Take the run: pending -> running, or take over one whose worker died. Returns its delivery number."""
    now = timezone.now()
    if Run.objects.filter(pk=run_id, status=Run.PENDING).update(
        status=Run.RUNNING, started_at=now, deliveries=F("deliveries") + 1
    ):
        return Run.objects.values_list("deliveries", flat=True).get(pk=run_id)
    # We hold the workspace lock, so a run still marked running has lost its worker.
    current = Run.objects.filter(pk=run_id, status=Run.RUNNING).values_list("deliveries", flat=True).first()
    if current is None:
        return None
    if current >= max_deliveries():
        finish(run_id, current, Run.FAILED, error=WORKER_DIED.format(count=current))
        return None
    if Run.objects.filter(pk=run_id, status=Run.RUNNING, deliveries=current).update(
        started_at=now, deliveries=current + 1
    ):
        log.warning("run %s: taking over from a worker that died (delivery %s)", run_id, current + 1)
        return current + 1
    return None


def process(run_id) -> float | None:
    """Advance one run; returns the delay after which it will be tried again, or None when it is over."""
    delivery = patiently(claim, run_id)
    if delivery is None:
        return None
    run = Run.objects.select_related("workspace").get(pk=run_id)
    workspace = run.workspace
    saved_at = (workspace.state or {}).get("shell_saved_at")
    idle_s = time.time() - float(saved_at) if saved_at else 0.0
    try:
        result = running.advance(
            workspace.world,
            workspace.state,
            run.kind,
            run.steps,
            running.workspace_executor(workspace.pk),
            idle_s=idle_s,
        )
    except SoftTimeLimitExceeded:
        finish(run_id, delivery, Run.FAILED, error=TOO_LONG.format(limit=running.SOFT_TIME_LIMIT_S))
        return None
    except Exception as error:
        log.exception("run %s failed in the sandbox", run_id)
        running.reset_executor()  # a broken connection or a restarted daemon: start afresh
        if delivery < max_deliveries():
            delay = 2.0**delivery  # 2 s, then 4 s: time for a restarted daemon to come back
            Run.objects.filter(pk=run_id, status=Run.RUNNING, deliveries=delivery).update(status=Run.PENDING)
            running.enqueue(run_id, countdown=delay)
            return delay
        finish(run_id, delivery, Run.FAILED, error=BROKEN.format(error=type(error).__name__))
        return None
    patiently(save, run, delivery, result)
    return None


def patiently(function, *args, attempts: int = 5):
    """Call ``function``, retrying a few times while the database reports itself busy or locked."""
    for attempt in range(attempts):
        try:
            return function(*args)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    return None


def save(run: Run, delivery: int, result: running.Advanced) -> None:
    state = result.state
    state["shell_saved_at"] = time.time()
    with transaction.atomic():
        if not finish(run.pk, delivery, Run.DONE, trace=result.trace):
            return  # another worker took the run over; its result counts
        if running.changes_configuration(run.steps):
            fresh = Workspace.objects.select_for_update().get(pk=run.workspace_id)
            world = running.apply_configuration(fresh.world, run.steps)
            Workspace.objects.filter(pk=run.workspace_id).update(state=state, world=world, updated_at=timezone.now())
        else:
            world = result.world
            Workspace.objects.filter(pk=run.workspace_id).update(state=state, updated_at=timezone.now())
        if run.kind == "challenge":
            grade_attempt(run, result.trace, world)


def finish(run_id, delivery: int, status: str, *, trace: dict | None = None, error: str = "") -> bool:
    return bool(
        Run.objects.filter(pk=run_id, status=Run.RUNNING, deliveries=delivery).update(
            status=status, trace=trace, error=error, finished_at=timezone.now()
        )
    )


def grade_attempt(run: Run, trace: dict, world: dict) -> None:
    from sandbox.challenges import find_challenge
    from sandbox.grading import grade

    attempt = ChallengeAttempt.objects.filter(run_id=run.pk).first()
    if attempt is None:
        return
    challenge = find_challenge(attempt.challenge)
    if challenge is None:
        checks = [{"name": "challenge", "passed": False, "detail": f"No challenge named {attempt.challenge!r}."}]
    else:
        checks = [check.as_dict() for check in grade(challenge, trace, world=world)]
    ChallengeAttempt.objects.filter(pk=attempt.pk).update(
        checks=checks, passed=bool(checks) and all(check["passed"] for check in checks)
    )


@shared_task(
    name="sandbox.run_scenario", soft_time_limit=running.SOFT_TIME_LIMIT_S, time_limit=running.HARD_TIME_LIMIT_S
)
def run_scenario(raw: dict, seed: int | None = None) -> dict:
    """A whole scenario (``scenario run FILE --via-celery``): nothing is stored; the trace is the result."""
    return running.run_scenario_inline(raw, seed)


@shared_task(name="sandbox.sweep_runs", ignore_result=True)
def sweep_runs() -> int:
    return running.sweep_runs()


@shared_task(name="sandbox.noop")
def noop() -> None:
    """An empty task: the round trip bench/sandbox_celery.py compares an invoke with."""


# --- the beat-less sweeper: every worker re-sends lost runs now and then -----------------------------------------

_stop_sweeping = threading.Event()


def _sweep_forever(every_s: float) -> None:
    while not _stop_sweeping.wait(every_s):
        try:
            close_old_connections()
            running.sweep_runs()
        except Exception:  # noqa: BLE001 - the database or Redis is away: try again later
            log.warning("sandbox sweep failed", exc_info=True)
        finally:
            close_old_connections()


@worker_ready.connect
def start_sweeper(sender=None, **kwargs) -> None:
    every_s = float(getattr(settings, "SANDBOX_SWEEP_EVERY_S", 30))
    if every_s <= 0:
        return
    try:
        running.sweep_runs()  # runs accepted while no worker (or no Redis) was up
    except Exception:  # noqa: BLE001
        log.warning("sandbox sweep at start failed", exc_info=True)
    finally:
        close_old_connections()
    _stop_sweeping.clear()
    threading.Thread(target=_sweep_forever, args=(every_s,), name="sandbox-sweeper", daemon=True).start()


@worker_shutdown.connect
def stop_sweeper(sender=None, **kwargs) -> None:
    _stop_sweeping.set()
