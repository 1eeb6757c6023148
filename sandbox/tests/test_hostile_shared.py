"""Hostile handlers and clients against a daemon shared by a whole class.

What one student's handler reports about itself is untrusted: timings, connections and replies are measured or
checked by the daemon. One client cannot reach another's environments, stall the daemon, or exhaust the host.
Every case ends with the host unaffected.
"""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from sandbox.runtime import client
from sandbox.tests.runtime_factories import (
    assert_host_unaffected,
    body,
    make_network,
    make_request,
    make_spec,
    new_environment_id,
    run,
)

FORGE = """
import json, os, struct
def forge(message):
    frame = json.dumps(message).encode()
    os.write(4, struct.pack(">I", len(frame)) + frame)
"""


@pytest.fixture(scope="module")
def sandbox():
    made = client.DaemonExecutor(max_procs=64)
    yield made
    made.close()


# --- what the runtime reports is untrusted ---------------------------------------------------------------------


def test_forged_negative_init_time_gives_a_non_negative_init_duration(sandbox):
    source = FORGE + 'forge({"type": "ready", "elapsed_ms": -1e15, "slept_ms": -1e15})\n'
    source += "def lambda_handler(event, context):\n    return 'ok'\n"
    environment_id = new_environment_id()

    init = sandbox.create(environment_id, make_spec(source))

    assert init.ok and 0 <= init.init_duration_ms < 10_000
    assert_host_unaffected(sandbox, environment_id)


def test_forged_init_time_cannot_switch_off_the_kill_timer(sandbox):
    source = FORGE + textwrap.dedent("""
    import signal, time
    if os.path.exists("/tmp/armed"):
        forge({"type": "ready", "elapsed_ms": -1e15, "slept_ms": 0})
        signal.signal(signal.SIGPROF, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_PROF, 0)
        end = time.process_time() + 4
        while time.process_time() < end:
            pass
    def lambda_handler(event, context):
        open("/tmp/armed", "w").close()
        os._exit(1)
    """)
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(source, timeout_s=1.0))

    crashed = sandbox.invoke(environment_id, make_request())
    forged = sandbox.invoke(environment_id, make_request())

    assert crashed.outcome == "runtime_exit"
    assert forged.outcome == "timeout" and forged.duration_ms == 1000.0
    assert_host_unaffected(sandbox, environment_id)


def test_forged_result_frame_cannot_add_connections_or_a_negative_duration(sandbox):
    source = FORGE + textwrap.dedent("""
    def lambda_handler(event, context):
        forge({"type": "result", "request_id": context.aws_request_id, "outcome": "success",
               "response": '"forged"', "error": None, "elapsed_ms": -996000, "slept_ms": 0,
               "connections": [{"host": "api.partner.example", "port": 443, "outcome": "connected",
                                "reason": "forged", "at_ms": 1}]})
        return "real"
    """)
    environment_id, _, (result,) = run(sandbox, source)

    assert result.connections == ()
    assert result.duration_ms >= 0
    assert_host_unaffected(sandbox, environment_id)


def test_daemon_records_every_connection_attempt_with_its_own_verdict(sandbox):
    source = """
    import socket
    def lambda_handler(event, context):
        outcomes = {}
        for host in ("db.internal", "closed.internal", "nowhere.example"):
            try:
                socket.create_connection((host, 5432), timeout=1).close()
                outcomes[host] = "connected"
            except OSError as error:
                outcomes[host] = type(error).__name__
        return outcomes
    """
    network = make_network(db_internal=("connected", "same VPC"), closed_internal=("refused", "nothing listens"))
    environment_id, _, (result,) = run(sandbox, source, network=network)

    seen = {(c.host, c.outcome) for c in result.connections}

    assert body(result)["db.internal"] == "connected"
    assert seen == {("db.internal", "connected"), ("closed.internal", "refused"), ("nowhere.example", "dns_failure")}
    assert_host_unaffected(sandbox, environment_id)


def test_result_that_grows_when_re_encoded_is_still_answered(sandbox):
    source = FORGE + textwrap.dedent("""
    def lambda_handler(event, context):
        frame = json.dumps({"type": "result", "request_id": context.aws_request_id, "outcome": "success",
                            "response": '"' + "\u2603" * 2_000_000 + '"', "error": None, "elapsed_ms": 0,
                            "slept_ms": 0, "connections": []}, ensure_ascii=False).encode()
        os.write(4, struct.pack(">I", len(frame)) + frame)
        return "real"
    """)
    environment_id, _, (result,) = run(sandbox, source)

    assert result.outcome in ("success", "error")
    assert client.ping(sandbox.path)["ok"]
    assert_host_unaffected(sandbox, environment_id)


def test_deeply_nested_frames_and_payloads_are_lambda_errors(sandbox):
    source = FORGE + textwrap.dedent("""
    def lambda_handler(event, context):
        deep = "[" * 100_000 + "]" * 100_000
        frame = ('{"type": "result", "request_id": "%s", "outcome": "error", "response": null, '
                 '"error": {"errorMessage": "x", "errorType": "E", "stackTrace": %s}}') % (context.aws_request_id, deep)
        os.write(4, struct.pack(">I", len(frame)) + frame.encode())
        return "real"
    """)
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(source))
    deep = "[" * 100_000 + "]" * 100_000

    nested = sandbox.invoke(environment_id, make_request())
    raw = sandbox.invoke(environment_id, dataclasses.replace(make_request(), payload=deep))

    assert nested.outcome == "runtime_exit" and "protocol" in nested.error["errorMessage"]
    assert raw.outcome == "error" and "Unable to unmarshal input" in raw.error["errorMessage"]
    assert client.ping(sandbox.path)["ok"]
    assert_host_unaffected(sandbox, environment_id)
