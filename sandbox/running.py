"""The sandbox shell's API: workspaces, accepting runs, advancing a workspace, reading a run's status.

Views call ``create_workspace``, ``update_world``, ``start_run`` and ``run_status``; they never run
user code and never wait: ``start_run`` writes a row and enqueues ``sandbox.advance_workspace``
with the run's id. The task calls ``advance`` (the only place that drives the emulator engine for
workspaces) and ``run_scenario_inline``. See docs/sandbox-app.md.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from sandbox import limits, locks
from sandbox.emulator import engine
from sandbox.emulator import trace as trace_module
from sandbox.emulator.config import normalise
from sandbox.emulator.simulation import check, simulate
from sandbox.emulator.state import PRIORITY_STEP, metrics_for, new_state, schedule
from sandbox.emulator.validation import Problem
from sandbox.models import ChallengeAttempt, Run, Workspace

log = logging.getLogger(__name__)

WORLD_FIELDS = (
    "name",
    "seed",
    "account",
    "functions",
    "queues",
    "topics",
    "streams",
    "buses",
    "buckets",
    "event_source_mappings",
    "network",
)
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
    "preset",
    "challenge",
    "reset",
)
FRESH_KINDS = ("preset", "challenge", "reset")  # start from a fresh emulator state (all cold, queues empty)
SHELL_STEPS = ("purge",)  # steps the shell applies itself, not part of the scenario format

# Task limits (seconds). Handler sleeps cost no real time; CPU work does.
SOFT_TIME_LIMIT_S = 240
HARD_TIME_LIMIT_S = 270
LOCK_TIMEOUT_S = HARD_TIME_LIMIT_S + 30
LOCK_WAIT_S = 5
MAX_DELIVERIES = 3  # a run whose worker died this many times ends failed
STUCK_AFTER_S = LOCK_TIMEOUT_S + 10  # a run "running" longer than this has lost its worker
MAX_IDLE_GAP_S = 24 * 3600  # real time between runs advances the emulated clock, up to this much
TIME_FIELDS = ("start_s", "end_s", "at_s")
COUNTED_METRICS = ("invocations", "errors", "throttles")


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


def split_scenario(raw: dict) -> tuple[dict, list]:
    """(world, steps) of a scenario dict: the world is everything but the steps."""
    world = {key: copy.deepcopy(raw[key]) for key in WORLD_FIELDS if key in raw}
    return world, copy.deepcopy(list(raw.get("steps") or []))


def world_problems(world: dict, steps: list | None = None) -> list[Problem]:
    """Format and AWS problems of a world (and steps), each naming its field."""
    engine_steps = [step for step in steps or [] if not _is_shell_step(step)]
    problems = check({**world, "steps": engine_steps})
    for index, step in enumerate(steps or []):
        if _is_shell_step(step):
            queue = (step.get("purge") or {}).get("queue") if isinstance(step.get("purge"), dict) else None
            if queue not in (world.get("queues") or {}):
                problems.append(Problem(f"steps.{index}.purge.queue", None, f"There is no queue named {queue!r}."))
    return problems


def create_workspace(owner, *, name: str, world: dict, preset: str = "", challenge: str = "") -> Workspace:
    """A new workspace; raises ``InvalidWorld`` or ``SandboxLimitError``."""
    settings_limits = limits.current()
    if Workspace.objects.filter(owner=owner).count() >= settings_limits["WORKSPACES_PER_USER"]:
        raise SandboxLimitError(
            f"You have {settings_limits['WORKSPACES_PER_USER']} workspaces, the most the sandbox keeps per student. "
            "Delete one you no longer need."
        )
    _check_world(world, settings_limits)
    return Workspace.objects.create(owner=owner, name=name[:100], world=world, preset=preset, challenge=challenge)


def update_world(workspace: Workspace, world: dict) -> None:
    """Save a changed world; raises ``InvalidWorld`` or ``SandboxLimitError`` and then saves nothing.

    The emulator state is kept: the next run applies the change the way Lambda would (new code or
    configuration means new execution environments; a new network or new resources start afresh).
    """
    _check_world(world, limits.current())
    Workspace.objects.filter(pk=workspace.pk).update(world=world, updated_at=timezone.now())
    workspace.world = world


def _check_world(world: dict, settings_limits: dict) -> None:
    message = limits.world_problem(world, settings_limits)
    if message:
        raise SandboxLimitError(message)
    problems = world_problems(world)
    if problems:
        raise InvalidWorld(problems)


# --- accepting a run --------------------------------------------------------------------------------------------


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
        recent, queued = _run_counts(workspace)
        message = limits.rate_problem(recent, queued, settings_limits)
    if message:
        raise SandboxLimitError(message)
    problems = world_problems(workspace.world, steps)
    if problems:
        raise InvalidWorld(problems)
    with transaction.atomic():
        run = Run.objects.create(workspace=workspace, kind=kind, steps=steps, queued_on=locks.server_id())
        if kind == "challenge":
            ChallengeAttempt.objects.create(user_id=workspace.owner_id, challenge=challenge, run=run)
        transaction.on_commit(lambda: send(run.pk))
    return run


def _run_counts(workspace: Workspace) -> tuple[int, int]:
    """(runs the owner started in the last 60 s, unfinished runs of this workspace), in one statement.

    Plain SQL: it is on every run's path, and the ORM spent longer building two COUNT queries than the
    database spent answering them. Both counts use the (owner) and (workspace, created_at) indexes.
    """
    since = timezone.now() - timedelta(seconds=60)
    runs, workspaces = Run._meta.db_table, Workspace._meta.db_table
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {runs} r INNER JOIN {workspaces} w ON r.workspace_id = w.id"
        f" WHERE w.owner_id = %s AND r.created_at >= %s),"
        f" (SELECT COUNT(*) FROM {runs} WHERE workspace_id = %s AND status IN (%s, %s))"
    )
    params = [
        workspace.owner_id,
        Run._meta.get_field("created_at").get_db_prep_value(since, connection),
        Workspace._meta.pk.get_db_prep_value(workspace.pk, connection),
        Run.PENDING,
        Run.RUNNING,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        recent, queued = cursor.fetchone()
    return int(recent), int(queued)


def enqueue(run_id, countdown: float | None = None) -> bool:
    """Send the run's message; a failure leaves the row pending for the sweeper to send again."""
    # Recorded before sending, so that the worker never races this write. It is advisory: when it is
    # wrong the sweeper sends a duplicate message, which the claim makes harmless.
    _note_queued(run_id, locks.server_id())
    return send(run_id, countdown)


def send(run_id, countdown: float | None = None) -> bool:
    """Send the message of a run whose ``queued_on`` is already noted."""
    from sandbox.tasks import advance_workspace

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


# --- reading a run and rescuing lost ones -------------------------------------------------------------------


@dataclass(frozen=True)
class RunStatus:
    status: str
    finished: bool
    message: str  # for the student: what is happening, or why the run failed
    trace: dict | None


def run_status(run: Run) -> RunStatus:
    """The run as it is now (re-read from the database); rescues it when its message or worker was lost."""
    run.refresh_from_db()
    if not run.finished:
        rescue(run)
        run.refresh_from_db()
    messages = {
        Run.PENDING: "Queued: waiting for a sandbox worker.",
        Run.RUNNING: "Running in the emulator.",
        Run.DONE: "Done.",
        Run.FAILED: f"The sandbox could not finish this run: {run.error}",
    }
    return RunStatus(run.status, run.finished, messages[run.status], run.trace)


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
    from sandbox.tasks import advance_workspace

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


# --- executors --------------------------------------------------------------------------------------------------

_executor = None
_executor_lock = threading.Lock()


def process_executor():
    """This worker process's executor (the isolation daemon's client when available)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            from sandbox.runtime.client import default_executor

            _executor = default_executor()
        return _executor


def reset_executor() -> None:
    """Drop this process's executor (after it broke, or when the daemon restarted)."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        try:
            executor.close()
        except Exception:  # noqa: BLE001 - already broken
            log.warning("closing the sandbox executor failed", exc_info=True)


class ScopedExecutor:
    """One workspace's view of the shared executor: environment ids are prefixed so workspaces never meet."""

    def __init__(self, inner, prefix: str, trust_recent: bool = False):
        self.inner = inner
        self.prefix = prefix
        self.trust_recent = trust_recent  # skip asking the daemon about environments this process just used

    def _id(self, environment_id: str) -> str:
        return f"{self.prefix}{environment_id}"

    def create(self, environment_id, spec):
        # A worker killed mid-run may have left this id behind: an earlier attempt of the same run.
        self.destroy(environment_id)
        return self.inner.create(self._id(environment_id), spec)

    def invoke(self, environment_id, request):
        return self.inner.invoke(self._id(environment_id), request)

    def destroy(self, environment_id) -> None:
        try:
            self.inner.destroy(self._id(environment_id))
        except Exception:  # noqa: BLE001 - gone already (daemon restarted): nothing to free
            log.info("destroying %s failed", self._id(environment_id), exc_info=True)

    def alive(self, environment_id) -> bool:
        """Whether the executor still has this environment (a restarted daemon has none)."""
        inner_id = self._id(environment_id)
        if self.trust_recent and getattr(self.inner, "recently_used", None) and self.inner.recently_used(inner_id):
            return True  # used moments ago over a connection the daemon has not closed: no round trip
        if hasattr(self.inner, "describe"):  # the daemon: ask it
            try:
                self.inner.describe(inner_id)
            except Exception:  # noqa: BLE001 - EnvironmentGone, or the daemon is unreachable
                return False
            return True
        known = getattr(self.inner, "environments", None)  # the local executor keeps them in a dict
        return known is not None and inner_id in known

    def close(self) -> None:
        """The inner executor is shared by the process; it stays open."""


def workspace_executor(workspace_id, trust_recent: bool = False) -> ScopedExecutor:
    """``trust_recent`` only when this process saved the workspace's state last (see tasks.process)."""
    return ScopedExecutor(process_executor(), f"w{getattr(workspace_id, 'hex', workspace_id)}-", trust_recent)


# --- advancing a workspace (the emulator calls) ---------------------------------------------------------------


@dataclass(frozen=True)
class Advanced:
    state: dict
    trace: dict
    world: dict  # the world with the run's configuration changes applied


def advance(
    world: dict,
    state: dict | None,
    kind: str,
    steps: list,
    executor,
    idle_s: float = 0.0,
    *,
    owned: bool = False,
) -> Advanced:
    """Apply one run's steps to a workspace's emulator state; returns the new state and this run's trace.

    ``state`` is the state the previous run saved (None for a new workspace); it is not changed
    unless ``owned`` is true: a caller that has just loaded ``world`` and ``state`` from the database
    and uses them for nothing else passes ``owned=True`` to spare the deep copies.
    ``idle_s`` is the real time since that run: it passes on the emulated clock too (idle environments
    are reclaimed after 15 minutes). Environments the executor no longer has (daemon or worker
    restarted) are dropped: the next invocation is a cold start, as when Lambda recycles one.
    """
    if not owned:
        world = copy.deepcopy(world)
        state = copy.deepcopy(state) if state else None
    state = state or None
    recycled: list[str] = []
    internal: list[dict] = []
    fresh = state is None or kind in FRESH_KINDS
    if not fresh:
        internal = _sync_world(state, world)
        fresh = internal is None
    if fresh:
        if state:
            for env_id in list(state["environments"]):
                executor.destroy(env_id)
        state = new_state({**world, "steps": []}, world.get("seed"))
        internal = []
    else:
        recycled, resync = _reconcile(state, executor)
        internal.extend(resync)
    base = float(state["now"]) + (min(max(idle_s, 0.0), MAX_IDLE_GAP_S) if not fresh else 0.0)
    for step in steps:
        if _is_shell_step(step):
            state["queues"][step["purge"]["queue"]] = []
    engine_steps = [step for step in steps if not _is_shell_step(step)]
    marks = _marks(state)
    step_offset = len(state["config"]["steps"]) + len(internal)
    state["attempt_count"] = 0
    state["stopped"] = None
    _add_steps(state, internal + engine_steps, base)
    engine.advance(state, executor, until_s=None)
    run_trace = _slice(state, marks, base, step_offset)
    run_trace.update({"clock_s": round(base, 6), "fresh": fresh, "recycled_environments": recycled})
    if not state["events"]:
        _trim(state)
    return Advanced(state=state, trace=run_trace, world=apply_configuration(world, steps))


def _is_shell_step(step) -> bool:
    return isinstance(step, dict) and any(name in step for name in SHELL_STEPS)


def _sync_world(state: dict, world: dict) -> list[dict] | None:
    """Steps that bring the state's configuration to the world's; None when only a fresh state can."""
    wanted = normalise({**world, "steps": []})
    current = state["config"]
    for section in ("account", "queues", "topics", "streams", "buses", "buckets", "network"):
        if wanted[section] != current[section]:
            return None
    if set(current["functions"]) - set(wanted["functions"]):
        return None
    old_maps, new_maps = current["event_source_mappings"], wanted["event_source_mappings"]
    if len(old_maps) != len(new_maps) or any(
        (a["function"], a["source"]) != (b["function"], b["source"]) for a, b in zip(old_maps, new_maps, strict=True)
    ):
        return None
    steps: list[dict] = []
    for name, fn in wanted["functions"].items():
        if name not in current["functions"]:
            current["functions"][name] = copy.deepcopy({**fn, "provisioned_concurrency": 0})
            if fn["provisioned_concurrency"]:
                steps.append(
                    {"update_function": {"function": name, "provisioned_concurrency": fn["provisioned_concurrency"]}}
                )
            continue
        changes = {key: value for key, value in fn.items() if current["functions"][name].get(key) != value}
        if changes:
            steps.append({"update_function": {"function": name, **changes}})
    for index, (old, new) in enumerate(zip(old_maps, new_maps, strict=True)):
        changes = {key: value for key, value in new.items() if old.get(key) != value}
        if changes:
            steps.append({"update_mapping": {"index": index, **changes}})
    return steps


def _reconcile(state: dict, executor) -> tuple[list[str], list[dict]]:
    """Drop environments the executor lost; steps that bring provisioned ones back."""
    lost = [
        env_id
        for env_id, env in state["environments"].items()
        if env.get("created") and not env.get("busy") and not executor.alive(env_id)
    ]
    functions = set()
    for env_id in lost:
        env = state["environments"].pop(env_id)
        if env["provisioned"]:
            functions.add(env["function"])
    steps = [
        {
            "update_function": {
                "function": name,
                "provisioned_concurrency": state["config"]["functions"][name]["provisioned_concurrency"],
            }
        }
        for name in sorted(functions)
    ]
    return lost, steps


def _add_steps(state: dict, steps: list[dict], base: float) -> None:
    started = bool(state["counters"].get("started"))
    for step in steps:
        placed = copy.deepcopy(step)
        placed["at_s"] = base + float(step.get("at_s", 0) or 0)
        state["config"]["steps"].append(placed)
        if started:
            schedule(state, placed["at_s"], "step", {"index": len(state["config"]["steps"]) - 1}, PRIORITY_STEP)


def _marks(state: dict) -> dict:
    raw = state["trace"]
    return {
        "lists": {key: len(raw[key]) for key in ("responses", "attempts", "deliveries", "connections", "dropped")},
        "named": {
            key: {name: len(items) for name, items in raw[key].items()} for key in ("topics", "buses", "buckets")
        },
        "metrics": copy.deepcopy(raw["metrics"]),
    }


def _shift(item: dict, base: float) -> dict:
    for key in TIME_FIELDS:
        if isinstance(item.get(key), (int, float)) and not isinstance(item.get(key), bool):
            item[key] = round(item[key] - base, 6)
    return item


def _slice(state: dict, marks: dict, base: float, step_offset: int) -> dict:
    """This run's part of the trace, on a clock that starts at 0 when the run does."""
    raw = state["trace"]
    part = {key: raw[key][start:] for key, start in marks["lists"].items()}
    for key, starts in marks["named"].items():
        part[key] = {name: items[starts.get(name, 0) :] for name, items in raw[key].items()}
    part["metrics"] = _metric_deltas(state, marks["metrics"], part["attempts"])
    built = trace_module.build({**state, "trace": part})
    for key in ("responses", "attempts", "deliveries", "connections", "dropped"):
        built[key] = [_shift(item, base) for item in built[key]]
    for key in ("topics", "buses", "buckets"):
        built[key] = {name: [_shift(item, base) for item in items] for name, items in built[key].items()}
    for response in built["responses"]:
        if isinstance(response.get("step"), int):
            response["step"] -= step_offset
    built["end_s"] = round(max(0.0, built["end_s"] - base), 6)
    return built


def _metric_deltas(state: dict, before: dict, attempts: list[dict]) -> dict:
    deltas = {}
    for name in state["config"]["functions"]:
        now = copy.deepcopy(metrics_for(state, name))
        was = before.get(name, {})
        for key, value in now.items():
            if key != "max_concurrency" and isinstance(value, (int, float)):
                now[key] = value - was.get(key, 0)
        now["max_concurrency"] = _peak_concurrency([a for a in attempts if a["function"] == name])
        deltas[name] = now
    return deltas


def _peak_concurrency(attempts: list[dict]) -> int:
    edges = []
    for attempt in attempts:
        if attempt.get("environment_id"):
            edges.append((attempt["start_s"], 1))
            edges.append((attempt["end_s"], -1))
    peak = current = 0
    for _time, change in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        current += change
        peak = max(peak, current)
    return peak


def _trim(state: dict) -> None:
    """Forget what earlier runs recorded (their traces are in their rows); metrics stay cumulative."""
    raw = state["trace"]
    for key in ("responses", "attempts", "deliveries", "connections", "dropped"):
        raw[key] = []
    for key in ("topics", "buses", "buckets"):
        raw[key] = {name: [] for name in raw[key]}
    state["config"]["steps"] = []


def changes_configuration(steps: list) -> bool:
    return any(isinstance(step, dict) and ("update_function" in step or "update_mapping" in step) for step in steps)


def apply_configuration(world: dict, steps: list) -> dict:
    """The world with the run's ``update_function`` and ``update_mapping`` steps written into it."""
    world = copy.deepcopy(world)
    for step in steps:
        if isinstance(step.get("update_function"), dict):
            changes = dict(step["update_function"])
            function = (world.get("functions") or {}).get(changes.pop("function", None))
            if function is None:
                continue
            for key, value in changes.items():
                if key == "async" and isinstance(value, dict):
                    function.setdefault("async", {}).update(value)
                else:
                    function[key] = value
        if isinstance(step.get("update_mapping"), dict):
            changes = dict(step["update_mapping"])
            mappings = world.get("event_source_mappings") or []
            if "index" in changes:
                index = int(changes.pop("index"))
                chosen = [mappings[index]] if 0 <= index < len(mappings) else []
            else:
                function, source = changes.pop("function", None), changes.pop("source", None)
                chosen = [
                    m
                    for m in mappings
                    if (function is None or m.get("function") == function)
                    and (source is None or m.get("source") == source)
                ]
            for mapping in chosen:
                mapping.update(changes)
    return world


# --- whole scenarios (the CLI) ----------------------------------------------------------------------------------


def run_scenario_inline(raw: dict, seed: int | None = None, executor=None) -> dict:
    """A whole scenario on this process's executor; the trace of scenario-format.md."""
    import uuid

    scoped = ScopedExecutor(executor or process_executor(), f"cli-{uuid.uuid4().hex}-")
    return simulate(raw, scoped, seed=seed, validate=False)


def run_scenario_via_celery(raw: dict, seed: int | None = None, timeout: float = 300) -> dict:
    """Submit a whole scenario to the running workers (queue ``sandbox``) and wait for its trace."""
    from sandbox.tasks import run_scenario as task

    problems = check(raw)
    if problems:
        raise InvalidWorld(problems)
    result = task.apply_async(args=[raw, seed])
    try:
        return result.get(timeout=timeout, propagate=True)
    finally:
        result.forget()


def trace_json(trace: dict, indent: int | None = None) -> str:
    return json.dumps(trace, indent=indent)


def run_file_via_celery(path: str, seed, timeout: float, stdout, stderr, indent=None) -> int:
    """``scenario run FILE --via-celery``: the same checks and output as the inline run, on the workers."""
    from sandbox.emulator.simulation import load_checked

    raw, _lines, found = load_checked(path)
    if found:
        for problem in found:
            stderr.write(f"{path}: {problem}\n")
        return 2
    try:
        trace = run_scenario_via_celery(raw, seed, timeout)
    except Exception as error:  # noqa: BLE001 - no worker, no broker, or the task failed
        stderr.write(f"{path}: the Celery run did not finish: {type(error).__name__}: {error}\n")
        return 1
    stdout.write(trace_json(trace, indent) + "\n")
    return 0
