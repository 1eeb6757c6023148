"""Celery tasks of the sandbox (queue ``sandbox``), and sending, rescuing and sweeping their messages.

They take ids, load rows, call the emulator (``sandbox.emulator.continuation``), save.

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
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.utils import timezone

from sandbox import limits, locks
from sandbox.catalogue import find_challenge
from sandbox.emulator import continuation
from sandbox.executors import reset_executor, trace_whole_scenario, workspace_executor
from sandbox.grading import grade
from sandbox.locks import WorkspaceLock
from sandbox.models import ChallengeAttempt, Run, Workspace
from sandbox.runtime.client import SandboxFull, SandboxTimeout, SandboxUnavailable

log = logging.getLogger(__name__)

# Task limits (seconds). Handler sleeps cost no real time; CPU work does.
SOFT_TIME_LIMIT_S = 240
HARD_TIME_LIMIT_S = 270
LOCK_TIMEOUT_S = HARD_TIME_LIMIT_S + 30
LOCK_WAIT_S = 5
MAX_DELIVERIES = 3  # a run whose worker died this many times ends failed
STUCK_AFTER_S = LOCK_TIMEOUT_S + 10  # a run "running" longer than this has lost its worker

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
    return int(getattr(settings, "SANDBOX_MAX_DELIVERIES", MAX_DELIVERIES))


@shared_task(
    name="sandbox.advance_workspace",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT_S,
    time_limit=HARD_TIME_LIMIT_S,
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
    run = Run.objects.load_for_task(run_id)
    if run is None or run.finished:
        return None
    lock = WorkspaceLock(run.workspace_id, LOCK_TIMEOUT_S)
    if not lock.acquire(LOCK_WAIT_S):
        raise self.retry(countdown=0.5)
    try:
        # Earlier runs of the workspace go first, so a student's actions apply in the order given. A
        # finished run never becomes unfinished again, so when none waited a moment ago none waits now.
        earlier_pks = []
        if run.waiting:
            earlier_pks = list(
                Run.objects.filter(
                    workspace_id=run.workspace_id, created_at__lt=run.created_at, status__in=(Run.PENDING, Run.RUNNING)
                )
                .order_by("created_at")
                .values_list("pk", flat=True)
            )
        for pk in [*earlier_pks, run.pk]:
            deferred = process(pk, run if pk == run.pk else None)
            if deferred is not None:
                if pk != run.pk:  # keep the order: this run goes after the one that must be retried
                    raise self.retry(countdown=deferred + 1)
                break
    finally:
        lock.release()
    return str(run.pk)


# Workspace id -> the ``shell_saved_at`` of the state this process saved last. When the state loaded
# for a run is still that one, no other worker has advanced the workspace since, so the environments
# this process used moments ago need no liveness round trip to the daemon.
_saved_here: dict = {}


def claim(run_id, seen: Run | None = None) -> int | None:
    """Take the run (see ``Run.objects.claim``); returns its delivery number, or None when there is nothing to do."""
    taken = Run.objects.claim(run_id, seen, max_deliveries=max_deliveries())
    if taken is None:
        return None
    if taken.taken_over:
        _saved_here.clear()  # a worker died mid-run: it may have removed environments the saved state lists
    if taken.exhausted:
        finish(run_id, taken.delivery, Run.FAILED, error=WORKER_DIED.format(count=taken.delivery))
        return None
    if taken.taken_over:
        log.warning("run %s: taking over from a worker that died (delivery %s)", run_id, taken.delivery)
    return taken.delivery


def process(run_id, seen: Run | None = None) -> float | None:
    """Advance one run; returns the delay after which it will be tried again, or None when it is over."""
    delivery = patiently(claim, run_id, seen)
    if delivery is None:
        return None
    if seen is not None:
        run = seen
        run.workspace = Workspace.objects.load_state(run.workspace_id)
    else:
        run = Run.objects.select_related("workspace").get(pk=run_id)
    workspace = run.workspace
    saved_at = (workspace.state or {}).get("shell_saved_at")
    trust_recent = delivery == 1 and saved_at is not None and _saved_here.get(workspace.pk) == saved_at
    try:
        result = advance_run(run, workspace, trust_recent)
    except SoftTimeLimitExceeded:
        _saved_here.pop(workspace.pk, None)
        finish(run_id, delivery, Run.FAILED, error=TOO_LONG.format(limit=SOFT_TIME_LIMIT_S))
        return None
    except (SandboxUnavailable, SandboxFull, SandboxTimeout) as error:
        # The machine cannot isolate handlers, the student or the host is at its limit, or the run used up its
        # real-time budget: trying again at once will not help, so say why.
        finish(run_id, delivery, Run.FAILED, error=str(error))
        return None
    except Exception as error:
        log.exception("run %s failed in the sandbox", run_id)
        _saved_here.pop(workspace.pk, None)
        reset_executor()  # a broken connection or a restarted daemon: start afresh
        if delivery < max_deliveries():
            delay = 2.0**delivery  # 2 s, then 4 s: time for a restarted daemon to come back
            Run.objects.release(run_id, delivery)
            enqueue(run_id, countdown=delay)
            return delay
        finish(run_id, delivery, Run.FAILED, error=BROKEN.format(error=type(error).__name__))
        return None
    patiently(save, run, delivery, result)
    return None


def advance_run(run: Run, workspace: Workspace, trust_recent: bool) -> continuation.Advanced:
    """Advance the workspace's freshly loaded state with the run's steps.

    With ``trust_recent`` the environments this process used moments ago are not asked about. Should
    one be gone after all (the daemon recycled it), the run starts again from the saved state, asking
    about every environment, so a lost environment is still a cold start and never a failed run.
    """
    saved_at = (workspace.state or {}).get("shell_saved_at")
    idle_s = time.time() - float(saved_at) if saved_at else 0.0
    try:
        return continuation.advance(
            workspace.world,
            workspace.state,
            run.kind,
            run.steps,
            workspace_executor(workspace.pk, trust_recent=trust_recent, tenant=f"user-{workspace.owner_id}"),
            idle_s=idle_s,
            salt=str(run.pk),  # a run that starts the state over still hands out request ids of its own
            owned=True,  # loaded just now and used for nothing else: no deep copies
        )
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        if not trust_recent:
            raise
        log.info("run %s: again, asking the daemon about every environment", run.pk, exc_info=True)
        _saved_here.pop(workspace.pk, None)
        return advance_run(run, Workspace.objects.load_state(workspace.pk), trust_recent=False)


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


def save(run: Run, delivery: int, result: continuation.Advanced) -> None:
    state = result.state
    state["shell_saved_at"] = time.time()
    _saved_here.pop(run.workspace_id, None)
    with transaction.atomic():
        if not finish(run.pk, delivery, Run.DONE, trace=limits.bound_trace(result.trace, limits.trace_limits())):
            return  # another worker took the run over; its result counts
        if continuation.changes_configuration(run.steps):
            fresh = Workspace.objects.select_for_update().get(pk=run.workspace_id)
            world = continuation.apply_configuration(fresh.world, run.steps, state)
            Workspace.objects.filter(pk=run.workspace_id).update(state=state, world=world, updated_at=timezone.now())
        else:
            world = result.world
            Workspace.objects.save_state(run.workspace_id, state)
        if run.kind == "challenge":
            grade_attempt(run, result.trace, world)
    _saved_here[run.workspace_id] = state["shell_saved_at"]  # committed: this process saved it last


def finish(run_id, delivery: int, status: str, *, trace: dict | None = None, error: str = "") -> bool:
    done = Run.objects.finish(run_id, delivery, status, trace=trace, error=error)
    if done:  # wake a reader waiting on the row, once it is committed (a hint: the row is the truth)
        transaction.on_commit(lambda: locks.announce_finished(run_id))
    return done


def grade_attempt(run: Run, trace: dict, world: dict) -> None:
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


@shared_task(name="sandbox.trace_scenario", soft_time_limit=SOFT_TIME_LIMIT_S, time_limit=HARD_TIME_LIMIT_S)
def trace_scenario(raw: dict, seed: int | None = None) -> dict:
    """A whole scenario (``scenario run FILE --via-celery``): nothing is stored; the trace is the result."""
    return trace_whole_scenario(raw, seed)


@shared_task(name="sandbox.sweep_runs", ignore_result=True)
def sweep_runs_task() -> int:
    return sweep_runs()


@shared_task(name="sandbox.noop")
def noop() -> None:
    """An empty task: the round trip bench/sandbox_celery.py compares an invoke with."""


# --- sending a run's message, and rescuing lost ones --------------------------------------------------------------


def enqueue(run_id, countdown: float | None = None) -> bool:
    """Send the run's message; a failure leaves the row pending for the sweeper to send again."""
    # Recorded before sending, so that the worker never races this write. It is advisory: when it is
    # wrong the sweeper sends a duplicate message, which the claim makes harmless.
    _note_queued(run_id, locks.server_id())
    return send(run_id, countdown)


def send(run_id, countdown: float | None = None) -> bool:
    """Send the message of a run whose ``queued_on`` is already noted."""
    try:
        advance_workspace.apply_async(args=[str(run_id)], retry=False, countdown=countdown)
    except Exception as error:  # noqa: BLE001 - broker down: the row stays pending, the sweeper resends it
        log.warning("could not enqueue run %s: %s", run_id, error)
        _note_queued(run_id, "")
        return False
    return True


def _note_queued(run_id, server: str) -> None:
    try:
        Run.objects.filter(pk=run_id, status=Run.PENDING).update(queued_on=server)
    except OperationalError:
        log.warning("could not note where run %s was queued", run_id)


def rescue(run: Run, server: str | None = None, now=None) -> bool:
    """Send a run's message again when it was lost; True when it did.

    Pending with no message on the current Redis (never sent, or Redis restarted since): send again.
    Running for longer than any worker could (the worker was killed): send again; the task takes it
    over or marks it failed. Duplicate messages are harmless: the task claims a run once.
    """
    now = now or timezone.now()
    if run.status == Run.PENDING:
        server = locks.server_id() if server is None else server
        if not server or run.queued_on == server:
            return False
        return enqueue(run.pk)
    if run.status == Run.RUNNING and run.started_at and now - run.started_at > timedelta(seconds=STUCK_AFTER_S):
        return enqueue_running(run.pk)
    return False


def enqueue_running(run_id) -> bool:
    try:
        advance_workspace.apply_async(args=[str(run_id)], retry=False)
    except Exception as error:  # noqa: BLE001
        log.warning("could not re-enqueue run %s: %s", run_id, error)
        return False
    return True


def sweep_runs() -> int:
    """Rescue every unfinished run; returns how many messages were sent again."""
    server = locks.server_id()
    if not server:
        return 0
    sent = 0
    for run in Run.objects.filter(status__in=(Run.PENDING, Run.RUNNING)).only(
        "id", "status", "queued_on", "started_at"
    ):
        sent += rescue(run, server=server)
    return sent


# --- the beat-less sweeper: every worker re-sends lost runs now and then -----------------------------------------

_stop_sweeping = threading.Event()


def _sweep_forever(every_s: float) -> None:
    while not _stop_sweeping.wait(every_s):
        try:
            close_old_connections()
            sweep_runs()
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
        sweep_runs()  # runs accepted while no worker (or no Redis) was up
    except Exception:  # noqa: BLE001
        log.warning("sandbox sweep at start failed", exc_info=True)
    finally:
        close_old_connections()
    _stop_sweeping.clear()
    threading.Thread(target=_sweep_forever, args=(every_s,), name="sandbox-sweeper", daemon=True).start()


@worker_shutdown.connect
def stop_sweeper(sender=None, **kwargs) -> None:
    _stop_sweeping.set()
