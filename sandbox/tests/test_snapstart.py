"""SnapStart: Init once at publish, restored environments, runtime hooks, the uniqueness trap and AWS's rules."""

from __future__ import annotations

import pytest

from sandbox.emulator.simulation import check, simulate
from sandbox.runtime.client import DaemonExecutor, ensure_daemon

ORDERS = """\
import time, uuid, random
from snapshot_restore_py import register_before_snapshot, register_after_restore

time.sleep(2)  # loading a model
ORDER_PREFIX = uuid.uuid4().hex
print("init ran")

@register_before_snapshot
def closing():
    print("before snapshot")

@register_after_restore
def reopening():
    print("after restore")

def lambda_handler(event, context):
    time.sleep(0.5)
    return {"prefix": ORDER_PREFIX, "draw": random.random()}
"""

REFRESHED = ORDERS.replace(
    '    print("after restore")', "    global ORDER_PREFIX\n    ORDER_PREFIX = uuid.uuid4().hex\n    random.seed()"
)


@pytest.fixture(scope="module")
def executor():
    ensure_daemon()
    made = DaemonExecutor()
    yield made
    made.close()


def scenario(code: str, **function) -> dict:
    return {
        "functions": {"orders": {"code": code, "snap_start": {"apply_on": "PublishedVersions"}, **function}},
        "steps": [
            {"at_s": 0, "publish_version": {"function": "orders"}},
            {"at_s": 1, "invoke": {"function": "orders", "qualifier": "1", "repeat": 3, "parallel": True}},
            {"at_s": 10, "invoke": {"function": "orders"}},
        ],
    }


@pytest.fixture(scope="module")
def trace(executor):
    return simulate(scenario(ORDERS), executor, seed=1)


def test_init_runs_once_at_publish_with_before_snapshot_hooks(trace):
    [snapshot] = trace["snapshots"]

    assert snapshot["function"] == "orders" and snapshot["version"] == "1" and snapshot["status"] == "success"
    assert snapshot["init_duration_ms"] >= 2000
    assert 0 <= snapshot["billed_duration_ms"] - snapshot["init_duration_ms"] < 1
    assert snapshot["logs"][0].startswith("INIT_START Runtime Version: python:3.12")
    assert snapshot["logs"][1:3] == ["init ran", "before snapshot"]
    assert snapshot["logs"][-1].startswith("INIT_REPORT Init Duration: ")


def test_each_new_environment_of_the_version_restores_instead_of_running_init(trace):
    restored = [a for a in trace["attempts"] if a["version"] == "1"]

    assert len(restored) == 3 and len({a["environment_id"] for a in restored}) == 3
    for attempt in restored:
        assert attempt["cold_start"] is True and attempt["init_duration_ms"] is None
        assert attempt["restore_duration_ms"] < 1000  # Init's 2 s sleep is in the snapshot, not repeated
        assert attempt["logs"][0].startswith("RESTORE_START Runtime Version: python:3.12")
        assert attempt["logs"][1] == "after restore"  # Init's own print belongs to the snapshot's log
        assert attempt["logs"][2].startswith("RESTORE_REPORT Restore Duration: ")
        report = attempt["logs"][-1]
        assert "Init Duration" not in report
        assert f"Restore Duration: {attempt['restore_duration_ms']:.2f} ms" in report
        assert "\tBilled Restore Duration: " in report
        # Billed Duration is the invoke's own duration rounded up: restore is billed on its own field.
        assert 0 <= attempt["billed_duration_ms"] - attempt["duration_ms"] < 1


def test_latest_never_uses_the_snapshot(trace):
    [latest] = [a for a in trace["attempts"] if a["version"] == "$LATEST"]

    assert latest["init_duration_ms"] >= 2000
    assert latest["logs"][0].startswith("INIT_START")
    assert "Restore Duration" not in latest["logs"][-1]


def test_values_made_during_init_are_identical_in_every_restored_environment(trace):
    restored = [r["payload"] for r in trace["responses"][:3]]
    latest = trace["responses"][3]["payload"]

    assert len({payload["prefix"] for payload in restored}) == 1
    assert len({payload["draw"] for payload in restored}) == 1  # random's state is in the snapshot too
    assert latest["prefix"] != restored[0]["prefix"]


def test_an_after_restore_hook_that_draws_again_makes_them_unique(executor):
    trace = simulate(scenario(REFRESHED), executor, seed=1)
    restored = [r["payload"] for r in trace["responses"][:3]]

    assert len({payload["prefix"] for payload in restored}) == 3
    assert len({payload["draw"] for payload in restored}) == 3


def problems(raw: dict) -> list[str]:
    return [f"{problem.field}: {problem.message}" for problem in check(raw)]


def test_snapstart_refuses_provisioned_concurrency_efs_and_large_ephemeral_storage():
    raw = scenario(
        "x = 1\n",
        provisioned_concurrency=2,
        provisioned_qualifier="1",
        ephemeral_storage_mb=1024,
        file_system={
            "arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1",
            "mount_path": "/mnt/data",
        },
        versions={"1": {}},
    )

    assert problems(raw) == [
        "functions.orders.provisioned_concurrency: InvalidParameterValueException: SnapStart and provisioned "
        "concurrency can't be used together: turn one of them off.",
        "functions.orders.file_system: InvalidParameterValueException: SnapStart doesn't support Amazon EFS: remove "
        "the file system or turn SnapStart off.",
        "functions.orders.ephemeral_storage_mb: InvalidParameterValueException: SnapStart doesn't support ephemeral "
        "storage over 512 MB.",
    ]


def test_snapstart_applies_to_published_versions_only():
    raw = scenario("x = 1\n")
    raw["functions"]["orders"]["snap_start"] = {"apply_on": "$LATEST"}

    assert problems(raw) == [
        "functions.orders.snap_start.apply_on: ValidationException: 1 validation error detected: Value '$LATEST' at "
        "'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]"
    ]


def test_an_update_adding_provisioned_concurrency_to_a_snapstart_function_is_refused():
    raw = scenario("x = 1\n")
    raw["steps"].append({"at_s": 20, "update_function": {"function": "orders", "provisioned_concurrency": 1}})

    assert [p for p in problems(raw) if p.startswith("steps.3")] == [
        "steps.3.update_function.provisioned_concurrency: InvalidParameterValueException: SnapStart and provisioned "
        "concurrency can't be used together: turn one of them off."
    ]


def test_declared_versions_are_snapshotted_at_time_zero_and_hooks_see_the_snapstart_environment(executor):
    code = (
        "import os\n"
        "KIND = os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']\n"
        "def lambda_handler(event, context):\n"
        "    return [KIND, 'AWS_LAMBDA_LOG_STREAM_NAME' in os.environ]\n"
    )
    raw = {
        "functions": {"orders": {"code": code, "snap_start": {"apply_on": "PublishedVersions"}, "versions": {"1": {}}}},
        "steps": [{"at_s": 5, "invoke": {"function": "orders", "qualifier": "1"}}],
    }

    trace = simulate(raw, executor, seed=1)

    assert [(s["version"], s["at_s"]) for s in trace["snapshots"]] == [("1", 0.0)]
    assert trace["responses"][0]["payload"] == ["snap-start", False]


def test_after_restore_hooks_over_10_seconds_fail_the_invoke_with_snapstart_timeout(executor):
    slow = ORDERS.replace('    print("after restore")', "    time.sleep(11)")

    trace = simulate(scenario(slow), executor, seed=1)

    restored = [r for r in trace["responses"] if r["executed_version"] == "1" or r["status_code"] == 408]
    assert [r["status_code"] for r in restored] == [408, 408, 408]
    assert restored[0]["error_type"] == "SnapStartTimeoutException"
    assert restored[0]["payload"] == {
        "Type": "User",
        "message": "Lambda couldn't restore the snapshot within the timeout limit.",
    }
    failed = [a for a in trace["attempts"] if a.get("restore_timed_out")]
    assert len(failed) == 3 and all(a["restore_duration_ms"] == 10000.0 for a in failed)
    assert trace["responses"][-1]["status_code"] == 200  # $LATEST runs no hooks


def test_an_after_restore_hook_that_raises_fails_the_call_and_the_next_one_restores_again(executor):
    raising = ORDERS.replace('    print("after restore")', '    raise RuntimeError("no database")')
    raw = scenario(raising)
    raw["steps"][1]["invoke"].update(repeat=2, parallel=False)

    trace = simulate(raw, executor, seed=1)

    first, second = trace["responses"][:2]
    assert first["function_error"] == "Unhandled" and first["payload"]["errorType"] == "RuntimeError"
    assert second["function_error"] == "Unhandled"
    attempts = [a for a in trace["attempts"] if a["version"] == "1"]
    assert attempts[0]["environment_id"] != attempts[1]["environment_id"]
    assert attempts[0]["logs"][0].startswith("RESTORE_START")
