"""Whole engine runs where handlers make SDK calls: the wiring, nested invokes, loops, streams and the network.

``CallingExecutor`` runs no code: for each invoke it makes the ServiceCalls the test scripted for the function
(a call may be built from the event), deciding each connection from the function's NetworkTable first as the
environment's network shim does, and returns the answers as the handler's response. The transport from a
real handler's boto3 to ``services`` is tested where it is built (the executors); here the core is.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sandbox.emulator import continuation, engine, trace
from sandbox.emulator.executor import Connection, EnvironmentSpec, InitResult, InvokeRequest, InvokeResult, ServiceCall
from sandbox.emulator.state import new_state, state_from_json, state_to_json

# One scripted SDK call: (service, operation, params or a function of the event, host).
Scripted = tuple[str, str, dict | Callable[[dict], dict], str]
CALL_MS = 2.0  # the handler's own work between two calls


class CallingExecutor:
    def __init__(self, script: dict[str, list[Scripted]]):
        self.script = script
        self.specs: dict[str, EnvironmentSpec] = {}
        self.received: dict[str, list[dict]] = {}  # the events each function was invoked with

    def create(self, environment_id: str, spec: EnvironmentSpec) -> InitResult:
        self.specs[environment_id] = spec
        return InitResult(ok=True, init_duration_ms=100.0, max_memory_used_mb=40)

    def invoke(self, environment_id: str, request: InvokeRequest, services=None) -> InvokeResult:
        spec = self.specs[environment_id]
        event = json.loads(request.payload)
        self.received.setdefault(spec.function_name, []).append(event)
        clock, answers, connections = CALL_MS, [], []
        for service, operation, params, host in self.script.get(spec.function_name, []):
            verdict = spec.network.decide(host, 443)
            connections.append(Connection(host, 443, verdict.outcome, verdict.reason, clock))
            if verdict.outcome != "connected":
                # botocore waits for its connect timeout (60 s), far past the function's timeout.
                return InvokeResult("timeout", spec.timeout_s * 1000.0, 40, "", connections=tuple(connections))
            given = params(event) if callable(params) else params
            reply = services(ServiceCall(service, operation, given, spec.region, host, clock))
            clock += reply.elapsed_ms + CALL_MS
            if reply.error is not None:
                answers.append({"error": reply.error.code, "message": reply.error.message})
            else:
                answers.append({"ok": json.loads(json.dumps(reply.result, default=_plain))})
        return InvokeResult("success", clock, 40, "", response=json.dumps(answers), connections=tuple(connections))

    def destroy(self, environment_id: str) -> None:
        self.specs.pop(environment_id, None)

    def close(self) -> None:
        pass


def _plain(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def run(scenario: dict, script: dict[str, list[Scripted]], executor: CallingExecutor | None = None) -> dict:
    state = new_state(scenario, seed=3)
    engine.advance(state, executor or CallingExecutor(script))
    return trace.build(state)


SQS_HOST = "sqs.us-east-1.amazonaws.com"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
SEND = ("sqs", "SendMessage", {"QueueUrl": QUEUE_URL, "MessageBody": "order 1"}, SQS_HOST)


def test_a_handlers_sqs_send_lands_in_the_queue_and_the_trace_at_the_emulated_moment():
    result = run(
        {
            "functions": {"order": {"code": "x"}},
            "queues": {"orders": {}},
            "steps": [{"at_s": 5, "invoke": {"function": "order"}}],
        },
        {"order": [SEND]},
    )

    (call,) = result["sdk_calls"]
    assert call["function"] == "order" and call["operation"] == "SendMessage" and call["outcome"] == "ok"
    # Init took 100 ms, then the handler called 2 ms into its invoke.
    assert call["at_s"] == 5.102 and call["request_id"] == result["attempts"][0]["request_id"]
    assert [m["body"] for m in result["queues"]["orders"]] == ["order 1"]
    assert json.loads(
        result["responses"][0]["payload"]
        if isinstance(result["responses"][0]["payload"], str)
        else json.dumps(result["responses"][0]["payload"])
    )[0]["ok"]["MessageId"]


def test_the_order_function_without_sqs_send_message_gets_access_denied():
    result = run(
        {
            "functions": {
                "order": {"code": "x", "role": {"name": "order-role", "policies": ["AWSLambdaBasicExecutionRole"]}}
            },
            "queues": {"orders": {}},
            "steps": [{"invoke": {"function": "order"}}],
        },
        {"order": [SEND]},
    )

    (answer,) = result["responses"][0]["payload"]
    assert answer["error"] == "AccessDenied"
    assert "assumed-role/order-role/order is not authorized to perform: sqs:sendmessage" in answer["message"]
    assert result["queues"]["orders"] == []
    assert result["sdk_calls"][0]["error_code"] == "AccessDenied"


VPC_NETWORK = {
    "vpcs": {"main": {"cidr": "10.0.0.0/16"}},
    "subnets": {"private-a": {"vpc": "main", "cidr": "10.0.1.0/24", "route_table": "private"}},
    "route_tables": {"private": {"routes": {}}},
    "security_groups": {
        "lambda-sg": {"egress": [{"protocol": "all", "to": "0.0.0.0/0"}]},
        "endpoint-sg": {"ingress": [{"protocol": "tcp", "ports": "443", "from": "lambda-sg"}]},
    },
}


def _vpc_scenario(endpoints: dict) -> dict:
    return {
        "functions": {
            "order": {
                "code": "x",
                "timeout_s": 10,
                "vpc": {"subnets": ["private-a"], "security_groups": ["lambda-sg"]},
                "role": {"policies": ["AWSLambdaVPCAccessExecutionRole"], "actions": ["sqs:SendMessage"]},
            }
        },
        "queues": {"orders": {}},
        "network": {**VPC_NETWORK, "endpoints": endpoints},
        "steps": [{"invoke": {"function": "order"}}],
    }


def test_a_vpc_function_without_nat_or_endpoint_times_out_calling_sqs_and_works_with_an_interface_endpoint():
    blocked = run(_vpc_scenario({}), {"order": [SEND]})
    endpoint = {
        "sqs": {
            "type": "interface",
            "service": "sqs",
            "vpc": "main",
            "subnets": ["private-a"],
            "security_groups": ["endpoint-sg"],
        }
    }
    reached = run(_vpc_scenario(endpoint), {"order": [SEND]})

    assert blocked["attempts"][0]["outcome"] == "timeout"
    assert blocked["connections"][0]["outcome"] == "timeout" and blocked["sdk_calls"] == []
    assert "NAT gateway" in blocked["connections"][0]["reason"]
    assert blocked["queues"]["orders"] == []
    assert reached["attempts"][0]["outcome"] == "success"
    assert (
        reached["connections"][0]["outcome"] == "connected"
        and "interface endpoint sqs" in reached["connections"][0]["reason"]
    )
    assert len(reached["queues"]["orders"]) == 1


def test_a_gateway_endpoint_reaches_s3_including_any_bucket_name_virtual_hosted():
    scenario = _vpc_scenario({"s3": {"type": "gateway", "service": "s3", "vpc": "main", "route_tables": ["private"]}})
    scenario["buckets"] = {"photos": {}}
    scenario["functions"]["order"]["role"]["actions"].append("s3:*")
    put = ("s3", "PutObject", {"Bucket": "photos", "Key": "a", "Body": b"x"}, "photos.s3.amazonaws.com")
    missing = ("s3", "ListObjectsV2", {"Bucket": "other-bucket"}, "other-bucket.s3.us-east-1.amazonaws.com")

    result = run(scenario, {"order": [put, missing]})

    assert [c["outcome"] for c in result["connections"]] == ["connected", "connected"]
    assert "gateway endpoint s3" in result["connections"][1]["reason"]
    assert [c["error_code"] for c in result["sdk_calls"]] == [None, "NoSuchBucket"]


def test_a_synchronous_invoke_runs_the_callee_while_the_caller_waits():
    result = run(
        {
            "functions": {"api": {"code": "x"}, "pricing": {"code": "x"}},
            "queues": {"orders": {}},
            "steps": [{"invoke": {"function": "api"}}],
        },
        {
            "api": [
                (
                    "lambda",
                    "Invoke",
                    {"FunctionName": "pricing", "Payload": b'{"sku": 1}'},
                    "lambda.us-east-1.amazonaws.com",
                )
            ],
            "pricing": [SEND],
        },
    )

    api, pricing = sorted(result["attempts"], key=lambda a: a["function"])
    (answer,) = result["responses"][0]["payload"]
    assert pricing["trigger"] == "sdk" and pricing["cold_start"] is True
    assert api["start_s"] < pricing["start_s"] and pricing["end_s"] <= api["end_s"]
    assert answer["ok"]["StatusCode"] == 200 and answer["ok"]["ExecutedVersion"] == "$LATEST"
    assert json.loads(answer["ok"]["Payload"])[0]["ok"]["MessageId"] == result["queues"]["orders"][0]["message_id"]
    # The caller's clock moved on by the callee's Init and duration.
    assert api["duration_ms"] >= pricing["duration_ms"] + 100.0
    assert [c["function"] for c in result["sdk_calls"]] == ["pricing", "api"]


def test_a_synchronous_invoke_counts_both_functions_in_concurrency():
    result = run(
        {
            "account": {"concurrency_limit": 1, "unreserved_minimum": 0},
            "functions": {"api": {"code": "x"}, "pricing": {"code": "x"}},
            "steps": [{"invoke": {"function": "api"}}],
        },
        {"api": [("lambda", "Invoke", {"FunctionName": "pricing"}, "lambda.us-east-1.amazonaws.com")]},
    )

    (answer,) = result["responses"][0]["payload"]
    assert answer == {"error": "TooManyRequestsException", "message": "Rate Exceeded."}
    assert result["metrics"]["pricing"]["throttles"] == 1
    assert [a["function"] for a in result["attempts"]] == ["api"]


def test_an_s3_write_back_loop_is_stopped_by_recursive_loop_detection():
    write_back = (
        "s3",
        "PutObject",
        lambda event: {"Bucket": "photos", "Key": "copy-" + event["Records"][0]["s3"]["object"]["key"], "Body": b"x"},
        "photos.s3.amazonaws.com",
    )
    result = run(
        {
            "functions": {"resize": {"code": "x"}},
            "buckets": {"photos": {"notifications": [{"events": ["s3:ObjectCreated:*"], "target": "function:resize"}]}},
            "steps": [{"put_object": {"bucket": "photos", "key": "a.jpg"}}],
        },
        {"resize": [write_back]},
    )

    assert len(result["attempts"]) == 16
    assert result["metrics"]["resize"]["recursive_invocations_dropped"] == 1
    assert [d["reason"] for d in result["dropped"]] == ["RecursiveInvocationDropped"]
    assert len(result["sdk_calls"]) == 16


def test_a_dynamodb_write_reaches_the_tables_stream_mapping():
    put = (
        "dynamodb",
        "PutItem",
        {"TableName": "orders", "Item": {"id": {"S": "7"}, "total": {"N": "12.5"}}},
        "dynamodb.us-east-1.amazonaws.com",
    )
    executor = CallingExecutor({"order": [put]})
    result = run(
        {
            "functions": {"order": {"code": "x"}, "audit": {"code": "x"}},
            "tables": {"orders": {"stream": "NEW_IMAGE"}},
            "event_source_mappings": [{"function": "audit", "source": "table:orders", "batch_size": 10}],
            "steps": [{"invoke": {"function": "order"}}],
        },
        {},
        executor,
    )

    (audit,) = [a for a in result["attempts"] if a["function"] == "audit"]
    ((record,),) = [event["Records"] for event in executor.received["audit"]]
    assert audit["trigger"] == "dynamodb" and audit["outcome"] == "success"
    assert audit["start_s"] >= result["sdk_calls"][0]["at_s"]
    assert record["eventName"] == "INSERT" and record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/")
    assert record["dynamodb"]["Keys"] == {"id": {"S": "7"}}
    assert record["dynamodb"]["NewImage"] == {"id": {"S": "7"}, "total": {"N": "12.5"}}
    assert "OldImage" not in record["dynamodb"] and record["dynamodb"]["StreamViewType"] == "NEW_IMAGE"


def test_an_sqs_loop_through_a_mapping_is_stopped_too():
    forward = ("sqs", "SendMessage", {"QueueUrl": QUEUE_URL, "MessageBody": "again"}, SQS_HOST)
    result = run(
        {
            "functions": {"worker": {"code": "x"}},
            "queues": {"orders": {}},
            "event_source_mappings": [{"function": "worker", "source": "queue:orders", "batch_size": 1}],
            "steps": [{"send": {"queue": "orders", "messages": ["start"]}}],
            "run_until_s": 600,
        },
        {"worker": [forward]},
    )

    assert len([a for a in result["attempts"] if a["function"] == "worker"]) == 16
    assert result["metrics"]["worker"]["recursive_invocations_dropped"] == 1
    assert [d["reason"] for d in result["dropped"]] == ["RecursiveInvocationDropped"]
    assert result["queues"]["orders"] == []


class FailingCallee(CallingExecutor):
    """An executor that loses the callee's environment: its invoke raises."""

    def invoke(self, environment_id, request, services=None):
        if self.specs[environment_id].function_name == "pricing":
            raise RuntimeError("the environment's process is gone")
        return super().invoke(environment_id, request, services)


def test_an_executor_failure_in_a_synchronous_invoke_frees_the_callees_environment():
    executor = FailingCallee(
        {"api": [("lambda", "Invoke", {"FunctionName": "pricing"}, "lambda.us-east-1.amazonaws.com")]}
    )
    state = new_state(
        {"functions": {"api": {"code": "x"}, "pricing": {"code": "x"}}, "steps": [{"invoke": {"function": "api"}}]},
        seed=3,
    )

    engine.advance(state, executor)
    result = trace.build(state)

    (answer,) = result["responses"][0]["payload"]
    assert answer["error"] == "ServiceException"
    assert "the environment's process is gone" in answer["message"]
    assert [env["function"] for env in state["environments"].values()] == ["api"]
    assert [spec.function_name for spec in executor.specs.values()] == ["api"]  # the callee's was destroyed


class ContinuingCallingExecutor(CallingExecutor):
    def alive(self, environment_id: str) -> bool:
        return environment_id in self.specs


def test_what_one_run_writes_the_next_run_of_the_workspace_reads():
    world = {"functions": {"writer": {"code": "x"}, "reader": {"code": "x"}}, "tables": {"carts": {}}}
    put = (
        "dynamodb",
        "PutItem",
        {"TableName": "carts", "Item": {"id": {"S": "1"}}},
        "dynamodb.us-east-1.amazonaws.com",
    )
    get = ("dynamodb", "GetItem", {"TableName": "carts", "Key": {"id": {"S": "1"}}}, "dynamodb.us-east-1.amazonaws.com")
    executor = ContinuingCallingExecutor({"writer": [put], "reader": [get]})

    first = continuation.advance(world, None, "invoke", [{"invoke": {"function": "writer"}}], executor)
    saved = state_from_json(state_to_json(first.state))
    second = continuation.advance(world, saved, "invoke", [{"invoke": {"function": "reader"}}], executor)

    assert [c["operation"] for c in first.trace["sdk_calls"]] == ["PutItem"]
    assert [c["operation"] for c in second.trace["sdk_calls"]] == ["GetItem"]
    (answer,) = second.trace["responses"][0]["payload"]
    assert answer == {"ok": {"Item": {"id": {"S": "1"}}}}
