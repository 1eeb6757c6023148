"""The transition function and the driver that runs it on the virtual clock.

``handle(state, event)`` is the core: it takes the state and one due event and returns
effects: ``run`` (run a handler in an environment), ``create`` (initialise a
provisioned environment), ``snapshot`` (SnapStart: run a published version's Init once and
keep its log) and ``destroy``. It never runs code or reads a clock. The
state is updated in place and stays plain JSON, so a caller that wants the old state
keeps a copy (``state_to_json``).

``advance(state, executor, until_s)`` is the driver: it pops due events in time order,
calls ``handle``, performs the effects through an ``Executor`` and feeds the results
back (``attempts.complete_run``), until nothing is due before ``until_s``. Runs that
become due at the same instant are performed concurrently (they are independent:
each already has its own environment), which keeps bursts fast in real time.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable

from . import (
    apigateway,
    asynchronous,
    attempts,
    concurrency,
    invoke,
    services,
    snapstart,
    sqs,
    stepfunctions,
    steps,
    streams,
    urls,
)
from .executor import Executor
from .model import State
from .state import PRIORITY_STEP, peek_time, pop_event, schedule

DEFAULT_PARALLELISM = 8


def start(state: State) -> list[dict]:
    """Schedule the scenario's steps and initialise provisioned concurrency (time 0)."""
    effects: list[dict] = []
    for index, step in enumerate(state["config"]["steps"]):
        schedule(state, float(step.get("at_s", 0) or 0), "step", {"index": index}, PRIORITY_STEP)
    for name, fn in state["config"]["functions"].items():
        concurrency.function_runtime(state, name)
        for version in sorted(fn["versions"], key=lambda v: int(v) if str(v).isdigit() else 0):
            effects.extend(steps.take_snapshot(state, name, str(version), 0.0))
        if int(state["config"]["functions"][name].get("provisioned_concurrency") or 0) > 0:
            effects.extend(steps.sync_provisioned(state, name, 0.0))
    for mapping in state["config"]["event_source_mappings"]:
        if mapping["kind"] == "stream":
            streams.poke_mapping(state, mapping["index"], 0.0)
    return effects


# What each kind of event does: ``handler(state, data, now) -> effects``.
HANDLERS: dict[str, Callable[[State, dict, float], list[dict]]] = {
    "step": steps.run_step,
    "invoke_call": lambda state, data, now: invoke.call_once(state, data["step"], data["k"], now),
    "async_attempt": asynchronous.attempt,
    "sqs_poll": sqs.poll,
    "stream_poll": streams.poll,
    "api_timeout": apigateway.timeout,
    "sfn_task": stepfunctions.task_attempt,
    "sfn_continue": stepfunctions.resume,
}
# Who reacts when a run ends (``attempt_end``), by the run's owner.
OWNERS: dict[str, Callable[[State, dict, float], list[dict]]] = {
    "sync": invoke.end_sync,
    "async": asynchronous.end,
    "sqs": sqs.end,
    "stream": streams.end,
    "api": apigateway.end,
    "sfn": stepfunctions.end,
    "url": urls.end,
}


def _attempt_end(state: State, data: dict, now: float) -> list[dict]:
    effects = attempts.end_attempt(state, data, now)
    owner = OWNERS.get(data["ctx"]["owner"])
    if owner is not None:
        effects.extend(owner(state, data, now))
    return effects


HANDLERS["attempt_end"] = _attempt_end


def handle(state: State, event: list) -> list[dict]:
    now, _priority, _seq, kind, data = event
    state["now"] = now
    effects = concurrency.reclaim_idle(state, now)
    handler = HANDLERS.get(kind)
    if handler is None:
        raise ValueError(f"unknown event kind {kind!r}")
    effects.extend(handler(state, data, now))
    return effects


def _perform_run(executor: Executor, effect: dict, world: services.World):
    """Init (when the environment is new) and Invoke; the handler's SDK calls are answered by ``services``."""
    init = None
    if effect["spec"] is not None:
        init = executor.create(effect["env"], effect["spec"])
        # A failed Init that timed out runs again inside the invoke; a failed restore ends the call.
        if not init.ok and (init.status != "timeout" or attempts.restored(effect)):
            return init, None
    # The handler runs after Init: its calls happen that much later than the run's start.
    init_ms = float(init.init_duration_ms) if init is not None else 0.0
    return init, executor.invoke(effect["env"], effect["request"], services=services.bind(world, effect, init_ms))


def world_for(state: State, executor: Executor) -> services.World:
    """The emulated world the runs of one ``advance`` call reach with the SDK; nested invokes run through ``executor``."""
    world = services.World(state, destroy=executor.destroy)
    world.run = lambda effect: _perform_run(executor, effect, world)
    return world


def _perform(state: State, executor: Executor, effects: list[dict], pool) -> None:
    snapshots = [e for e in effects if e["kind"] == "snapshot"]
    for effect, init in zip(
        snapshots, _map(pool, lambda e: executor.create(e["env"], e["spec"]), snapshots), strict=True
    ):
        executor.destroy(effect["env"])  # the snapshot is taken: this environment is not used for invokes
        snapstart.record(state, effect, init)
    runs_due = [e for e in effects if e["kind"] == "run"]
    creates = [e for e in effects if e["kind"] == "create"]
    for effect in effects:
        if effect["kind"] == "destroy":
            executor.destroy(effect["env"])
    for effect, init in zip(creates, _map(pool, lambda e: executor.create(e["env"], e["spec"]), creates), strict=True):
        env = state["environments"].get(effect["env"])
        if env is None:
            continue
        if init.ok:
            env["created"] = True
        else:
            del state["environments"][effect["env"]]
            executor.destroy(effect["env"])
    if not runs_due:
        return
    world = world_for(state, executor)
    outcomes = _map(pool, lambda e: _perform_run(executor, e, world), runs_due)
    for effect, (init, result) in zip(runs_due, outcomes, strict=True):
        attempts.complete_run(state, effect, init, result)


def _map(pool, function, items: list) -> list:
    if pool is None or len(items) < 2:
        return [function(item) for item in items]
    return list(pool.map(function, items))


def advance(
    state: State, executor: Executor, until_s: float | None = None, parallelism: int = DEFAULT_PARALLELISM
) -> State:
    """Run due events until none is left at or before ``until_s`` (or the safety limit)."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=parallelism) if parallelism > 1 else None
    limit = int(state["config"]["account"].get("max_attempts") or 0)
    try:
        if not state["counters"].get("started"):
            state["counters"]["started"] = 1
            _perform(state, executor, start(state), pool)
        while state["events"]:
            due = peek_time(state)
            if until_s is not None and due > until_s:
                break
            if limit and state.get("attempt_count", 0) >= limit:
                state["stopped"] = f"stopped after {limit} attempts (account.max_attempts)"
                break
            effects: list[dict] = []
            while state["events"] and peek_time(state) == due:
                effects.extend(handle(state, pop_event(state)))
            _perform(state, executor, effects, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    if until_s is not None and (not state["events"] or peek_time(state) > until_s):
        state["now"] = max(state["now"], float(until_s))
    return state


def shutdown(state: State, executor: Executor) -> None:
    """Destroy every environment the state still holds."""
    for env_id in list(state["environments"]):
        executor.destroy(env_id)
        del state["environments"][env_id]
