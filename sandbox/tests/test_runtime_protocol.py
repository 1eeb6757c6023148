"""The pure pieces of the runtime: framing, verdict look-up, result interpretation, code paths, check report."""

from __future__ import annotations

import os

import pytest

from sandbox.emulator.executor import NetworkTable, Verdict
from sandbox.runtime import client, isolation, outcomes, results
from sandbox.runtime.limits import REAL_TIME_LIMIT_S
from sandbox.runtime.protocol import (
    MAX_FRAME,
    FrameReader,
    LogBuffer,
    ProtocolError,
    decide,
    decode,
    encode,
    exit_message,
    exit_words,
    network_to_data,
    real_budget,
    validate_max_procs,
    validate_spec,
)


def test_frame_reader_reassembles_frames_split_anywhere():
    data = encode({"a": 1}) + encode({"b": "x" * 1000})
    reader = FrameReader()

    frames = [frame for index in range(len(data)) for frame in reader.feed(data[index : index + 1])]

    assert frames == [{"a": 1}, {"b": "x" * 1000}]


def test_frame_reader_rejects_a_header_over_the_limit():
    reader = FrameReader()

    with pytest.raises(ProtocolError):
        reader.feed((MAX_FRAME + 1).to_bytes(4, "big"))


def test_frame_reader_rejects_frames_that_are_not_json_objects():
    with pytest.raises(ProtocolError):
        FrameReader().feed((3).to_bytes(4, "big") + b"[1]")


def test_log_buffer_keeps_the_tail_and_counts_what_it_dropped():
    logs = LogBuffer(limit=10)

    for chunk in (b"0123456789", b"abcdefghij", b"KLMNO"):
        logs.add(chunk)

    assert logs.take() == "[15 earlier bytes of log output were dropped]\nfghijKLMNO"
    assert logs.take() == ""


def test_decide_matches_the_network_table_contract():
    table = NetworkTable(
        hosts={
            "DB.internal.": {"5432": Verdict("connected", "same VPC")},
            "api.example": {"*": Verdict("timeout", "no NAT")},
        },
        default=Verdict("dns_failure", "unknown"),
    )
    data = network_to_data(table)

    for host, port in (("db.internal", 5432), ("db.internal", 80), ("api.example", 443), ("other", 1)):
        assert list(decide(data, host, port)) == [table.decide(host, port).outcome, table.decide(host, port).reason]


@pytest.mark.parametrize(
    ("status", "words"),
    [(3 << 8, "exit status 3"), (11, "signal: segmentation fault"), (9, "signal: killed"), (0, "exit status 0")],
)
def test_exit_words_match_lambdas_wording(status, words):
    assert exit_words(status) == words


def test_forged_result_frame_cannot_claim_less_than_the_measured_duration():
    frame = {"type": "result", "outcome": "success", "response": "1", "elapsed_ms": 0.0}

    result = outcomes.from_result_frame(frame, "r1", 3.0, 0.0, 20, 128, "", False, measured_ms=250.0)

    assert result["duration_ms"] == 250.0


def test_result_frame_over_the_timeout_becomes_a_timeout_at_exactly_the_timeout():
    frame = {"type": "result", "outcome": "success", "response": "1", "elapsed_ms": 5000.0}

    result = outcomes.from_result_frame(frame, "r1", 3.0, 0.0, 20, 128, "", False)

    assert result["outcome"] == "timeout" and result["duration_ms"] == 3000.0
    assert result["error"]["errorMessage"] == "RequestId: r1 Error: Task timed out after 3.00 seconds"


def test_result_frame_with_junk_fields_is_cleaned():
    frame = {
        "type": "result",
        "outcome": "weird",
        "error": {"errorType": 5, "stackTrace": "nope"},
        "elapsed_ms": float("nan"),
        "connections": [{"outcome": "connected", "host": "h", "port": True}, 7],
    }

    result = outcomes.from_result_frame(frame, "r1", 3.0, 0.0, 20, 128, "", False)

    assert result["outcome"] == "error" and result["error"]["errorType"] == "5"
    assert result["error"]["stackTrace"] == [] and result["duration_ms"] == 0.0
    assert result["connections"] == [{"host": "h", "port": 0, "outcome": "connected", "reason": "", "at_ms": 0.0}]


@pytest.mark.parametrize("name", ["../x.py", "/etc/passwd", "a/../../b.py", "", "a//b.py", "./a.py"])
def test_code_file_names_that_leave_the_code_directory_are_refused(name):
    with pytest.raises(ValueError, match="plain relative path"):
        outcomes.code_files({name: "x = 1"})


def test_code_file_names_may_use_sub_folders():
    assert outcomes.code_files({"pkg/mod.py": "x", "lambda_function.py": "y"}) == [
        ("pkg/mod.py", "x"),
        ("lambda_function.py", "y"),
    ]


def test_check_reports_a_mode_and_the_reason_for_it():
    report = isolation.check()

    assert report["mode"] in ("root-cgroup-v2", "root-cgroup-v1", "root-rlimits", "none")
    assert report["root"] == (os.geteuid() == 0)
    if report["mode"] == "none":
        assert report["reason"]


def test_unsafe_flag_selects_the_local_executor(monkeypatch):
    monkeypatch.setenv(client.UNSAFE_FLAG, "1")

    executor = client.default_executor()

    try:
        assert type(executor).__name__ == "LocalExecutor"
    finally:
        executor.close()


def test_record_of_recently_used_environments_forgets_stale_entries():
    executor = client.DaemonExecutor()
    executor.check()  # leaves one open connection in the pool
    stale = client.time.monotonic() - 2 * client.RECENT_USE_S
    executor._used.update({f"env-{n}": stale for n in range(client.USED_RECORD_LIMIT + 10)})

    executor._note_used("env-fresh")

    assert executor._used.keys() == {"env-fresh"}
    assert executor.recently_used("env-fresh")
    executor.close()


def test_reply_that_cannot_be_encoded_becomes_a_lambda_error():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    result = outcomes.result("success", 5.0, 64, "log", response="null", connections=[{"x": deep}])

    with pytest.raises((ProtocolError, RecursionError, ValueError)):
        encode({"ok": True, "result": result})
    reply = outcomes.unsendable({"ok": True, "result": result}, RecursionError("too deep"))

    assert reply["result"]["outcome"] == "error"
    assert reply["result"]["error"]["errorType"] == "Function.ResponseSizeTooLarge"
    assert decode(encode(reply)[4:])["result"]["duration_ms"] == 5.0


def test_encoding_keeps_text_as_utf8_so_it_never_grows():
    text = "\u2603" * 1000

    assert len(encode({"t": text})) < 3 * 1000 + 20
    assert decode(encode({"t": "\ud800"})[4:]) == {"t": "\ud800"}


def test_frames_nested_too_deep_are_refused():
    with pytest.raises(ProtocolError, match="nested deeper"):
        decode(b'{"a":' + b"[" * 100 + b"]" * 100 + b"}")


def test_durations_from_the_daemon_are_bounded_before_the_emulator_sees_them():
    data = {"outcome": "success", "duration_ms": -1e15, "max_memory_used_mb": 10**9, "response": "null"}

    result = results.invoke_result_from(data)
    init = results.init_result_from({"ok": True, "init_duration_ms": 1e300, "max_memory_used_mb": 5})

    assert result.duration_ms == 0.0 and result.max_memory_used_mb == 10_240
    assert init.init_duration_ms == results.LONGEST_MS
    with pytest.raises(ValueError, match="not a number"):
        results.invoke_result_from(dict(data, duration_ms=float("nan")))


def test_runtime_reported_init_time_cannot_go_below_what_was_measured_or_above_the_limit():
    assert outcomes.trusted_ms(-1e15, 12.0, 3000.0) == 12.0
    assert outcomes.trusted_ms(1e15, 12.0, 3000.0) == 3000.0
    assert outcomes.trusted_ms(float("nan"), 12.0, 3000.0) == 12.0
    assert outcomes.trusted_ms(500.0, 12.0, 3000.0) == 500.0


def test_request_validation_refuses_bad_sizes_with_a_plain_message():
    spec = {"function_name": "f", "code": {"lambda_function.py": ""}, "memory_mb": 20_000}

    with pytest.raises(ValueError, match="memory_mb must be between 64 and 10240"):
        validate_spec(spec)
    with pytest.raises(ValueError, match="max_procs must be a whole number"):
        validate_max_procs(10**6, 64)
    assert real_budget(-5) == 0.0 and real_budget("x") == real_budget(None) == REAL_TIME_LIMIT_S


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (0, "Runtime exited without providing a reason"),
        (3 << 8, "Runtime exited with error: exit status 3"),
        (11, "Runtime exited with error: signal: segmentation fault"),
    ],
)
def test_a_clean_runtime_exit_gives_no_reason_and_others_say_how_it_ended(status, message):
    assert exit_message(status) == message
