"""boto3 calls from real handlers reach the invoke's ``services``, through the daemon and the local executor.

Each test writes the emulated world as a plain function: it records the ``ServiceCall`` and answers. The
handlers use real boto3 (the pinned version, mounted in the environment) over HTTPS to AWS's own endpoint names.
"""

from __future__ import annotations

import hashlib
import json
import socket
import textwrap
import time

import pytest

from sandbox.emulator.executor import NetworkTable, ServiceError, ServiceReply, Verdict
from sandbox.runtime import client
from sandbox.runtime.protocol import encode
from sandbox.runtime.results import request_to_data
from sandbox.tests.runtime_factories import body, make_spec, new_environment_id
from sandbox.tests.runtime_factories import make_request as make_any_request

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
AWS_HOSTS = ("sqs", "sts", "lambda")
EPOCH_2026 = 1_767_225_600.0  # the emulator's epoch: urllib3 warns about clocks before 2025


def make_request(payload=None):
    return make_any_request(payload, clock_start_s=EPOCH_2026)


def aws_network(region: str = "us-east-1") -> NetworkTable:
    connected = {"443": Verdict("connected", "the function reaches AWS over the internet")}
    return NetworkTable(hosts={f"{name}.{region}.amazonaws.com": connected for name in AWS_HOSTS})


def create(executor, source: str, **overrides) -> str:
    environment_id = new_environment_id()
    overrides.setdefault("network", aws_network())
    overrides.setdefault("timeout_s", 5.0)
    init = executor.create(environment_id, make_spec(textwrap.dedent(source), **overrides))
    assert init.ok, (init.error, init.logs[-2000:])
    return environment_id


class World:
    """A small emulated world for one test: records every call and answers SQS, STS and errors."""

    def __init__(self, elapsed_ms: float = 0.0) -> None:
        self.calls = []
        self.elapsed_ms = elapsed_ms

    def __call__(self, call):
        self.calls.append(call)
        if call.operation == "SendMessage":
            digest = hashlib.md5(call.params["MessageBody"].encode()).hexdigest()  # noqa: S324 - SQS's own checksum
            return ServiceReply(result={"MessageId": "m-1", "MD5OfMessageBody": digest}, elapsed_ms=self.elapsed_ms)
        if call.operation == "GetCallerIdentity":
            return ServiceReply(
                result={
                    "UserId": "AROAEXAMPLE:orders",
                    "Account": "123456789012",
                    "Arn": "arn:aws:sts::123456789012:assumed-role/orders-role/orders",
                },
                elapsed_ms=self.elapsed_ms,
            )
        return ServiceReply(error=ServiceError("InvalidAction", f"{call.operation} is not emulated here"))


SEND_AND_ASK = """
import boto3
sqs = boto3.client("sqs")
sts = boto3.client("sts")
def lambda_handler(event, context):
    sent = sqs.send_message(QueueUrl=event["queue"], MessageBody="one order", DelaySeconds=2)
    who = sts.get_caller_identity()
    return {"message_id": sent["MessageId"], "account": who["Account"], "arn": who["Arn"]}
"""


def test_a_handler_sends_to_sqs_and_asks_sts_who_it_is(executor):
    world = World()
    environment_id = create(executor, SEND_AND_ASK)

    result = executor.invoke(environment_id, make_request({"queue": QUEUE_URL}), services=world)

    assert body(result) == {
        "message_id": "m-1",
        "account": "123456789012",
        "arn": "arn:aws:sts::123456789012:assumed-role/orders-role/orders",
    }
    send, ask = world.calls
    assert (send.service, send.operation, send.region) == ("sqs", "SendMessage", "us-east-1")
    assert send.params == {"QueueUrl": QUEUE_URL, "MessageBody": "one order", "DelaySeconds": 2}
    assert send.host == "sqs.us-east-1.amazonaws.com"
    assert (ask.service, ask.operation, ask.params) == ("sts", "GetCallerIdentity", {})
    assert 0 <= send.at_ms <= ask.at_ms <= result.duration_ms
    assert [c.host for c in result.connections] == ["sqs.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com"]
    assert {c.outcome for c in result.connections} == {"connected"}


CATCHES = """
import boto3
from botocore.exceptions import ClientError
from botocore.config import Config
sqs = boto3.client("sqs", config=Config(retries={"max_attempts": 1}))
def lambda_handler(event, context):
    try:
        sqs.send_message(QueueUrl=event["queue"], MessageBody="x")
    except ClientError as error:
        return {
            "code": error.response["Error"]["Code"],
            "message": error.response["Error"]["Message"],
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return "sent"
"""


def test_an_error_answer_is_a_client_error_in_the_handler(executor):
    message = (
        "User: arn:aws:sts::123456789012:assumed-role/orders-role/orders is not authorized to perform: "
        "sqs:sendmessage on resource: arn:aws:sqs:us-east-1:123456789012:orders because no identity-based policy "
        "allows the sqs:sendmessage action"
    )

    def refuse(call):
        return ServiceReply(error=ServiceError("AccessDenied", message, status=403))

    environment_id = create(executor, CATCHES)

    result = executor.invoke(environment_id, make_request({"queue": QUEUE_URL}), services=refuse)

    assert body(result) == {"code": "AccessDenied", "message": message, "status": 403}


def test_without_services_every_call_says_no_emulated_world_answers(executor):
    environment_id = create(executor, CATCHES)

    result = executor.invoke(environment_id, make_request({"queue": QUEUE_URL}))

    answer = body(result)
    assert (answer["code"], answer["status"]) == ("ServiceUnavailable", 503)
    assert "No emulated AWS world answers SDK calls" in answer["message"]


def test_a_call_made_during_init_without_services_fails_fast_instead_of_hanging(executor):
    source = """
    import boto3
    from botocore.config import Config
    try:
        boto3.client("sts", config=Config(retries={"max_attempts": 1})).get_caller_identity()
        AT_INIT = "answered"
    except Exception as error:
        AT_INIT = type(error).__name__
    def lambda_handler(event, context):
        return AT_INIT
    """
    environment_id = create(executor, source)

    assert body(executor.invoke(environment_id, make_request())) == "ClientError"


TIMED = """
import time, boto3
sts = boto3.client("sts")
def lambda_handler(event, context):
    before = time.time()
    sts.get_caller_identity()
    return {"took_s": time.time() - before, "left_ms": context.get_remaining_time_in_millis()}
"""


def test_the_call_takes_the_emulated_time_the_world_says(executor):
    environment_id = create(executor, TIMED, timeout_s=5.0)

    result = executor.invoke(environment_id, make_request(), services=World(elapsed_ms=1200))

    answer = body(result)
    assert 1.2 <= answer["took_s"] < 1.6
    assert answer["left_ms"] <= 3800
    assert 1200 <= result.duration_ms < 1600


def test_a_call_longer_than_the_functions_timeout_times_the_function_out(executor):
    environment_id = create(executor, TIMED, timeout_s=1.0)

    result = executor.invoke(environment_id, make_request(), services=World(elapsed_ms=2500))

    assert result.outcome == "timeout"
    assert result.duration_ms == 1000


def test_real_time_spent_in_services_is_not_charged_to_the_handler(executor):
    def slow_world(call):
        time.sleep(1.5)  # the emulated world takes real time (a nested invoke, a busy worker)
        return World()(call)

    environment_id = create(executor, TIMED, timeout_s=1.0)

    result = executor.invoke(environment_id, make_request(), services=slow_world)

    assert body(result)["took_s"] < 0.5
    assert result.outcome == "success"
    assert result.duration_ms < 800


CALLER = """
import json, boto3
client = boto3.client("lambda")
def lambda_handler(event, context):
    answer = client.invoke(FunctionName="callee", Payload=json.dumps({"order": 7}))
    return {"status": answer["StatusCode"], "payload": json.loads(answer["Payload"].read())}
"""
CALLEE = """
import boto3
sts = boto3.client("sts")
def lambda_handler(event, context):
    return {"order": event["order"], "account": sts.get_caller_identity()["Account"]}
"""


def test_services_may_invoke_another_environment_while_the_caller_waits(executor):
    callee_id = create(executor, CALLEE)
    caller_id = create(executor, CALLER)
    inner = World()
    outer_calls = []

    def world(call):
        outer_calls.append(call)
        assert (call.service, call.operation) == ("lambda", "Invoke")
        nested = executor.invoke(callee_id, make_request(json.loads(call.params["Payload"])), services=inner)
        return ServiceReply(
            result={"StatusCode": 200, "Payload": nested.response.encode(), "ExecutedVersion": "$LATEST"},
            elapsed_ms=nested.duration_ms,
        )

    result = executor.invoke(caller_id, make_request(), services=world)

    assert body(result) == {"status": 200, "payload": {"order": 7, "account": "123456789012"}}
    assert outer_calls[0].params["FunctionName"] == "callee"
    assert [call.operation for call in inner.calls] == ["GetCallerIdentity"]


def test_an_environment_invoked_from_its_own_call_is_busy(executor):
    caller_id = create(executor, CALLER)
    refusals = []

    def world(call):
        try:
            executor.invoke(caller_id, make_request({"order": 1}))
        except RuntimeError as error:
            refusals.append(str(error))
        return ServiceReply(error=ServiceError("ResourceConflictException", "The function is busy.", status=409))

    result = executor.invoke(caller_id, make_request(), services=world)

    assert result.outcome == "error"
    assert refusals and all("busy" in refusal for refusal in refusals)


# --- hostile handlers ----------------------------------------------------------------------------------------------

FORGER = """
import json, socket, struct, time
def frame(message):
    data = json.dumps(message).encode()
    return struct.pack(">I", len(data)) + data
def lambda_handler(event, context):
    sock = socket.create_connection(("sqs.us-east-1.amazonaws.com", 443), timeout=2)
    for forged in (
        {"op": "answer", "call": event["call"], "response": "HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nforged",
         "elapsed_ms": 0},
        {"elapsed_ms": 0, "data": "HTTP/1.1 200 OK\\r\\n\\r\\n"},
        {"call": {"id": event["call"], "request": "GET / HTTP/1.1\\r\\n\\r\\n"}},
    ):
        try:
            sock.sendall(frame(forged))
        except OSError:
            break
    try:
        closed = sock.recv(100) == b""
    except OSError as error:
        closed = type(error).__name__
    return {"closed": closed}
"""


def test_frames_a_handler_forges_on_its_endpoint_reach_no_world_and_end_its_connection(executor):
    world = World()
    environment_id = create(executor, FORGER)

    result = executor.invoke(environment_id, make_request({"call": "0" * 24}), services=world)

    assert body(result)["closed"] in (True, "ConnectionResetError")  # a reset when its bytes were left unread
    assert world.calls == []


HOARDER = """
import socket, struct
def lambda_handler(event, context):
    chunk = b"x" * (6 * 1024 * 1024)
    kept, outcomes = [], []
    for _ in range(8):
        sock = socket.create_connection(("sqs.us-east-1.amazonaws.com", 443), timeout=2)
        kept.append(sock)
        try:  # a frame that says 8 MiB is coming, then 6 MiB of it, never the rest
            sock.sendall(struct.pack(">I", 8 * 1024 * 1024 - 16) + chunk)
            outcomes.append("held")
        except OSError as error:
            outcomes.append(type(error).__name__)
    return outcomes
"""


def test_the_daemon_holds_a_bounded_amount_of_unfinished_sdk_requests_per_environment(daemon):
    environment_id = create(daemon, HOARDER, memory_mb=256)

    result = daemon.invoke(environment_id, make_request(), services=World())

    outcomes = body(result)
    held = outcomes.count("held")
    # 32 MiB in all: five partial requests of 6 MiB are held, the connections beyond are closed.
    assert held == 5, outcomes
    assert all(outcome in ("BrokenPipeError", "ConnectionResetError") for outcome in outcomes[held:]), outcomes


PLAIN = """
import http.client
def lambda_handler(event, context):
    conn = http.client.HTTPSConnection("sqs.us-east-1.amazonaws.com", timeout=5)
    conn.request("POST", "/", body="{}")
    answer = conn.getresponse()
    return {"status": answer.status, "text": answer.read().decode()}
"""


def _read_message(sock: socket.socket) -> dict:
    return client._read_message(sock, time.monotonic() + 10)


def test_only_the_connection_that_asked_for_the_invoke_can_answer_its_calls(daemon):
    environment_id = create(daemon, PLAIN)
    asker, other = socket.socket(socket.AF_UNIX), socket.socket(socket.AF_UNIX)
    for sock in (asker, other):
        sock.connect(daemon.path)
    request = {"op": "invoke", "id": environment_id, "owner": daemon.owner, "request": request_to_data(make_request())}

    asker.sendall(encode(request))
    call = _read_message(asker)["call"]
    forged = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"
    other.sendall(encode({"op": "answer", "owner": daemon.owner, "call": call["id"], "response": forged}))
    other.sendall(encode({"op": "ping"}))
    assert _read_message(other)["ok"]  # the daemon has read the forged answer by now
    genuine = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ngenuine"
    asker.sendall(encode({"op": "answer", "call": call["id"], "response": genuine, "elapsed_ms": 0}))
    reply = _read_message(asker)

    assert call["host"] == "sqs.us-east-1.amazonaws.com"
    assert call["request"].startswith("POST / HTTP/1.1\r\n")
    assert json.loads(reply["result"]["response"]) == {"status": 200, "text": "genuine"}
    for sock in (asker, other):
        sock.close()


RAW = """
import http.client, socket
def lambda_handler(event, context):
    conn = http.client.HTTPSConnection("sqs.us-east-1.amazonaws.com", timeout=2)
    conn.request("GET", "/nothing-an-sdk-would-send")
    answer = conn.getresponse()
    status, text = answer.status, answer.read().decode()
    return {"status": status, "text": text[:300]}
"""


def test_a_request_no_service_understands_gets_an_aws_error_and_reaches_no_world(executor):
    world = World()
    environment_id = create(executor, RAW)

    result = executor.invoke(environment_id, make_request(), services=world)

    answer = body(result)
    assert 400 <= answer["status"] < 500
    assert world.calls == []


def test_a_world_that_fails_raises_in_the_caller_and_the_environment_serves_again(executor):
    environment_id = create(executor, SEND_AND_ASK)

    def broken(call):
        raise LookupError("the world lost its queue")

    with pytest.raises(LookupError, match="lost its queue"):
        executor.invoke(environment_id, make_request({"queue": QUEUE_URL}), services=broken)
    deadline = time.monotonic() + 10
    while True:  # the abandoned invoke ends on its own once its handler sees the connection close
        try:
            result = executor.invoke(environment_id, make_request({"queue": QUEUE_URL}), services=World())
            break
        except RuntimeError as error:
            assert "busy" in str(error) and time.monotonic() < deadline

    assert body(result)["message_id"] == "m-1"


UPLOAD = """
import boto3
s3 = boto3.client("s3")
def lambda_handler(event, context):
    big = s3.put_object(Bucket="photos", Key="big.bin", Body=b"x" * 1_500_000)
    small = s3.put_object(Bucket="photos", Key="a.txt", Body=b"hello")
    return [big["ETag"], small["ETag"]]
"""


def test_s3_uploads_cross_the_transport_with_100_continue_and_chunked_bodies(executor):
    uploads = []

    def world(call):
        uploads.append(call)
        return ServiceReply(result={"ETag": f'"{hashlib.md5(call.params["Body"]).hexdigest()}"'})  # noqa: S324

    network = NetworkTable(hosts={"photos.s3.amazonaws.com": {"443": Verdict("connected", "internet")}})
    environment_id = create(executor, UPLOAD, network=network)

    result = executor.invoke(environment_id, make_request(), services=world)

    big, small = uploads
    assert (big.service, big.operation, big.params["Bucket"], big.params["Key"]) == (
        "s3",
        "PutObject",
        "photos",
        "big.bin",
    )
    assert big.params["Body"] == b"x" * 1_500_000
    assert small.params["Body"] == b"hello"
    assert body(result) == [f'"{hashlib.md5(b"x" * 1_500_000).hexdigest()}"', f'"{hashlib.md5(b"hello").hexdigest()}"']  # noqa: S324
    assert result.duration_ms < 1000  # no second lost waiting for "100 Continue"


MANY = """
import http.client, threading
def lambda_handler(event, context):
    answers = []
    def call(index):
        conn = http.client.HTTPSConnection("sqs.us-east-1.amazonaws.com", timeout=20)
        conn.request("POST", "/", body=str(index))
        answers.append(conn.getresponse().read().decode())
    threads = [threading.Thread(target=call, args=(index,)) for index in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers)
"""


def test_the_daemon_passes_on_at_most_four_calls_of_one_invoke_at_a_time(daemon):
    environment_id = create(daemon, MANY, timeout_s=30.0, memory_mb=1024)  # room for ten threads' arenas
    asker = socket.socket(socket.AF_UNIX)
    asker.connect(daemon.path)
    request = {"op": "invoke", "id": environment_id, "owner": daemon.owner, "request": request_to_data(make_request())}
    asker.sendall(encode(request))

    def calls_until_quiet() -> list[dict]:
        received = []
        while True:
            try:
                message = client._read_message(asker, time.monotonic() + 0.5)
                assert "call" in message, message
                received.append(message["call"])
            except TimeoutError:
                return received

    def answer(call: dict) -> None:
        text = call["request"].split("\r\n\r\n", 1)[1]
        response = f"HTTP/1.1 200 OK\r\nContent-Length: {len(text)}\r\n\r\n{text}"
        asker.sendall(encode({"op": "answer", "call": call["id"], "response": response, "elapsed_ms": 0}))

    first = calls_until_quiet()
    for call in first:
        answer(call)
    rest = []
    while len(first) + len(rest) < 10:
        more = calls_until_quiet()
        assert 0 < len(more) <= 4
        for call in more:
            answer(call)
        rest += more
    reply = client._read_message(asker, time.monotonic() + 10)
    asker.close()

    assert len(first) == 4
    assert json.loads(reply["result"]["response"]) == sorted(str(index) for index in range(10))


READ_TIMEOUT = """
import time, boto3
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
sts = boto3.client("sts", config=Config(read_timeout=2, retries={"total_max_attempts": 3, "mode": "standard"}))
def lambda_handler(event, context):
    before = time.time()
    try:
        sts.get_caller_identity()
    except ReadTimeoutError:
        return {"error": "ReadTimeoutError", "took_s": time.time() - before}
    return {"answered_after_s": time.time() - before}
"""


def test_an_answer_slower_than_the_sdks_read_timeout_times_out_and_is_retried(executor):
    world = World(elapsed_ms=3000)  # longer than the client's 2 s read timeout, as a slow synchronous invoke
    environment_id = create(executor, READ_TIMEOUT, timeout_s=30.0)

    result = executor.invoke(environment_id, make_request(), services=world)

    answer = body(result)
    assert answer["error"] == "ReadTimeoutError"
    assert len(world.calls) == 3  # every attempt reached the world, as every retried invoke runs on AWS
    assert 6 <= answer["took_s"] < 12
