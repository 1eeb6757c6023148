"""Benchmark of the emulated AWS world: prints one JSON object.

    core.<operation>_per_s   answers per second of ``services.answer`` in this process (no handler, no HTTP)
    <executor>.calls_per_s   SQS SendMessage calls per second from a handler in a whole scenario run, the
                             emulated queue answering (real time of the run divided by the calls it made)
    <executor>.run_s         real seconds of that run

``<executor>`` is ``local`` and ``daemon`` (full isolation; run as root, with ``SANDBOX_SOCKET`` naming a socket of
your own when another checkout's daemon holds the default one). ``.venv/bin/python bench/world.py``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.emulator import services  # noqa: E402
from sandbox.emulator.executor import ServiceCall  # noqa: E402
from sandbox.emulator.services.common import Caller  # noqa: E402
from sandbox.emulator.simulation import simulate  # noqa: E402
from sandbox.emulator.state import new_state  # noqa: E402
from sandbox.runtime import client  # noqa: E402
from sandbox.runtime.local import LocalExecutor  # noqa: E402

CORE_CALLS = 5000
HANDLER_CALLS = 400
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/bench"
OPERATIONS = {
    "sqs_send_message": ("sqs", "SendMessage", lambda n: {"QueueUrl": QUEUE_URL, "MessageBody": f"order {n}"}),
    "dynamodb_put_item": ("dynamodb", "PutItem", lambda n: {"TableName": "bench", "Item": {"id": {"S": str(n)}}}),
    "s3_put_object": ("s3", "PutObject", lambda n: {"Bucket": "bench", "Key": f"k{n}", "Body": b"x" * 100}),
}
HANDLER = f"""
import boto3
sqs = boto3.client("sqs")
def lambda_handler(event, context):
    for index in range({HANDLER_CALLS}):
        sqs.send_message(QueueUrl="{QUEUE_URL}", MessageBody=f"order {{index}}")
    return {HANDLER_CALLS}
"""
SCENARIO = {
    "functions": {"sender": {"code": HANDLER, "timeout_s": 900, "role": {"actions": ["sqs:SendMessage"]}}},
    "queues": {"bench": {}},
    "steps": [{"invoke": {"function": "sender"}}],
}


def core() -> dict:
    results = {}
    for label, (service, operation, params) in OPERATIONS.items():
        state = new_state(
            {
                "functions": {"fn": {"code": "x"}},
                "queues": {"bench": {}},
                "buckets": {"bench": {}},
                "tables": {"bench": {}},
            }
        )
        world = services.World(state)
        caller = Caller("fn", "bench", 0.0)
        started = time.perf_counter()
        for n in range(CORE_CALLS):
            reply = services.answer(world, caller, ServiceCall(service, operation, params(n), "us-east-1", "h", n))
            assert reply.error is None, reply.error
        results[f"{label}_per_s"] = round(CORE_CALLS / (time.perf_counter() - started))
    return results


def through(executor) -> dict:
    try:
        simulate(SCENARIO, executor)  # warm: boto3 imported, the environment's files cached
        started = time.perf_counter()
        trace = simulate(SCENARIO, executor)
        spent = time.perf_counter() - started
    finally:
        executor.close()
    made = sum(1 for call in trace["sdk_calls"] if call["outcome"] == "ok")
    assert made == HANDLER_CALLS, trace["attempts"][0]["error_message"]
    return {"calls_per_s": round(made / spent), "run_s": round(spent, 3)}


def main() -> None:
    report = {"core": core(), "local": through(LocalExecutor())}
    path = client.socket_path()
    running_before = client.ping(path)
    try:
        report["daemon"] = through(client.DaemonExecutor(max_procs=8))
    except (OSError, RuntimeError) as error:
        report["daemon"] = {"skipped": f"the daemon could not run here: {error}"}
    finally:
        started = client.ping(path)
        if started and not running_before:
            client.stop_daemon(started, path)  # leave no daemon behind that this benchmark started
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
