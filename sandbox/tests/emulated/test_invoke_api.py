"""The Invoke API: invocation types, status codes, log tails, payload limits and service errors.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture)."""

from __future__ import annotations

import base64

from .parts import fn, invoke, run


def test_sync_success_returns_200_and_the_result(executor):
    trace = run(executor, {"functions": {"fn": fn('return {"ok": 1}')}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["status_code"] == 200
    assert response["payload"] == {"ok": 1}
    assert response["function_error"] is None
    assert response["executed_version"] == "$LATEST"
    assert len(trace["attempts"]) == 1


def test_sync_exception_is_200_unhandled_with_error_body(executor):
    trace = run(executor, {"functions": {"fn": fn('raise ValueError("bad input")')}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["status_code"] == 200
    assert response["function_error"] == "Unhandled"
    body = response["payload"]
    assert body["errorMessage"] == "bad input"
    assert body["errorType"] == "ValueError"
    assert body["requestId"] == response["request_id"]
    assert isinstance(body["stackTrace"], list) and all(isinstance(line, str) for line in body["stackTrace"])
    assert len(trace["attempts"]) == 1
    assert "[ERROR] ValueError: bad input" in trace["attempts"][0]["logs"]


def test_dry_run_is_204_and_runs_nothing(executor):
    trace = run(executor, {"functions": {"fn": fn("return 1")}, "steps": [invoke(0, "fn", type="DryRun")]})

    assert trace["responses"][0]["status_code"] == 204
    assert trace["responses"][0]["payload"] is None
    assert trace["attempts"] == []


def test_event_is_202_without_log_result_and_runs_once(executor):
    trace = run(
        executor, {"functions": {"fn": fn('return "x"')}, "steps": [invoke(0, "fn", type="Event", log_type="Tail")]}
    )

    response = trace["responses"][0]
    assert response["status_code"] == 202
    assert response["payload"] is None
    assert response["log_result"] is None
    assert [(a["trigger"], a["outcome"]) for a in trace["attempts"]] == [("async", "success")]


def test_log_tail_is_the_last_4_kb_base64(executor):
    trace = run(
        executor,
        {"functions": {"fn": fn('print("y" * 10000)\nreturn None')}, "steps": [invoke(0, "fn", log_type="Tail")]},
    )

    tail = base64.b64decode(trace["responses"][0]["log_result"]).decode()
    assert len(tail.encode()) <= 4096
    assert "END RequestId" in tail
    assert tail.rstrip("\n").split("\n")[-1].startswith("REPORT RequestId")
    assert "y" * 1000 in tail


def test_oversized_requests_get_413_and_300_kb_async_is_accepted(executor):
    trace = run(
        executor,
        {
            "functions": {"fn": fn("return None")},
            "steps": [
                invoke(0, "fn", payload_bytes=6291457),
                invoke(1, "fn", type="Event", payload_bytes=1048577),
                invoke(2, "fn", type="Event", payload_bytes=300000),
            ],
        },
    )

    sync, big_async, small_async = trace["responses"]
    assert (sync["status_code"], sync["error_type"]) == (413, "RequestTooLargeException")
    assert (big_async["status_code"], big_async["error_type"]) == (413, "RequestTooLargeException")
    assert small_async["status_code"] == 202
    assert [a["request_id"] for a in trace["attempts"]] == [small_async["request_id"]]


def test_oversized_response_is_function_response_size_too_large(executor):
    trace = run(executor, {"functions": {"fn": fn('return "z" * 7000000')}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["status_code"] == 200
    assert response["function_error"] == "Unhandled"
    assert response["payload"] == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_unknown_function_and_qualifier_are_404(executor):
    trace = run(
        executor,
        {
            "functions": {"myfn": fn("return 1")},
            "steps": [
                invoke(0, "does-not-exist"),
                invoke(1, "myfn", qualifier="nosuchalias"),
            ],
        },
    )

    assert [r["status_code"] for r in trace["responses"]] == [404, 404]
    assert {r["error_type"] for r in trace["responses"]} == {"ResourceNotFoundException"}
    assert trace["attempts"] == []


def test_unknown_function_404_names_latest_under_the_message_key(executor):
    trace = run(executor, {"functions": {"fn": fn("return 1")}, "steps": [invoke(0, "doesnotexist")]})

    assert trace["responses"][0]["payload"] == {
        "Message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:doesnotexist:$LATEST",
        "Type": "User",
    }


def test_missing_handler_function_is_handler_not_found_and_init_runs_again(executor):
    trace = run(
        executor,
        {"functions": {"fn": fn("return 1", handler="lambda_function.nope")}, "steps": [invoke(0, "fn", repeat=2)]},
    )

    first, second = trace["responses"]
    assert (first["status_code"], first["function_error"]) == (200, "Unhandled")
    assert first["payload"]["errorType"] == "Runtime.HandlerNotFound"
    assert "Handler 'nope' missing on module 'lambda_function'" in first["payload"]["errorMessage"]
    assert second["payload"]["errorType"] == "Runtime.HandlerNotFound"
    assert [a["cold_start"] for a in trace["attempts"]] == [True, True]


def test_sys_exit_in_the_handler_is_a_runtime_exit_with_lambdas_wording(executor):
    trace = run(
        executor,
        {
            "functions": {"clean": fn("sys.exit(0)", "import sys\n"), "failing": fn("sys.exit(3)", "import sys\n")},
            "steps": [invoke(0, "clean"), invoke(0, "failing")],
        },
    )

    clean, failing = trace["responses"]
    assert clean["function_error"] == "Unhandled"
    assert clean["payload"] == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {clean['request_id']} Error: Runtime exited without providing a reason",
    }
    assert failing["payload"] == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {failing['request_id']} Error: Runtime exited with error: exit status 3",
    }


def test_sys_exit_during_init_fails_the_invoke_with_its_request_id_and_two_keys(executor):
    trace = run(
        executor, {"functions": {"fn": fn("return 1", "import sys\nsys.exit(0)\n")}, "steps": [invoke(0, "fn")]}
    )

    response = trace["responses"][0]
    assert response["function_error"] == "Unhandled"
    assert response["payload"] == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {response['request_id']} Error: Runtime exited without providing a reason",
    }


def test_exception_during_init_reports_an_empty_request_id(executor):
    trace = run(
        executor,
        {"functions": {"fn": fn("return 1", 'raise Exception("Runtime startup fails")\n')}, "steps": [invoke(0, "fn")]},
    )

    payload = trace["responses"][0]["payload"]
    assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (payload["errorMessage"], payload["errorType"], payload["requestId"]) == (
        "Runtime startup fails",
        "Exception",
        "",
    )


def test_out_of_memory_answers_runtime_out_of_memory_as_current_python_runtimes_do(executor):
    hoard = "hoard = []\nwhile True:\n    hoard.append(bytearray(16 << 20))"
    trace = run(executor, {"functions": {"fn": fn(hoard, memory_mb=128)}, "steps": [invoke(0, "fn")]})

    response = trace["responses"][0]
    assert response["function_error"] == "Unhandled"
    assert response["payload"] == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {response['request_id']} Error: Runtime exited with error: signal: killed",
    }
    report = next(line for line in trace["attempts"][0]["logs"] if line.startswith("REPORT"))
    assert report.endswith("Status: error\tError Type: Runtime.OutOfMemory\t")


def test_raw_bodies_that_are_not_json_or_not_utf8_get_400_invalid_request_content(executor):
    good = base64.b64encode('{"city": "Zürich"}'.encode()).decode()
    trace = run(
        executor,
        {
            "functions": {"fn": fn("return event")},
            "steps": [
                invoke(0, "fn", raw_payload="not json"),
                invoke(1, "fn", raw_payload_base64=base64.b64encode(b'{"a": "\x87"}').decode()),
                invoke(2, "fn", raw_payload_base64=base64.b64encode(b'{"a": "\xc3A"}').decode(), type="Event"),
                invoke(3, "fn", raw_payload_base64=good),
            ],
        },
    )

    not_json, bad_start, bad_middle, fine = trace["responses"]
    prefix = "Could not parse request body into json: Could not parse payload into json: "
    assert (not_json["status_code"], not_json["error_type"]) == (400, "InvalidRequestContentException")
    assert not_json["payload"]["message"].startswith(prefix)
    assert bad_start["payload"] == {"Type": "User", "message": prefix + "Invalid UTF-8 start byte 0x87"}
    assert bad_middle["status_code"] == 400
    assert bad_middle["payload"]["message"] == prefix + "Invalid UTF-8 middle byte 0x41"
    assert fine["payload"] == {"city": "Zürich"}
    assert len(trace["attempts"]) == 1
