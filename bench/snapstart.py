"""Benchmark of layers and SnapStart in the sandbox daemon: prints one JSON object.

    init_p50_ms            Init Duration of a plain cold start (a 2 s emulated model load plus real imports)
    restore_p50_ms         Restore Duration of an environment restored from that function's snapshot
    restore_real_p50_ms    real time of the restoring create() round trip (the replay of Init included)
    layered_cold_p50_ms    real time of a plain cold start with five layers of 20 files each under /opt
    plain_cold_p50_ms      the same without layers

Run as root: ``.venv/bin/python bench/snapstart.py`` (starts the daemon if none is running). A restore reports
far less than Init because the emulated sleeps of Init belong to the snapshot; its real cost is the replay's CPU.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.emulator.executor import EnvironmentSpec  # noqa: E402
from sandbox.runtime.client import DaemonExecutor, ensure_daemon  # noqa: E402

INIT = (
    "import time, json, decimal, email.message, uuid\n"
    "time.sleep(2)  # a model load, on the emulated clock\n"
    "PREFIX = uuid.uuid4().hex\n"
    "def lambda_handler(event, context):\n"
    "    return PREFIX\n"
)
LAYERS = {f"python/lib{n}/mod{m}.py": f"VALUE = {n * 100 + m}\n" * 20 for n in range(5) for m in range(20)}
ROUNDS = 15


def timed_create(executor: DaemonExecutor, spec: EnvironmentSpec) -> tuple[float, float]:
    env_id = f"bench-{os.urandom(6).hex()}"
    started = time.perf_counter()
    init = executor.create(env_id, spec)
    real_ms = (time.perf_counter() - started) * 1000
    executor.destroy(env_id)
    assert init.ok, init.error
    return init.init_duration_ms, real_ms


def main() -> None:
    ensure_daemon()
    executor = DaemonExecutor()
    code = {"lambda_function.py": INIT}
    snapshot = {"seed": "bench", "clock_s": 1767225600.0}
    plain = EnvironmentSpec(function_name="bench", code=code)
    restoring = EnvironmentSpec(function_name="bench", code=code, snap_start={"phase": "restore", **snapshot})
    trivial = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
    layered = EnvironmentSpec(function_name="bench", code=trivial, layer_files=LAYERS)
    without = EnvironmentSpec(function_name="bench", code=trivial)
    runs: dict[str, list[float]] = {key: [] for key in ("init", "restore", "restore_real", "layered", "plain")}
    for _ in range(ROUNDS):
        runs["init"].append(timed_create(executor, plain)[0])
        restore_ms, restore_real = timed_create(executor, restoring)
        runs["restore"].append(restore_ms)
        runs["restore_real"].append(restore_real)
        runs["layered"].append(timed_create(executor, layered)[1])
        runs["plain"].append(timed_create(executor, without)[1])
    executor.close()
    print(
        json.dumps(
            {
                "init_p50_ms": round(statistics.median(runs["init"]), 1),
                "restore_p50_ms": round(statistics.median(runs["restore"]), 1),
                "restore_real_p50_ms": round(statistics.median(runs["restore_real"]), 1),
                "layered_cold_p50_ms": round(statistics.median(runs["layered"]), 1),
                "plain_cold_p50_ms": round(statistics.median(runs["plain"]), 1),
                "rounds": ROUNDS,
                "load_average": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
