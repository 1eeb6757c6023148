"""Concurrency decisions of the pure core, at full AWS scale (no handlers run here)."""

from __future__ import annotations

from sandbox.emulator import concurrency
from sandbox.emulator.state import new_state


def make_state(**account) -> dict:
    functions = account.pop("functions", {"fn": {"code": "x"}})
    return new_state({"account": account, "functions": functions}, seed=1)


def acquire_many(state: dict, name: str, count: int, now: float) -> list[dict]:
    results = []
    for _ in range(count):
        claimed = concurrency.acquire(state, name, "$LATEST", None, now)
        if "env" in claimed:
            state["environments"][claimed["env"]]["created"] = True
        results.append(claimed)
    return results


def test_scaling_rate_starts_at_most_1000_environments_in_the_first_10_s():
    state = make_state(concurrency_limit=5000)

    burst = acquire_many(state, "fn", 1500, 0.0)
    later = acquire_many(state, "fn", 500, 10.0)

    assert sum("env" in r for r in burst) == 1000
    assert {r["throttle"] for r in burst if "throttle" in r} == {"ConcurrentInvocationLimitExceeded"}
    assert all("env" in r for r in later)


def test_scaling_allowance_refills_continuously_and_does_not_build_up():
    state = make_state(concurrency_limit=5000)
    acquire_many(state, "fn", 1000, 0.0)

    after_one_second = acquire_many(state, "fn", 150, 1.0)
    after_an_hour = acquire_many(state, "fn", 1500, 3600.0)

    assert sum("env" in r for r in after_one_second) == 100
    assert sum("env" in r for r in after_an_hour) == 1000


def test_reserved_concurrency_caps_the_function_and_shrinks_the_unreserved_pool():
    state = make_state(
        concurrency_limit=10,
        unreserved_minimum=2,
        functions={"capped": {"code": "x", "reserved_concurrency": 3}, "other": {"code": "x"}},
    )

    capped = acquire_many(state, "capped", 5, 0.0)
    other = acquire_many(state, "other", 9, 0.0)

    assert sum("env" in r for r in capped) == 3
    assert {r["throttle"] for r in capped if "throttle" in r} == {"ReservedFunctionConcurrentInvocationLimitExceeded"}
    assert sum("env" in r for r in other) == 7
    assert {r["throttle"] for r in other if "throttle" in r} == {"ConcurrentInvocationLimitExceeded"}


def test_idle_environments_are_reused_and_do_not_count_as_concurrency():
    state = make_state()
    first = acquire_many(state, "fn", 1, 0.0)[0]
    concurrency.release(state, first["env"], 1.0, "success", destroy=False)

    again = concurrency.acquire(state, "fn", "$LATEST", None, 2.0)

    assert again == {"env": first["env"], "create": False}


def test_idle_environments_are_reclaimed_after_the_idle_time():
    state = make_state(idle_reclaim_s=600)
    first = acquire_many(state, "fn", 1, 0.0)[0]
    concurrency.release(state, first["env"], 1.0, "success", destroy=False)

    kept = concurrency.reclaim_idle(state, 500.0)
    reclaimed = concurrency.reclaim_idle(state, 601.0)

    assert kept == []
    assert reclaimed == [{"kind": "destroy", "env": first["env"]}]


def test_provisioned_environments_serve_first_and_extra_calls_spill_over():
    state = make_state(functions={"fn": {"code": "x", "provisioned_concurrency": 2}})
    for env_id in concurrency.add_provisioned(state, "fn", "$LATEST", 2, 0.0):
        state["environments"][env_id]["created"] = True

    results = acquire_many(state, "fn", 3, 1.0)

    assert [r["create"] for r in results] == [False, False, True]
    assert state["trace"]["metrics"]["fn"]["provisioned_spillover_invocations"] == 1


def test_provisioned_concurrency_equal_to_reserved_throttles_on_demand_calls():
    state = make_state(
        functions={
            "fn": {
                "code": "x",
                "reserved_concurrency": 2,
                "provisioned_concurrency": 2,
                "provisioned_qualifier": "live",
                "versions": {"1": {}},
                "aliases": {"live": "1"},
            }
        }
    )
    for env_id in concurrency.add_provisioned(state, "fn", "1", 2, 0.0):
        state["environments"][env_id]["created"] = True

    latest = concurrency.acquire(state, "fn", "$LATEST", None, 1.0)
    alias = concurrency.acquire(state, "fn", "1", "live", 1.0)

    assert latest == {"throttle": "ReservedFunctionConcurrentInvocationLimitExceeded"}
    assert "env" in alias
