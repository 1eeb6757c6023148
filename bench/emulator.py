"""Emulator throughput figures, printed as one JSON object.

attempts_per_s: 1,000 asynchronous events spread over six emulated hours, each failing every
    attempt (3,000 handler runs) and ending in the function's DLQ, on warm environments;
    attempts divided by the wall-clock seconds of the run.
burst_wall_s: 200 parallel synchronous invokes of a handler that sleeps 1 s, with reserved
    concurrency 50 (50 run, 150 are throttled); wall-clock seconds for the whole run, including
    starting the 50 environments.

Usage: .venv/bin/python bench/emulator.py [--executor local|daemon]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sandbox.emulator.simulation import simulate  # noqa: E402

FAILING = "def lambda_handler(event, context):\n    raise RuntimeError('always fails')\n"
SLEEPER = "import time\n\ndef lambda_handler(event, context):\n    time.sleep(1)\n    return 'ok'\n"


def make_executor(kind: str):
    if kind == "daemon":
        from sandbox.runtime.client import DaemonExecutor

        return DaemonExecutor()
    from sandbox.runtime.local import LocalExecutor

    return LocalExecutor()


def async_failures(executor) -> dict:
    events = 1000
    scenario = {
        "functions": {"worker": {"code": FAILING, "dead_letter": "queue:dlq"}},
        "queues": {"dlq": {}},
        "steps": [
            {
                "at_s": round(i * 21600 / events, 3),
                "invoke": {"function": "worker", "type": "Event", "payload": {"n": i}},
            }
            for i in range(events)
        ],
    }
    started = time.perf_counter()
    trace = simulate(scenario, executor, seed=1)
    wall = time.perf_counter() - started
    attempts = sum(1 for a in trace["attempts"] if a["outcome"] != "throttled")
    return {
        "attempts": attempts,
        "dlq_messages": len(trace["queues"]["dlq"]),
        "environments": len({a["environment_id"] for a in trace["attempts"]}),
        "emulated_s": trace["end_s"],
        "wall_s": round(wall, 3),
        "attempts_per_s": round(attempts / wall, 1),
    }


def burst(executor) -> dict:
    scenario = {
        "functions": {"sleeper": {"code": SLEEPER, "reserved_concurrency": 50, "timeout_s": 5}},
        "steps": [{"at_s": 0, "invoke": {"function": "sleeper", "repeat": 200, "parallel": True}}],
    }
    started = time.perf_counter()
    trace = simulate(scenario, executor, seed=1)
    wall = time.perf_counter() - started
    codes = [r["status_code"] for r in trace["responses"]]
    return {"ok": codes.count(200), "throttled": codes.count(429), "burst_wall_s": round(wall, 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executor", choices=("local", "daemon"), default="local")
    args = parser.parse_args()
    executor = make_executor(args.executor)
    try:
        failures = async_failures(executor)
        spike = burst(executor)
    finally:
        executor.close()
    print(
        json.dumps(
            {
                "executor": args.executor,
                "cpus": os.cpu_count(),
                "attempts_per_s": failures["attempts_per_s"],
                "burst_wall_s": spike["burst_wall_s"],
                "async_failures": failures,
                "burst": spike,
            }
        )
    )


if __name__ == "__main__":
    main()
