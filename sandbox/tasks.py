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
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from sandbox import locks, running
from sandbox.locks import WorkspaceLock
from sandbox.models import ChallengeAttempt, Run, Workspace
from sandbox.runtime.client import SandboxUnavailable

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
    run = load_run(run_id)
    if run is None or run.finished:
        return None
    lock = WorkspaceLock(run.workspace_id, running.LOCK_TIMEOUT_S)
    if not lock.acquire(running.LOCK_WAIT_S):
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
    """Take the run: pending -> running, or take over one whose worker died. Returns its delivery number.

    ``seen`` is the row as read before the lock: when it was pending and nothing changed since, one
    conditional UPDATE both claims it and tells its delivery number.
    """
    now = timezone.now()
    if seen is not None and seen.status == Run.PENDING and claim_seen(seen, now):
        return seen.deliveries + 1
    if Run.objects.filter(pk=run_id, status=Run.PENDING).update(
        status=Run.RUNNING, started_at=now, deliveries=F("deliveries") + 1
    ):
        return Run.objects.values_list("deliveries", flat=True).get(pk=run_id)
    # We hold the workspace lock, so a run still marked running has lost its worker.
    current = Run.objects.filter(pk=run_id, status=Run.RUNNING).values_list("deliveries", flat=True).first()
    if current is None:
        return None
    _saved_here.clear()  # a worker died mid-run: it may have removed environments the saved state lists
    if current >= max_deliveries():
        finish(run_id, current, Run.FAILED, error=WORKER_DIED.format(count=current))
        return None
    if Run.objects.filter(pk=run_id, status=Run.RUNNING, deliveries=current).update(
        started_at=now, deliveries=current + 1
    ):
        log.warning("run %s: taking over from a worker that died (delivery %s)", run_id, current + 1)
        return current + 1
    return None


def process(run_id, seen: Run | None = None) -> float | None:
    """Advance one run; returns the delay after which it will be tried again, or None when it is over."""
    delivery = patiently(claim, run_id, seen)
    if delivery is None:
        return None
    if seen is not None:
        run = seen
        run.workspace = load_workspace(run.workspace_id)
    else:
        run = Run.objects.select_related("workspace").get(pk=run_id)
    workspace = run.workspace
    saved_at = (workspace.state or {}).get("shell_saved_at")
    trust_recent = delivery == 1 and saved_at is not None and _saved_here.get(workspace.pk) == saved_at
    try:
        result = advance_run(run, workspace, trust_recent)
    except SoftTimeLimitExceeded:
        _saved_here.pop(workspace.pk, None)
        finish(run_id, delivery, Run.FAILED, error=TOO_LONG.format(limit=running.SOFT_TIME_LIMIT_S))
        return None
    except SandboxUnavailable as error:
        # This machine cannot isolate handlers: trying again will not help, so say why at once.
        finish(run_id, delivery, Run.FAILED, error=str(error))
        return None
    except Exception as error:
        log.exception("run %s failed in the sandbox", run_id)
        _saved_here.pop(workspace.pk, None)
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


def advance_run(run: Run, workspace: Workspace, trust_recent: bool) -> running.Advanced:
    """Advance the workspace's freshly loaded state with the run's steps.

    With ``trust_recent`` the environments this process used moments ago are not asked about. Should
    one be gone after all (the daemon recycled it), the run starts again from the saved state, asking
    about every environment, so a lost environment is still a cold start and never a failed run.
    """
    saved_at = (workspace.state or {}).get("shell_saved_at")
    idle_s = time.time() - float(saved_at) if saved_at else 0.0
    try:
        return running.advance(
            workspace.world,
            workspace.state,
            run.kind,
            run.steps,
            running.workspace_executor(workspace.pk, trust_recent=trust_recent),
            idle_s=idle_s,
            owned=True,  # loaded just now and used for nothing else: no deep copies
        )
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        if not trust_recent:
            raise
        log.info("run %s: again, asking the daemon about every environment", run.pk, exc_info=True)
        _saved_here.pop(workspace.pk, None)
        return advance_run(run, load_workspace(workspace.pk), trust_recent=False)


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
    _saved_here.pop(run.workspace_id, None)
    with transaction.atomic():
        if not finish(run.pk, delivery, Run.DONE, trace=result.trace):
            return  # another worker took the run over; its result counts
        if running.changes_configuration(run.steps):
            fresh = Workspace.objects.select_for_update().get(pk=run.workspace_id)
            world = running.apply_configuration(fresh.world, run.steps)
            Workspace.objects.filter(pk=run.workspace_id).update(state=state, world=world, updated_at=timezone.now())
        else:
            world = result.world
            execute(
                f"UPDATE {WORKSPACES} SET state = %s, updated_at = %s WHERE id = %s",
                [
                    db(Workspace, "state", state),
                    db(Workspace, "updated_at", timezone.now()),
                    db(Workspace, "id", run.workspace_id),
                ],
            )
        if run.kind == "challenge":
            grade_attempt(run, result.trace, world)
    _saved_here[run.workspace_id] = state["shell_saved_at"]  # committed: this process saved it last


def finish(run_id, delivery: int, status: str, *, trace: dict | None = None, error: str = "") -> bool:
    done = bool(
        execute(
            f"UPDATE {RUNS} SET status = %s, trace = %s, error = %s, finished_at = %s"
            " WHERE id = %s AND status = %s AND deliveries = %s",
            [status, db(Run, "trace", trace), error, db(Run, "finished_at", timezone.now()), db(Run, "id", run_id)]
            + [Run.RUNNING, delivery],
        )
    )
    if done:  # wake a reader waiting on the row, once it is committed (a hint: the row is the truth)
        transaction.on_commit(lambda: locks.announce_finished(run_id))
    return done


# --- the warm path's statements in plain SQL: each runs once per invoke, and the ORM took longer to build
# them than SQLite took to answer. Rare paths (take-overs, retries, configuration changes) use the ORM.

RUNS, WORKSPACES = Run._meta.db_table, Workspace._meta.db_table


def db(model, field: str, value):
    """``value`` as the database stores ``model.field`` (UUIDs, datetimes, JSON)."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def load_run(run_id) -> Run | None:
    """The run (without trace and error) and ``waiting``: does an earlier run of its workspace wait?

    Kind, steps and created_at never change; status and deliveries are re-checked by the claim.
    """
    sql = (
        f"SELECT r.id, r.workspace_id, r.kind, r.steps, r.status, r.deliveries, r.created_at,"
        f" EXISTS(SELECT 1 FROM {RUNS} e WHERE e.workspace_id = r.workspace_id AND e.created_at < r.created_at"
        f" AND e.status IN (%s, %s)) AS waiting FROM {RUNS} r WHERE r.id = %s"
    )
    return next(iter(Run.objects.raw(sql, [Run.PENDING, Run.RUNNING, db(Run, "id", run_id)])), None)


def claim_seen(seen: Run, now) -> bool:
    """pending -> running in one conditional UPDATE, when the row is still as ``seen`` read it."""
    sql = (
        f"UPDATE {RUNS} SET status = %s, started_at = %s, deliveries = %s"
        " WHERE id = %s AND status = %s AND deliveries = %s"
    )
    started = db(Run, "started_at", now)
    return (
        execute(sql, [Run.RUNNING, started, seen.deliveries + 1, db(Run, "id", seen.pk), Run.PENDING, seen.deliveries])
        == 1
    )


def load_workspace(workspace_id) -> Workspace:
    sql = f"SELECT id, world, state FROM {WORKSPACES} WHERE id = %s"
    workspace = next(iter(Workspace.objects.raw(sql, [db(Workspace, "id", workspace_id)])), None)
    if workspace is None:
        raise Workspace.DoesNotExist(workspace_id)
    return workspace


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
