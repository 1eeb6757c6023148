"""Execution environments: cold and warm starts, Init, the context object, reserved variables.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

from .parts import fn, invoke, problems, run


def test_cold_then_warm_keeps_globals_and_tmp(executor):
    prelude = """\
        import os
        COUNT = 0
        open("/tmp/marker", "w").write("x")
    """
    body = """\
        global COUNT
        COUNT += 1
        return {"count": COUNT, "marker": os.path.exists("/tmp/marker")}
    """
    trace = run(executor, {"functions": {"fn": fn(body, prelude)}, "steps": [invoke(0, "fn", repeat=2)]})

    first, second = trace["attempts"]
    assert first["response"]["count"] == 1
    assert first["cold_start"] and "Init Duration" in first["logs"][-1]
    assert second["response"] == {"count": 2, "marker": True}
    assert not second["cold_start"] and "Init Duration" not in second["logs"][-1]
    assert second["environment_id"] == first["environment_id"]


def test_init_over_10_s_is_run_again_inside_the_invoke(executor):
    prelude = "import time\ntime.sleep(12)\n"
    trace = run(
        executor,
        {
            "functions": {
                "slow": fn('return "ready"', prelude, timeout_s=30),
                "short": fn('return "ready"', prelude, timeout_s=3),
            },
            "steps": [invoke(0, "slow"), invoke(0, "short")],
        },
    )

    slow, short = trace["responses"]
    slow_attempt = next(a for a in trace["attempts"] if a["function"] == "slow")
    assert any(line.startswith("INIT_REPORT") and "Status: timeout" in line for line in slow_attempt["logs"])
    assert slow["payload"] == "ready" and slow["function_error"] is None
    assert slow_attempt["duration_ms"] >= 12000
    assert short["function_error"] == "Unhandled"
    assert short["payload"]["errorType"] == "Sandbox.Timedout"


def test_context_object_through_an_alias(executor):
    body = """\
        return {
            "name": context.function_name,
            "version": context.function_version,
            "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb,
            "group": context.log_group_name,
            "remaining": context.get_remaining_time_in_millis(),
            "no_client_context": context.client_context is None,
        }
    """
    trace = run(
        executor,
        {
            "functions": {
                "ctxfn": fn(body, memory_mb=256, timeout_s=10, versions={"1": {}}, aliases={"prod": {"version": "1"}})
            },
            "steps": [invoke(0, "ctxfn:prod"), invoke(1, "ctxfn:prod", type="Event")],
        },
    )

    seen = trace["responses"][0]["payload"]
    assert seen["name"] == "ctxfn" and seen["version"] == "1"
    assert seen["arn"].endswith(":function:ctxfn:prod")
    assert seen["memory"] == "256"
    assert seen["group"] == "/aws/lambda/ctxfn"
    assert 0 < seen["remaining"] <= 10000
    assert seen["no_client_context"] is True
    assert trace["responses"][0]["executed_version"] == "1"
    assert trace["attempts"][1]["response"]["no_client_context"] is True


def test_client_context_reaches_sync_calls_only(executor):
    body = "return None if context.client_context is None else context.client_context.custom"
    trace = run(
        executor,
        {
            "functions": {"fn": fn(body)},
            "steps": [
                invoke(0, "fn", client_context={"custom": {"k": "v"}}),
                invoke(1, "fn", type="Event", client_context={"custom": {"k": "v"}}),
            ],
        },
    )

    assert trace["responses"][0]["payload"] == {"k": "v"}
    assert trace["attempts"][1]["response"] is None


def test_reserved_environment_variable_is_rejected():
    def scenario(environment: dict) -> dict:
        return {"functions": {"fn": fn("return 1", environment=environment)}}

    rejected = problems(scenario({"AWS_REGION": "x"}))
    accepted = problems(scenario({"MY_REGION": "x"}))
    too_big = problems(scenario({f"K{i}": "v" * 100 for i in range(45)}))

    assert "InvalidParameterValueException" in rejected and "reserved keys" in rejected and "AWS_REGION" in rejected
    assert accepted == ""
    assert too_big != ""


def test_a_cold_start_log_opens_with_init_start_naming_the_runtime_version(executor):
    trace = run(executor, {"functions": {"fn": fn("return 1")}, "steps": [invoke(0, "fn", repeat=2)]})

    cold, warm = trace["attempts"]
    assert cold["logs"][0].startswith("INIT_START Runtime Version: python:3.12.")
    assert "\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:" in cold["logs"][0]
    assert not any(line.startswith("INIT_START") for line in warm["logs"])


def test_traceback_lines_in_the_log_are_indented_with_no_break_spaces(executor):
    trace = run(executor, {"functions": {"fn": fn('raise ValueError("bad")')}, "steps": [invoke(0, "fn")]})

    lines = trace["attempts"][0]["logs"]
    start = lines.index("Traceback (most recent call last):")
    assert lines[start - 1] == "[ERROR] ValueError: bad"
    assert lines[start + 1].startswith('\u00a0\u00a0File "/')
    assert lines[start + 1].endswith('/lambda_function.py", line 2, in lambda_handler')
    assert lines[start + 2] == '\u00a0\u00a0\u00a0\u00a0raise ValueError("bad")'


AWS_PYTHON_VARIABLES = {
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_EXECUTION_ENV",
    "AWS_DEFAULT_REGION",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_REGION",
    "PWD",
    "_HANDLER",
    "TZ",
    "LAMBDA_TASK_ROOT",
    "LANG",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "LAMBDA_RUNTIME_DIR",
    "_AWS_XRAY_DAEMON_ADDRESS",
    "AWS_XRAY_DAEMON_ADDRESS",
    "SHLVL",
    "AWS_ACCESS_KEY_ID",
    "LD_LIBRARY_PATH",
    "AWS_LAMBDA_FUNCTION_NAME",
    "PATH",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_SESSION_TOKEN",
    "AWS_XRAY_CONTEXT_MISSING",
    "_AWS_XRAY_DAEMON_PORT",
    "LC_CTYPE",
    "PYTHONPATH",
    "_X_AMZN_TRACE_ID",
}


def test_the_environment_has_the_variables_aws_sets_for_python_and_names_its_initialization_type(executor):
    body = 'return {k: v for k, v in os.environ.items() if k != "TMPDIR"}'
    trace = run(
        executor,
        {
            "functions": {
                "plain": fn(body, "import os\n", runtime="python3.12"),
                "warm": fn(body, "import os\n", provisioned_concurrency=1),
            },
            "steps": [invoke(0, "plain"), invoke(1, "warm")],
        },
    )

    plain, warm = (r["payload"] for r in trace["responses"])
    assert set(plain) == AWS_PYTHON_VARIABLES
    assert plain["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert plain["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert plain["PATH"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    assert (plain["LC_CTYPE"], plain["SHLVL"], plain["_AWS_XRAY_DAEMON_PORT"]) == ("C.UTF-8", "0", "2000")
    assert warm["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency"


def test_the_function_runtime_names_aws_execution_env_and_the_init_start_version(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn('return os.environ["AWS_EXECUTION_ENV"]', "import os\n", runtime="python3.13")},
            "steps": [invoke(0, "fn")],
        },
    )

    assert trace["responses"][0]["payload"] == "AWS_Lambda_python3.13"
    assert trace["attempts"][0]["logs"][0].startswith("INIT_START Runtime Version: python:3.13.")
