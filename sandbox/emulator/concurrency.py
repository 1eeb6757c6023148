"""Execution environments and concurrency: which environment serves an invocation.

An environment belongs to one function version and one configuration generation
(a code or configuration change makes new ones). It is busy from the start of Init
to the end of Invoke and serves one request at a time. Limits are checked in the
order AWS applies them: reserved concurrency (a cap), the account's unreserved pool,
then the per-function scaling rate (1,000 new environments per 10 s, refilled
continuously) for environments that must be created.
"""

from __future__ import annotations

from . import ids, layers, logs, snapstart
from .config import version_config
from .executor import EnvironmentSpec, NetworkTable
from .model import Environment, State
from .state import metrics_for

SCALING_CAPACITY = 1000.0
PC_INIT_LIMIT_S = 130.0

RESERVED_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_REASON = "ConcurrentInvocationLimitExceeded"


def function_runtime(state: State, name: str) -> dict:
    runtimes = state["functions"]
    if name not in runtimes:
        runtimes[name] = {
            "generation": 0,
            "tokens": SCALING_CAPACITY,
            "tokens_at": 0.0,
            "busy": 0,
            "active_at": 0.0,
        }
    return runtimes[name]


def busy_count(state: State, name: str, provisioned: bool | None = None) -> int:
    return sum(
        1
        for env in state["environments"].values()
        if env["function"] == name and env["busy"] and (provisioned is None or env["provisioned"] == provisioned)
    )


def provisioned_total(fn: dict) -> int:
    return int(fn.get("provisioned_concurrency") or 0)


def _unreserved_in_use(state: State) -> int:
    """Concurrency the unreserved pool is giving away right now (provisioned counts in full)."""
    used = 0
    for name, fn in state["config"]["functions"].items():
        if fn.get("reserved_concurrency") is not None:
            continue
        used += provisioned_total(fn) + busy_count(state, name, provisioned=False)
    return used


def unreserved_pool(state: State) -> int:
    account = state["config"]["account"]
    reserved = sum(
        int(fn["reserved_concurrency"])
        for fn in state["config"]["functions"].values()
        if fn.get("reserved_concurrency") is not None
    )
    return int(account["concurrency_limit"]) - reserved


def _take_token(state: State, name: str, now: float) -> bool:
    """The scaling rate: a bucket of ``scaling_limit`` (1,000) new environments, refilled
    continuously over 10 s, that doesn't build up past its size."""
    runtime = function_runtime(state, name)
    capacity = float(state["config"]["account"].get("scaling_limit") or SCALING_CAPACITY)
    elapsed = max(0.0, now - runtime["tokens_at"])
    runtime["tokens"] = min(capacity, min(runtime["tokens"], capacity) + elapsed * capacity / 10.0)
    runtime["tokens_at"] = now
    if runtime["tokens"] < 1.0:
        return False
    runtime["tokens"] -= 1.0
    return True


def reclaim_idle(state: State, now: float) -> list[dict]:
    """Destroy on-demand environments idle longer than the account's idle time."""
    limit = float(state["config"]["account"]["idle_reclaim_s"])
    effects = []
    for env_id, env in list(state["environments"].items()):
        if env["busy"] or env["provisioned"]:
            continue
        stale = function_runtime(state, env["function"])["generation"] != env["generation"]
        if stale or now - env["last_used"] >= limit:
            del state["environments"][env_id]
            effects.append({"kind": "destroy", "env": env_id})
    return effects


def acquire(state: State, name: str, version: str, qualifier: str | None, now: float) -> dict:
    """Find or plan the environment for one invocation.

    Returns ``{"throttle": reason}`` or ``{"env": id, "create": bool}``; the
    environment is marked busy.
    """
    fn = state["config"]["functions"][name]
    runtime = function_runtime(state, name)
    metrics = metrics_for(state, name)
    pc_target = fn.get("provisioned_qualifier")
    uses_pc = provisioned_total(fn) > 0 and (pc_target in (None, qualifier, version))

    if uses_pc:
        for env in _idle(state, name, version, runtime["generation"], provisioned=True):
            return _claim(state, env, metrics)

    reserved = fn.get("reserved_concurrency")
    on_demand_busy = busy_count(state, name, provisioned=False)
    if reserved is not None:
        if on_demand_busy >= int(reserved) - provisioned_total(fn):
            return {"throttle": RESERVED_REASON}
    elif _unreserved_in_use(state) >= unreserved_pool(state):
        return {"throttle": ACCOUNT_REASON}

    if uses_pc:
        metrics["provisioned_spillover_invocations"] += 1
    for env in _idle(state, name, version, runtime["generation"], provisioned=False):
        return _claim(state, env, metrics)

    if not _take_token(state, name, now):
        return {"throttle": ACCOUNT_REASON}
    env_id = f"env-{ids.next_counter(state, 'env')}"
    state["environments"][env_id] = {
        "id": env_id,
        "function": name,
        "version": version,
        "generation": runtime["generation"],
        "busy": False,
        "provisioned": False,
        "created": False,
        "reset": False,
        "last_used": now,
        "log_stream": logs.log_stream_name(now, version, ids.hex_id(state, "stream")),
    }
    claimed = _claim(state, state["environments"][env_id], metrics)
    claimed["create"] = True
    return claimed


def _idle(state: State, name: str, version: str, generation: int, provisioned: bool):
    candidates = [
        env
        for env in state["environments"].values()
        if env["function"] == name
        and env["version"] == version
        and env["generation"] == generation
        and env["provisioned"] == provisioned
        and not env["busy"]
        and env["created"]
    ]
    # The oldest environment first: a choice that doesn't depend on measured durations, so a
    # scenario run twice with one seed uses the same environments.
    candidates.sort(key=lambda env: int(env["id"].split("-")[1]))
    return candidates


def _claim(state: State, env: Environment, metrics: dict) -> dict:
    env["busy"] = True
    current = busy_count(state, env["function"])
    metrics["max_concurrency"] = max(metrics["max_concurrency"], current)
    return {"env": env["id"], "create": False}


def release(state: State, env_id: str, now: float, outcome: str, destroy: bool) -> list[dict]:
    env = state["environments"].get(env_id)
    if env is None:
        return []
    runtime = function_runtime(state, env["function"])
    if destroy or (env["generation"] != runtime["generation"] and not env["provisioned"]):
        del state["environments"][env_id]
        return [{"kind": "destroy", "env": env_id}]
    env["busy"] = False
    env["last_used"] = now
    if outcome in ("timeout", "oom", "runtime_exit"):
        env["reset"] = True
    return []


def build_spec(
    state: State,
    name: str,
    version: str,
    env: Environment | dict,
    network: NetworkTable,
    provisioned: bool,
    snapshot: dict | None = None,
) -> EnvironmentSpec:
    """The spec of one environment. ``snapshot``: the SnapStart phase to give it, when taking a snapshot; a new
    environment of a version that has a snapshot restores from it."""
    account = state["config"]["account"]
    fn = version_config(state["config"]["functions"][name], version)
    snap = snapshot or (None if provisioned else snapstart.restore_settings(state, name, version))
    init_limit = max(PC_INIT_LIMIT_S, float(fn["timeout_s"])) if provisioned or snap else 10.0
    module = fn["handler"].rsplit(".", 1)[0] if "." in fn["handler"] else "lambda_function"
    code = {module.replace(".", "/") + ".py": fn["code"]}
    code.update(fn.get("files") or {})
    environment = dict(fn.get("environment") or {})
    timeout = float(fn["timeout_s"])
    return EnvironmentSpec(
        function_name=name,
        code=code,
        handler=fn["handler"],
        memory_mb=int(fn["memory_mb"]),
        timeout_s=timeout,
        ephemeral_storage_mb=int(fn["ephemeral_storage_mb"]),
        environment=environment,
        version=version,
        region=account["region"],
        account_id=account["account_id"],
        log_stream_name=env["log_stream"],
        init_limit_s=init_limit,
        network=network,
        runtime=str(fn.get("runtime") or "python3.12"),
        initialization_type="provisioned-concurrency" if provisioned else "on-demand",
        layer_files=layers.files_for(state["config"].get("layers") or {}, fn.get("layers") or []),
        snap_start=snap,
    )


def add_provisioned(state: State, name: str, version: str, count: int, now: float) -> list[str]:
    """Create ``count`` provisioned environments (Init runs now, ahead of invocations)."""
    runtime = function_runtime(state, name)
    made = []
    for _ in range(count):
        env_id = f"env-{ids.next_counter(state, 'env')}"
        state["environments"][env_id] = {
            "id": env_id,
            "function": name,
            "version": version,
            "generation": runtime["generation"],
            "busy": False,
            "provisioned": True,
            "created": False,
            "reset": False,
            "last_used": now,
            "log_stream": logs.log_stream_name(now, version, ids.hex_id(state, "stream")),
        }
        made.append(env_id)
    return made
