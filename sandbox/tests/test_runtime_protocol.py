"""The pure pieces of the runtime: framing, verdict look-up, result interpretation, code paths, check report."""

from __future__ import annotations

import os

import pytest

from sandbox.emulator.executor import NetworkTable, Verdict
from sandbox.runtime import client, isolation, outcomes
from sandbox.runtime.protocol import (
    MAX_FRAME,
    FrameReader,
    LogBuffer,
    ProtocolError,
    decide,
    encode,
    exit_words,
    network_to_data,
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
