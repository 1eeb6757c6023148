"""Benchmark of AWS SDK calls from inside a handler: prints one JSON object.

    <executor>.calls_per_s   SQS SendMessage calls per second from a handler that calls in a loop (real time)
    <executor>.call_p50_ms   one call, handler to services and back (real time between consecutive calls)
    floor.calls_per_s        the same boto3 call in this process against an in-process no-op HTTP server
    floor.call_p50_ms

``<executor>`` is ``daemon`` (full isolation) and ``local``. The calls are timed where they arrive (in
``services``): inside the handler the clock is virtual. Run as root: ``.venv/bin/python bench/sdk.py``.
Goals on the project's machines: >= 500 calls per second and a p50 <= 5 ms through the daemon.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402

from sandbox.emulator.executor import (  # noqa: E402
    EnvironmentSpec,
    InvokeRequest,
    NetworkTable,
    ServiceReply,
    Verdict,
)
from sandbox.runtime.client import DaemonExecutor  # noqa: E402
from sandbox.runtime.local import LocalExecutor  # noqa: E402

CALLS = 400
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/bench"
HANDLER = """
import boto3
sqs = boto3.client("sqs")
def lambda_handler(event, context):
    for index in range(event["calls"]):
        sqs.send_message(QueueUrl=event["queue"], MessageBody=f"order {index}")
    return event["calls"]
"""
NETWORK = NetworkTable(hosts={"sqs.us-east-1.amazonaws.com": {"443": Verdict("connected", "internet")}})
SPEC = EnvironmentSpec(
    function_name="bench-sdk",
    code={"lambda_function.py": HANDLER},
    network=NETWORK,
    timeout_s=900.0,
    memory_mb=256,
)


def digest(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - SQS's own checksum of the body


def figures(stamps: list[float]) -> dict:
    gaps = [later - earlier for earlier, later in zip(stamps, stamps[1:], strict=False)]
    return {
        "calls": len(stamps),
        "calls_per_s": round((len(stamps) - 1) / (stamps[-1] - stamps[0]), 1),
        "call_p50_ms": round(statistics.median(gaps) * 1000, 3),
        "call_p95_ms": round(sorted(gaps)[int(0.95 * len(gaps))] * 1000, 3),
    }


def through(executor, name: str) -> dict:
    stamps: list[float] = []

    def services(call):
        stamps.append(time.perf_counter())
        body = call.params["MessageBody"]
        return ServiceReply(result={"MessageId": f"m-{len(stamps)}", "MD5OfMessageBody": digest(body)})

    environment_id = f"bench-sdk-{name}-{os.getpid()}"
    init = executor.create(environment_id, SPEC)
    assert init.ok, init.error
    try:
        request = InvokeRequest(
            request_id=f"bench-{name}",
            payload=json.dumps({"calls": CALLS, "queue": QUEUE_URL}),
            clock_start_s=1_700_000_000.0,
        )
        result = executor.invoke(environment_id, request, services=services)
        assert result.outcome == "success", (result.error, result.logs[-2000:])
    finally:
        executor.destroy(environment_id)
    return figures(stamps[5:])  # the first calls open the connection


class _NoOp(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, as any real endpoint sends them

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        sent = json.loads(self.rfile.read(length))
        answer = json.dumps({"MessageId": "m", "MD5OfMessageBody": digest(sent["MessageBody"])}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


def floor() -> dict:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoOp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sqs = boto3.client(
            "sqs",
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            aws_access_key_id="ASIAEXAMPLE",
            aws_secret_access_key="secret",
        )
        stamps = []
        for index in range(CALLS):
            sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=f"order {index}")
            stamps.append(time.perf_counter())
    finally:
        server.shutdown()
        server.server_close()
    return figures(stamps[5:])


def main() -> None:
    daemon, local = DaemonExecutor(), LocalExecutor()
    try:
        report = {"daemon": through(daemon, "daemon"), "local": through(local, "local"), "floor": floor()}
    finally:
        daemon.close()
        local.close()
    report["goals"] = {"calls_per_s": 500, "call_p50_ms": 5}
    report["load_average"] = [round(value, 2) for value in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
