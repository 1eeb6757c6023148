"""Lambda fidelity of the executors: the same handlers and expectations through every executor."""

from __future__ import annotations

import json
import os

import pytest

from sandbox.emulator.executor import NetworkTable, Verdict
from sandbox.tests.runtime_factories import make_request, make_spec, new_environment_id

EXECUTORS = ["local", "daemon"]


@pytest.fixture(scope="module", params=EXECUTORS)
def executor(request):
    if request.param == "local":
        from sandbox.runtime.local import LocalExecutor

        made = LocalExecutor()
    else:
        from sandbox.runtime.client import DaemonExecutor

        made = DaemonExecutor()
    yield made
    made.close()


def create(executor, source: str, **overrides):
    environment_id = new_environment_id()
    init = executor.create(environment_id, make_spec(source, **overrides))
    return environment_id, init


def invoke(executor, environment_id, payload=None, **overrides):
    return executor.invoke(environment_id, make_request(payload, **overrides))


COUNTER = """
import os
COUNT = 0
with open("/tmp/marker", "w") as handle:
    handle.write("cold")

def lambda_handler(event, context):
    global COUNT
    COUNT += 1
    if event.get("sleep"):
        import time
        time.sleep(event["sleep"])
    if event.get("crash"):
        os._exit(3)
    return {"count": COUNT, "marker": os.path.exists("/tmp/marker")}
"""


def test_warm_invoke_keeps_globals_and_tmp(executor):
    environment_id, init = create(executor, COUNTER)

    first = invoke(executor, environment_id)
    second = invoke(executor, environment_id)

    assert init.ok and init.init_duration_ms > 0
    assert json.loads(first.response) == {"count": 1, "marker": True}
    assert json.loads(second.response) == {"count": 2, "marker": True}
    assert not first.suppressed_init and not second.suppressed_init


def test_timeout_ends_at_exactly_the_timeout_and_resets_the_runtime(executor):
    environment_id, _ = create(executor, COUNTER, timeout_s=2.0)
    invoke(executor, environment_id)

    timed_out = invoke(executor, environment_id, {"sleep": 30})
    after = invoke(executor, environment_id)

    assert timed_out.outcome == "timeout"
    assert timed_out.duration_ms == 2000.0
    assert timed_out.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in timed_out.error["errorMessage"]
    assert after.suppressed_init
    assert json.loads(after.response) == {"count": 1, "marker": True}


def test_cpu_bound_loop_times_out(executor):
    environment_id, _ = create(
        executor, "def lambda_handler(event, context):\n    while True:\n        pass\n", timeout_s=1.0
    )

    result = invoke(executor, environment_id)

    assert result.outcome == "timeout"
    assert result.duration_ms == 1000.0


def test_crash_reports_exit_status_and_next_invoke_runs_init_again(executor):
    environment_id, _ = create(executor, COUNTER)
    invoke(executor, environment_id)

    crashed = invoke(executor, environment_id, {"crash": True})
    after = invoke(executor, environment_id)

    assert crashed.outcome == "runtime_exit"
    assert crashed.error["errorType"] == "Runtime.ExitError"
    assert crashed.error["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert after.suppressed_init and json.loads(after.response)["count"] == 1


def test_sleep_is_virtual_and_counted_in_duration(executor):
    source = """
import time, datetime
def lambda_handler(event, context):
    before = time.time()
    mono = time.monotonic()
    left = context.get_remaining_time_in_millis()
    time.sleep(2.5)
    return {"start": before, "waited": time.time() - before, "mono": time.monotonic() - mono,
            "now": datetime.datetime.now(datetime.timezone.utc).timestamp(), "left_before": left,
            "left_after": context.get_remaining_time_in_millis()}
"""
    environment_id, _ = create(executor, source, timeout_s=10.0)

    result = invoke(executor, environment_id, clock_start_s=1_800_000_000.0)
    body = json.loads(result.response)

    assert result.outcome == "success"
    assert 2500 <= result.duration_ms < 2900
    assert 1_800_000_000.0 <= body["start"] < 1_800_000_000.5
    assert 2.5 <= body["waited"] < 2.9 and 2.5 <= body["mono"] < 2.9
    assert 1_800_000_002.5 <= body["now"] < 1_800_000_003.5
    assert 9500 <= body["left_before"] <= 10000
    assert 7000 <= body["left_after"] <= 7500


def test_handler_exception_gives_lambda_error_body_and_log_line(executor):
    source = "def lambda_handler(event, context):\n    raise ValueError('bad input: ' + event['x'])\n"
    environment_id, _ = create(executor, source)

    result = invoke(executor, environment_id, {"x": "42"}, request_id="req-error-1")
    again = invoke(executor, environment_id, {"x": "43"})

    assert result.outcome == "error"
    assert result.error["errorType"] == "ValueError"
    assert result.error["errorMessage"] == "bad input: 42"
    assert result.error["requestId"] == "req-error-1"
    assert any('lambda_function.py", line 2, in lambda_handler' in line for line in result.error["stackTrace"])
    assert not any("shim.py" in line for line in result.error["stackTrace"])
    assert "[ERROR] ValueError: bad input: 42" in result.logs
    assert again.outcome == "error" and not again.suppressed_init


@pytest.mark.parametrize(
    ("code", "handler", "error_type", "message"),
    [
        (
            {"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"},
            "lambda_function.nope",
            "Runtime.HandlerNotFound",
            "Handler 'nope' missing on module 'lambda_function'",
        ),
        (
            {"lambda_function.py": "import not_a_module\n"},
            "lambda_function.lambda_handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'lambda_function': No module named 'not_a_module'",
        ),
        (
            {"lambda_function.py": "def lambda_handler(e, c)\n    return 1\n"},
            "lambda_function.lambda_handler",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'lambda_function'",
        ),
        (
            {"other.py": "x = 1\n"},
            "lambda_function.lambda_handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'lambda_function'",
        ),
        (
            {"lambda_function.py": "x = 1\n"},
            "lambda_handler",
            "Runtime.MalformedHandlerName",
            "Bad handler 'lambda_handler'",
        ),
    ],
)
def test_handler_loading_errors_fail_init_and_the_next_invoke(executor, code, handler, error_type, message):
    environment_id = new_environment_id()

    init = executor.create(environment_id, make_spec(code=code, handler=handler))
    result = invoke(executor, environment_id)

    assert not init.ok and init.status == "error"
    assert init.error["errorType"] == error_type and message in init.error["errorMessage"]
    assert result.outcome == "error" and result.suppressed_init
    assert result.error["errorType"] == error_type


def test_unmarshallable_response_is_a_marshal_error_and_runtime_survives(executor):
    source = """
import decimal
def lambda_handler(event, context):
    if event.get("ok"):
        return {"price": decimal.Decimal("2.50"), "n": decimal.Decimal("3")}
    return {"items": {1, 2}}
"""
    environment_id, _ = create(executor, source)

    bad = invoke(executor, environment_id)
    good = invoke(executor, environment_id, {"ok": True})

    assert bad.outcome == "error"
    assert bad.error["errorType"] == "Runtime.MarshalError"
    assert bad.error["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"
    assert json.loads(good.response) == {"price": 2.5, "n": 3} and not good.suppressed_init


def test_context_object_has_lambda_attributes(executor):
    source = """
def lambda_handler(event, context):
    return {name: getattr(context, name) for name in ("function_name", "function_version", "invoked_function_arn",
            "memory_limit_in_mb", "aws_request_id", "log_group_name", "log_stream_name")} | {
            "identity": context.identity.cognito_identity_id, "pool": context.identity.cognito_identity_pool_id,
            "app": context.client_context.client.app_title if context.client_context else None,
            "custom": context.client_context.custom if context.client_context else None,
            "remaining": context.get_remaining_time_in_millis()}
"""
    environment_id, _ = create(executor, source, function_name="ctxfn", memory_mb=256, timeout_s=10.0, version="1")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:ctxfn:prod"

    plain = json.loads(invoke(executor, environment_id, request_id="req-ctx").response)
    rich = json.loads(
        invoke(
            executor,
            environment_id,
            invoked_function_arn=arn,
            identity={"cognitoIdentityId": "id-1"},
            client_context={"client": {"app_title": "quiz"}, "custom": {"k": "v"}},
        ).response
    )

    assert plain["function_name"] == "ctxfn" and plain["function_version"] == "1"
    assert plain["memory_limit_in_mb"] == "256"
    assert plain["aws_request_id"] == "req-ctx"
    assert plain["log_group_name"] == "/aws/lambda/ctxfn"
    assert plain["log_stream_name"].count("/") == 3 and "[1]" in plain["log_stream_name"]
    assert plain["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:ctxfn"
    assert plain["app"] is None and plain["identity"] is None
    assert 0 < plain["remaining"] <= 10000
    assert rich["invoked_function_arn"].endswith(":function:ctxfn:prod")
    assert rich["identity"] == "id-1" and rich["pool"] is None
    assert rich["app"] == "quiz" and rich["custom"] == {"k": "v"}


def test_environment_has_lambda_variables_and_the_functions_own(executor):
    source = "import os\ndef lambda_handler(event, context):\n    return dict(os.environ)\n"
    environment_id, _ = create(
        executor, source, function_name="envfn", memory_mb=512, environment={"TABLE": "orders", "TZ": "Europe/Paris"}
    )

    env = json.loads(invoke(executor, environment_id).response)

    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "envfn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_REGION"] == "us-east-1" and env["_HANDLER"] == "lambda_function.lambda_handler"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/envfn"
    assert env["AWS_EXECUTION_ENV"].startswith("AWS_Lambda_python")
    assert env["TABLE"] == "orders" and env["TZ"] == "Europe/Paris"
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_TASK_ROOT"} <= set(env)
    assert not {k for k in env if k.startswith(("DJANGO", "CELERY", "REDIS", "DATABASE", "SECRET", "PYENV"))}
    assert "HOME" not in env or env["HOME"] != os.environ.get("HOME")


def test_each_environment_has_its_own_tmp(executor):
    writer = "def lambda_handler(event, context):\n    open('/tmp/secret-a', 'w').write('A')\n    return 1\n"
    reader = "import os\ndef lambda_handler(event, context):\n    return sorted(os.listdir('/tmp'))\n"
    first, _ = create(executor, writer)
    second, _ = create(executor, reader)

    invoke(executor, first)
    seen = json.loads(invoke(executor, second).response)

    assert "secret-a" not in seen


def test_out_of_memory_is_reported_as_lambda_does(executor):
    source = """
def lambda_handler(event, context):
    hoard = []
    while True:
        hoard.append(bytearray(8 * 1024 * 1024))
"""
    environment_id, _ = create(executor, source, memory_mb=128)

    result = invoke(executor, environment_id)
    after = invoke(executor, environment_id)

    assert result.outcome == "oom"
    assert result.max_memory_used_mb == 128
    assert result.error["errorType"] == "Runtime.OutOfMemory"
    assert after.suppressed_init


def test_max_memory_used_follows_each_invoke(executor):
    source = """
def lambda_handler(event, context):
    block = bytearray(event["mb"] * 1024 * 1024)
    return len(block)
"""
    environment_id, _ = create(executor, source, memory_mb=256)

    big = invoke(executor, environment_id, {"mb": 60})
    small = invoke(executor, environment_id, {"mb": 1})

    assert big.max_memory_used_mb >= 60
    assert small.max_memory_used_mb < big.max_memory_used_mb - 40


def test_oversized_response_is_function_response_size_too_large(executor):
    source = "def lambda_handler(event, context):\n    return 'x' * 7_000_000\n"
    environment_id, _ = create(executor, source)

    result = invoke(executor, environment_id)
    again = invoke(executor, environment_id)

    assert result.outcome == "error"
    assert result.error["errorType"] == "Function.ResponseSizeTooLarge"
    assert again.outcome == "error" and not again.suppressed_init


def test_logs_and_logging_lines_are_captured_per_invoke(executor):
    source = """
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("init line")
def lambda_handler(event, context):
    print("handler line", event["n"])
    logger.info("info %s", event["n"])
    return None
"""
    environment_id, init = create(executor, source)

    first = invoke(executor, environment_id, {"n": 1}, request_id="req-log-1")
    second = invoke(executor, environment_id, {"n": 2})

    assert "init line" in init.logs
    assert "handler line 1" in first.logs and "handler line 2" not in first.logs
    assert "[INFO]\t" in first.logs and "\treq-log-1\tinfo 1" in first.logs
    assert "handler line 2" in second.logs and first.response == "null"


NETWORK = NetworkTable(
    hosts={
        "db.internal": {"5432": Verdict("connected", "same VPC, security group allows 5432")},
        "example.com": {"*": Verdict("timeout", "no NAT gateway")},
        "refuser.internal": {"*": Verdict("refused", "nothing listens")},
    }
)

NET_HANDLER = """
import socket, time
def lambda_handler(event, context):
    results = {}
    try:
        socket.getaddrinfo("nowhere.invalid", 443)
        results["dns"] = "resolved"
    except socket.gaierror:
        results["dns"] = "gaierror"
    try:
        socket.create_connection(("refuser.internal", 80), timeout=2)
    except ConnectionRefusedError:
        results["refused"] = "refused"
    before = time.time()
    try:
        socket.create_connection(("example.com", 443), timeout=1.5)
    except TimeoutError:
        results["timeout"] = round(time.time() - before, 1)
    conn = socket.create_connection(("db.internal", 5432), timeout=2)
    conn.sendall(b"ping")
    results["echo"] = conn.recv(16).decode()
    conn.close()
    http = socket.create_connection(("db.internal", 5432), timeout=2)
    http.sendall(b"GET /health HTTP/1.1\\r\\nHost: db\\r\\n\\r\\n")
    results["http"] = http.recv(4096).split(b"\\r\\n")[0].decode()
    if event.get("hang"):
        socket.create_connection(("example.com", 443))
    return results
"""


def test_network_verdicts_come_from_the_network_table(executor):
    environment_id, _ = create(executor, NET_HANDLER, network=NETWORK, timeout_s=5.0)

    result = invoke(executor, environment_id)
    hung = invoke(executor, environment_id, {"hang": True})

    assert json.loads(result.response) == {
        "dns": "gaierror",
        "refused": "refused",
        "timeout": 1.5,
        "echo": "ping",
        "http": "HTTP/1.1 200 OK",
    }
    assert [(c.host, c.outcome) for c in result.connections] == [
        ("nowhere.invalid", "dns_failure"),
        ("refuser.internal", "refused"),
        ("example.com", "timeout"),
        ("db.internal", "connected"),
        ("db.internal", "connected"),
    ]
    assert result.connections[3].reason == "same VPC, security group allows 5432"
    assert hung.outcome == "timeout" and hung.duration_ms == 5000.0
    assert hung.connections[-1].host == "example.com"


def test_init_past_the_init_limit_times_out_then_runs_inside_the_invoke(executor):
    source = "import time\ntime.sleep(12)\ndef lambda_handler(event, context):\n    return 'ready'\n"
    environment_id, init = create(executor, source, timeout_s=30.0)

    result = invoke(executor, environment_id)

    assert not init.ok and init.status == "timeout"
    assert init.init_duration_ms == 10000.0
    assert result.outcome == "success" and result.suppressed_init
    assert result.duration_ms >= 12000


LAYERED = """
import sys
import shared

def lambda_handler(event, context):
    return {"value": shared.VALUE, "from": shared.__file__.rsplit("/", 3)[-3:], "first": sys.path[0].endswith("task")}
"""


def test_layer_files_are_importable_from_opt_python_after_the_function_code(executor):
    environment_id, init = create(executor, LAYERED, layer_files={"python/shared.py": "VALUE = 'layer'\n"})

    result = invoke(executor, environment_id)

    assert init.ok, init.error
    assert json.loads(result.response) == {"value": "layer", "from": ["opt", "python", "shared.py"], "first": True}
    executor.destroy(environment_id)


SNAPPED = """
import random, uuid
from snapshot_restore_py import register_after_restore, register_before_snapshot

ID = uuid.uuid4().hex
print("init", ID)

@register_before_snapshot
def first():
    print("before 1")

@register_before_snapshot
def second():
    print("before 2")

@register_after_restore
def again():
    print("after restore")

def lambda_handler(event, context):
    return {"id": ID, "draw": random.random()}
"""


def test_a_restore_replays_the_snapshot_and_runs_only_the_after_restore_hooks(executor):
    snapshot = {"seed": "fidelity", "clock_s": 1_767_225_600.0}
    taken_id, taken = create(executor, SNAPPED, snap_start={"phase": "snapshot", **snapshot})
    restored_id, restored = create(executor, SNAPPED, snap_start={"phase": "restore", **snapshot})

    first, second = invoke(executor, taken_id), invoke(executor, restored_id)

    assert taken.logs.splitlines()[1:] == ["before 2", "before 1"]  # reverse order of registration
    assert restored.logs == "after restore\n"
    assert json.loads(first.response) == json.loads(second.response)
    for environment_id in (taken_id, restored_id):
        executor.destroy(environment_id)
