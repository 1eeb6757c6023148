"""Hostile handlers and clients against a daemon shared by a whole class.

What one student's handler reports about itself is untrusted: timings, connections and replies are measured or
checked by the daemon. One client cannot reach another's environments, stall the daemon, or exhaust the host.
Every case ends with the host unaffected.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sandbox.runtime import client, limits
from sandbox.runtime.daemon import processes_of_uid
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


# --- clients: bounded waits, pooled connections, private id spaces ----------------------------------------------

SPIN = """
import time
def lambda_handler(event, context):
    if event.get("spin"):
        end = time.process_time() + event["spin"]
        while time.process_time() < end:
            pass
    return event.get("answer")
"""


def test_stuck_call_is_abandoned_and_the_next_call_gets_its_own_answer(sandbox):
    slow = client.DaemonExecutor(max_procs=64)
    slow.call_timeout_s = 0.5
    environment_id = new_environment_id()
    slow.create(environment_id, make_spec(SPIN, timeout_s=5.0))

    with pytest.raises(client.SandboxTimeout, match="did not answer"):
        slow.invoke(environment_id, make_request({"spin": 2, "answer": "first"}))
    slow.call_timeout_s = client.CALL_TIMEOUT_S
    other = new_environment_id()
    slow.create(other, make_spec(SPIN))
    second = slow.invoke(other, make_request({"answer": "second"}))

    assert body(second) == "second"
    slow.destroy(other)
    assert_host_unaffected(slow, environment_id)
    slow.close()


def daemon_descriptors(path: str) -> int:
    return len(os.listdir(f"/proc/{client.ping(path)['pid']}/fd"))


def test_calls_from_many_short_lived_thread_pools_reuse_a_few_connections(sandbox):
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(SPIN))
    sandbox.invoke(environment_id, make_request({"answer": 1}))
    before = daemon_descriptors(sandbox.path)

    for _ in range(10):
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: sandbox.describe(environment_id), range(8)))

    assert daemon_descriptors(sandbox.path) - before <= client.IDLE_CONNECTIONS
    assert_host_unaffected(sandbox, environment_id)


def test_two_clients_using_the_same_environment_id_never_meet(sandbox):
    alice = client.DaemonExecutor(owner=secrets.token_hex(16))
    bob = client.DaemonExecutor(owner=secrets.token_hex(16))
    try:
        alice.create("env-1", make_spec("def lambda_handler(event, context):\n    return 'alice'\n"))
        bob.create("env-1", make_spec("def lambda_handler(event, context):\n    return 'bob'\n"))

        answers = (body(alice.invoke("env-1", make_request())), body(bob.invoke("env-1", make_request())))
        bob.destroy("env-1")

        assert answers == ("alice", "bob")
        assert body(alice.invoke("env-1", make_request())) == "alice"
        with pytest.raises(client.EnvironmentGone):
            bob.describe("env-1")
    finally:
        alice.close()
        bob.close()


def test_a_student_over_the_memory_reservation_limit_is_refused_plainly(sandbox):
    student = client.DaemonExecutor(owner=secrets.token_hex(16))
    try:
        student.create("big", make_spec(SPIN, memory_mb=limits.MEMORY_PER_CLIENT_MB))
        with pytest.raises(client.SandboxFull, match="Too much memory reserved"):
            student.create("small", make_spec(SPIN, memory_mb=128))
        assert body(student.invoke("big", make_request({"answer": "still"}))) == "still"
    finally:
        student.close()


def test_every_environment_sits_under_one_parent_cgroup_with_host_sized_limits(sandbox):
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(SPIN))
    paths = sandbox.describe(environment_id)["cgroup"]
    host = limits.host_limits()

    memory = int(Path(paths["memory"]).parent.joinpath("memory.limit_in_bytes").read_text())
    pids = Path(paths["pids"]).parent.joinpath("pids.max").read_text().strip()

    assert memory == host["memory_mb"] * limits.MIB < limits.host_memory_mb() * limits.MIB
    assert pids == str(host["pids"])
    assert_host_unaffected(sandbox, environment_id)


# --- the daemon itself ------------------------------------------------------------------------------------------


@pytest.fixture
def private_daemon(tmp_path_factory):
    """A daemon of this checkout on a socket of its own (so a test may stop or starve it)."""
    directory = f"/run/examprep/test-private-{secrets.token_hex(4)}"
    path = f"{directory}/sandbox.sock"
    answer = client.ensure_daemon(path)
    yield path, answer
    client.stop_daemon(answer, path)
    shutil.rmtree(directory, ignore_errors=True)


def test_ping_reports_this_checkouts_code_version(sandbox):
    assert client.ping(sandbox.path)["code"] == client.code_version()


def test_a_daemon_running_other_code_is_refused(private_daemon, tmp_path):
    path, _ = private_daemon
    copy = tmp_path / "other-checkout"
    shutil.copytree(client.PROJECT_ROOT + "/sandbox", copy / "sandbox", ignore=shutil.ignore_patterns("tests"))
    (copy / "sandbox" / "runtime" / "limits.py").write_text(
        (copy / "sandbox" / "runtime" / "limits.py").read_text() + "\n# changed\n"
    )
    other_path = os.path.dirname(path) + "/other.sock"
    script = f"import sys; sys.path.insert(0, {str(copy)!r}); from sandbox.runtime import client; client.ensure_daemon({other_path!r})"
    subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ, "PYTHONPATH": ""}, timeout=60)
    other = client.ping(other_path)

    try:
        with pytest.raises(client.SandboxUnavailable, match="runs other code"):
            client.ensure_daemon(other_path)
    finally:
        client.stop_daemon(other, other_path)


def test_sigterm_stops_the_daemon_and_removes_its_socket_and_cgroups(private_daemon):
    path, answer = private_daemon
    executor = client.DaemonExecutor(path)
    executor.create("env-1", make_spec(SPIN))
    described = executor.describe("env-1")

    cgroup_dirs = [os.path.dirname(p) for p in described["cgroup"].values()]

    os.kill(answer["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(p) for p in [path, *cgroup_dirs]):
        time.sleep(0.05)

    assert not os.path.exists(path)
    assert not any(os.path.exists(p) for p in cgroup_dirs)
    assert processes_of_uid(described["uid"]) == []


def test_daemon_survives_running_out_of_descriptors(private_daemon):
    path, answer = private_daemon
    log = os.path.join(os.path.dirname(path), "daemon.log")
    subprocess.run(["prlimit", f"--pid={answer['pid']}", "--nofile=40:"], check=True)
    opened = []
    try:
        for _ in range(60):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            opened.append(sock)
        time.sleep(0.5)  # let the daemon meet EMFILE a few times
    finally:
        for sock in opened:
            sock.close()
        subprocess.run(["prlimit", f"--pid={answer['pid']}", "--nofile=4096:"], check=True)

    assert client.ping(path)["ok"]
    assert Path(log).read_text().count("internal error") == 0


# --- the syscall filter -------------------------------------------------------------------------------------------


def test_syscalls_that_widen_the_attack_surface_are_denied(sandbox):
    source = """
    import ctypes, socket
    def lambda_handler(event, context):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        pair = (ctypes.c_int * 2)()
        results = {}
        for name, number, args in (("modify_ldt", 154, (0, 0, 0)), ("uselib", 134, (0,)),
                                   ("quotactl_fd", 443, (0, 0, 0, 0)), ("process_madvise", 440, (0, 0, 0, 0, 0))):
            results[name] = [libc.syscall(number, *args), ctypes.get_errno()]
        for family in (16, 40):  # AF_NETLINK, AF_VSOCK
            results[f"socketpair {family}"] = [libc.socketpair(family, socket.SOCK_DGRAM, 0, pair), ctypes.get_errno()]
        results["socketpair unix"] = [libc.socketpair(socket.AF_UNIX, socket.SOCK_STREAM, 0, pair), 0]
        return results
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert {name: value for name, value in answer.items() if name != "socketpair unix"} == {
        "modify_ldt": [-1, 1],
        "uselib": [-1, 1],
        "quotactl_fd": [-1, 1],
        "process_madvise": [-1, 1],
        "socketpair 16": [-1, 97],  # EAFNOSUPPORT
        "socketpair 40": [-1, 97],
    }
    assert answer["socketpair unix"] == [0, 0]
    assert_host_unaffected(sandbox, environment_id)


def test_32_bit_system_calls_kill_the_runtime(sandbox):
    source = """
    import ctypes, mmap
    def lambda_handler(event, context):
        code = b"\\xb8\\x14\\x00\\x00\\x00\\xcd\\x80\\xc3"  # mov eax, 20 (getpid); int 0x80; ret
        memory = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        memory.write(code)
        address = ctypes.addressof(ctypes.c_char.from_buffer(memory))
        return ctypes.CFUNCTYPE(ctypes.c_long)(address)()
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert result.outcome == "runtime_exit"
    assert "bad system call" in result.error["errorMessage"]
    assert_host_unaffected(sandbox, environment_id)


def test_check_reports_no_isolation_when_seccomp_is_missing():
    # Debian's interpreter without the pyseccomp binding the daemon normally adds to its path.
    script = (
        f"import sys, json; sys.path.insert(0, {client.PROJECT_ROOT!r}); "
        "from sandbox.runtime import isolation; print(json.dumps(isolation.check()))"
    )
    found = subprocess.run(
        [client.daemon_python(), "-I", "-S", "-c", script], capture_output=True, text=True, check=True, env={}
    )

    report = json.loads(found.stdout)

    assert report["mode"] == "none"
    assert "seccomp" in report["reason"]


# --- host information ---------------------------------------------------------------------------------------------


def test_host_information_in_proc_is_masked(sandbox):
    source = """
    def read(path):
        try:
            with open(path, errors="replace") as handle:
                return handle.read()
        except OSError as error:
            return f"error {error.errno}"
    def lambda_handler(event, context):
        return {name: read(f"/proc/{name}") for name in
                ("cmdline", "1/cmdline", "self/cmdline", "self/cgroup", "meminfo", "loadavg", "kallsyms")}
    """
    environment_id, _, (result,) = run(sandbox, source, memory_mb=256)

    seen = body(result)

    assert seen["cmdline"] == seen["1/cmdline"] == seen["kallsyms"] == ""
    assert client.PROJECT_ROOT not in seen["self/cmdline"] and "/run/examprep" not in seen["self/cmdline"]
    assert "examprep" not in seen["self/cgroup"] and "process_api" not in seen["self/cgroup"]
    assert seen["meminfo"].split()[:2] == ["MemTotal:", str(256 * 1024)]
    assert seen["loadavg"].startswith("0.00 0.00 0.00")
    assert_host_unaffected(sandbox, environment_id)


def test_x32_system_calls_kill_the_runtime(sandbox):
    source = """
    import ctypes
    def lambda_handler(event, context):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        return libc.syscall(0x40000000 | 39)  # getpid through the x32 ABI
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert result.outcome == "runtime_exit"
    assert "bad system call" in result.error["errorMessage"]
    assert_host_unaffected(sandbox, environment_id)


def test_the_network_socket_belongs_to_its_environment_alone(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        info = os.stat("/var/runtime/net.sock")
        return [oct(info.st_mode & 0o777), info.st_uid == os.getuid()]
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == ["0o600", True]
    assert_host_unaffected(sandbox, environment_id)


def test_a_socket_in_a_shared_directory_is_refused_and_the_directory_left_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)

    with pytest.raises(client.SandboxUnavailable, match="a directory of its own"):
        client.ensure_daemon(str(shared / "sandbox.sock"))

    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert client.ping(str(shared / "sandbox.sock")) is None


def test_a_run_out_of_real_time_stops_its_handler_before_the_emulated_timeout(sandbox):
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(SPIN, timeout_s=30.0))

    result = sandbox.invoke(environment_id, make_request({"spin": 3, "answer": "done"}), real_budget_s=0.5)

    assert result.outcome == "timeout"
    assert "real time" in result.error["errorMessage"]
    assert 0 < result.duration_ms < 30_000
    assert_host_unaffected(sandbox, environment_id)
