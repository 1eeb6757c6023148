"""Benchmark of the sandbox daemon: prints one JSON object.

    cold_start_p50_ms   new execution environment to handler ready (client create() round trip, trivial handler)
    warm_invoke_p50_ms  invoke round trip through the daemon's socket (trivial handler, warm environment)
    envs_per_gib        idle environments that fit in 1 GiB (proportional set size of each environment's processes)

Run as root: ``.venv/bin/python bench/sandbox.py`` (starts the daemon if none is running).
Goals on the project's machines: cold start <= 25 ms, warm invoke <= 1 ms, >= 40 environments per GiB.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.emulator.executor import EnvironmentSpec, InvokeRequest  # noqa: E402
from sandbox.runtime.client import DaemonExecutor  # noqa: E402

HANDLER = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': event['x'] * 2}\n"
SPEC = EnvironmentSpec(function_name="bench", code={"lambda_function.py": HANDLER})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def proportional_set_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def environment_pids(info: dict) -> list[int]:
    path = info["cgroup"].get("pids") or info["cgroup"].get("unified")
    if path:
        with open(os.path.join(path, "cgroup.procs")) as procs:
            return [int(pid) for pid in procs.read().split()]
    return [pid for pid in (info["pid1"], info["runtime_pid"]) if pid]


def main() -> None:
    executor = DaemonExecutor()
    request = InvokeRequest(request_id="bench", payload=json.dumps({"x": 21}), clock_start_s=1_700_000_000.0)
    try:
        cold = []
        for index in range(32):
            started = time.perf_counter()
            init = executor.create(f"bench-cold-{index}", SPEC)
            elapsed = (time.perf_counter() - started) * 1000
            assert init.ok, init
            if index >= 2:
                cold.append(elapsed)
            executor.destroy(f"bench-cold-{index}")

        executor.create("bench-warm", SPEC)
        warm = []
        for index in range(320):
            started = time.perf_counter()
            result = executor.invoke("bench-warm", request)
            elapsed = (time.perf_counter() - started) * 1000
            assert result.outcome == "success", result
            if index >= 20:
                warm.append(elapsed)
        executor.destroy("bench-warm")

        idle = 40
        for index in range(idle):
            executor.create(f"bench-idle-{index}", SPEC)
            executor.invoke(f"bench-idle-{index}", request)
        time.sleep(0.2)
        pss_kib, cgroup_bytes = [], []
        for index in range(idle):
            info = executor.describe(f"bench-idle-{index}")
            pss_kib.append(sum(proportional_set_kib(pid) for pid in environment_pids(info)))
            memory = info["cgroup"].get("memory")
            if memory:
                with open(os.path.join(memory, "memory.usage_in_bytes")) as usage:
                    cgroup_bytes.append(int(usage.read()))
        for index in range(idle):
            executor.destroy(f"bench-idle-{index}")
        per_env_mib = statistics.mean(pss_kib) / 1024
        print(
            json.dumps(
                {
                    "cold_start_p50_ms": round(statistics.median(cold), 2),
                    "cold_start_p90_ms": round(percentile(cold, 0.9), 2),
                    "warm_invoke_p50_ms": round(statistics.median(warm), 3),
                    "warm_invoke_p90_ms": round(percentile(warm, 0.9), 3),
                    "envs_per_gib": int(1024 // per_env_mib),
                    "idle_env_pss_mib": round(per_env_mib, 2),
                    "idle_env_cgroup_charge_mib": round(statistics.mean(cgroup_bytes) / 2**20, 2)
                    if cgroup_bytes
                    else None,
                    "isolation_mode": executor.daemon.get("mode"),
                    "load_average_1m": round(
                        os.getloadavg()[0], 2
                    ),  # other work on the machine moves cold starts a lot
                    "samples": {"cold": len(cold), "warm": len(warm), "idle_envs": idle},
                }
            )
        )
    finally:
        executor.close()


if __name__ == "__main__":
    main()
