"""Hostile handlers against the sandbox daemon: what a student's code may try, and what it gets.

Every case asserts what the student sees AND that the host is unaffected: no process of the environment's uid
is left, Redis and PostgreSQL still answer and hold no key the handler tried to write, nothing was written
outside the environment, and the daemon still answers. Limits are small so the suite stays fast.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import textwrap
import uuid

import pytest

from sandbox.runtime import client
from sandbox.tests.runtime_factories import (
    REDIS_KEY,
    assert_host_unaffected,
    body,
    make_request,
    make_spec,
    new_environment_id,
    run,
)

HOST_CANARY_DIR = "/var/tmp/examprep-hostile"


@pytest.fixture(scope="module")
def sandbox():
    made = client.DaemonExecutor(max_procs=64)
    yield made
    made.close()


@pytest.fixture(scope="module")
def daemon_pid(sandbox):
    return client.ping(sandbox.path)["pid"]


# --- processes -----------------------------------------------------------------------------------------------------


def test_fork_bomb_stops_at_the_process_limit(sandbox):
    source = """
    import os, time
    def lambda_handler(event, context):
        forks = 0
        while True:
            try:
                pid = os.fork()
            except OSError as error:
                return {"forks": forks, "errno": error.errno}
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            forks += 1
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert 10 < answer["forks"] < 64 and answer["errno"] == 11  # EAGAIN
    assert_host_unaffected(sandbox, environment_id)


def test_spinning_fork_bomb_is_killed_at_the_timeout(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """
    environment_id, _, (result,) = run(sandbox, source, timeout_s=1.0)

    assert result.outcome == "timeout" and result.duration_ms == 1000.0
    assert_host_unaffected(sandbox, environment_id)


def test_memory_bomb_in_one_process_is_out_of_memory(sandbox):
    source = """
    def lambda_handler(event, context):
        try:
            bytearray(8 << 30)
        except MemoryError:
            pass
        hoard = []
        while True:
            hoard.append(b"x" * (10 << 20))
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert result.outcome == "oom" and result.max_memory_used_mb == 128
    assert result.error["errorType"] == "Runtime.OutOfMemory"
    assert_host_unaffected(sandbox, environment_id)


def test_memory_bomb_across_six_processes_is_capped_by_the_cgroup(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        children = []
        for _ in range(6):
            pid = os.fork()
            if pid == 0:
                block = bytearray(200 << 20)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                os._exit(0)
            children.append(pid)
        return [os.waitpid(pid, 0)[1] for pid in children]
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert result.outcome == "oom"
    assert result.max_memory_used_mb <= 128
    assert_host_unaffected(sandbox, environment_id)


def test_two_processes_over_the_memory_size_trigger_the_oom_killer(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        pid = os.fork()
        block = bytearray(100 << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        if pid == 0:
            os._exit(0)
        return os.waitpid(pid, 0)[1]
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert result.outcome == "oom"
    assert_host_unaffected(sandbox, environment_id)


def test_loop_ignoring_signals_is_killed_at_the_timeout(sandbox):
    source = """
    import signal
    def lambda_handler(event, context):
        for name in ("SIGTERM", "SIGINT", "SIGALRM", "SIGXCPU", "SIGHUP", "SIGPROF"):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        while True:
            pass
    """
    environment_id, _, (result,) = run(sandbox, source, timeout_s=1.0)

    assert result.outcome == "timeout" and result.duration_ms == 1000.0
    assert_host_unaffected(sandbox, environment_id)


# --- files and secrets ---------------------------------------------------------------------------------------------


def test_host_secrets_are_not_visible(sandbox):
    source = """
    def lambda_handler(event, context):
        found = {}
        for path in ("/etc/shadow", "/root/.bashrc", "/work/main/examprep/settings.py", "/work/main/db.sqlite3",
                     "/proc/1/root/etc/shadow", "/run/examprep/sandbox.sock", "/home"):
            try:
                open(path).read(10)
                found[path] = "read"
            except OSError as error:
                found[path] = error.errno
        return found
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert "read" not in answer.values()
    assert answer["/etc/shadow"] == 2 and answer["/work/main/examprep/settings.py"] == 2
    assert_host_unaffected(sandbox, environment_id)


def test_environment_and_proc_environ_hold_no_daemon_secrets(sandbox):
    source = """
    import ctypes, os
    def lambda_handler(event, context):
        ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE
        try:
            raw = open("/proc/self/environ", "rb").read().decode()
        except OSError as error:
            raw = str(error.errno)
        return {"environ": raw, "keys": sorted(os.environ)}
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    for secret in ("SECRET_KEY", "DJANGO", "DATABASE_URL", "REDIS_URL", "PYENV", "HOME=/root", "SSH_"):
        assert secret not in answer["environ"]
        assert not any(secret.split("=")[0] in key for key in answer["keys"])
    assert_host_unaffected(sandbox, environment_id)


def test_host_services_are_unreachable_even_bypassing_the_shim(sandbox):
    source = f"""
    import _socket, ctypes, errno
    def lambda_handler(event, context):
        outcome = {{}}
        for port in (6379, 5432):
            raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
            raw.settimeout(1)
            try:
                raw.connect(("127.0.0.1", port))
                raw.send(b"SET {REDIS_KEY} 1\\r\\n")
                outcome[port] = "connected"
            except OSError as error:
                outcome[port] = error.errno
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.syscall(41, 2, 1, 0)  # socket(AF_INET, SOCK_STREAM)
        address = bytes([2, 0, 0x18, 0xeb, 127, 0, 0, 1]) + bytes(8)
        outcome["raw"] = libc.connect(fd, address, 16), ctypes.get_errno()
        for path in ("/var/run/redis/redis-server.sock", "/run/postgresql/.s.PGSQL.5432"):
            unix = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            try:
                unix.connect(path)
                outcome[path] = "connected"
            except OSError as error:
                outcome[path] = error.errno
        return outcome
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert answer["6379"] == errno_enetunreach() and answer["5432"] == errno_enetunreach()
    assert answer["raw"] == [-1, errno_enetunreach()]
    assert answer["/run/postgresql/.s.PGSQL.5432"] == 2
    assert_host_unaffected(sandbox, environment_id)


def errno_enetunreach() -> int:
    import errno

    return errno.ENETUNREACH


def test_dns_lookups_fail(sandbox):
    source = """
    import _socket, socket
    def lambda_handler(event, context):
        answers = []
        for lookup in (_socket.getaddrinfo, socket.getaddrinfo):
            try:
                lookup("example.com", 443)
                answers.append("resolved")
            except OSError as error:
                answers.append(type(error).__name__)
        return answers
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == ["gaierror", "gaierror"]
    assert_host_unaffected(sandbox, environment_id)


def test_writes_outside_tmp_fail(sandbox):
    source = """
    def lambda_handler(event, context):
        results = {}
        for path in ("/var/task/x", "/x", "/usr/x", "/etc/x", "/tmp/x"):
            try:
                open(path, "w").write("x")
                results[path] = "written"
            except OSError as error:
                results[path] = error.errno
        return results
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert answer == {"/var/task/x": 30, "/x": 30, "/usr/x": 30, "/etc/x": 30, "/tmp/x": "written"}
    assert_host_unaffected(sandbox, environment_id, ("/x", "/usr/x", "/etc/x"))


def test_filling_tmp_stops_at_the_ephemeral_size(sandbox):
    source = """
    def lambda_handler(event, context):
        written = 0
        chunk = b"x" * (1 << 20)
        with open("/tmp/fill", "wb") as handle:
            try:
                while True:
                    handle.write(chunk)
                    handle.flush()
                    written += 1
            except OSError as error:
                return {"mib": written, "errno": error.errno}
    """
    environment_id, _, (result,) = run(sandbox, source, memory_mb=256, ephemeral_storage_mb=32)

    answer = body(result)

    assert answer["errno"] in (28, 27) and 28 <= answer["mib"] <= 33  # ENOSPC (or EFBIG at the rlimit)
    assert_host_unaffected(sandbox, environment_id)


def test_log_spam_completes_with_a_bounded_log(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        chunk = b"spam" * (1 << 18)
        for _ in range(200):
            os.write(1, chunk)
        return "done"
    """
    environment_id, _, (result,) = run(sandbox, source, timeout_s=10.0)

    assert body(result) == "done"
    assert len(result.logs) <= 300 * 1024
    assert "earlier bytes of log output were dropped" in result.logs
    assert_host_unaffected(sandbox, environment_id)


def test_segfault_is_a_runtime_exit_and_the_runtime_resets(sandbox):
    source = """
    import ctypes
    def lambda_handler(event, context):
        if event.get("crash"):
            ctypes.string_at(1)
        return "alive"
    """
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(textwrap.dedent(source)))

    crashed = sandbox.invoke(environment_id, make_request({"crash": True}))
    after = sandbox.invoke(environment_id, make_request({}))

    assert crashed.outcome == "runtime_exit"
    assert crashed.error["errorMessage"].endswith("Runtime exited with error: signal: segmentation fault")
    assert after.suppressed_init and json.loads(after.response) == "alive"
    assert_host_unaffected(sandbox, environment_id)


def test_dangerous_syscalls_are_denied(sandbox):
    source = """
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    CALLS = {
        "ptrace": (101, 0, 0, 0, 0), "unshare_user": (272, 0x10000000), "mount": (165, 0, 0, 0, 0, 0),
        "keyctl": (250, 0, 0, 0, 0), "io_uring_setup": (425, 1, 0), "bpf": (321, 0, 0, 0),
        "vsock": (41, 40, 1, 0), "netlink": (41, 16, 3, 0), "clone_newns": (56, 0x00020000 | 17, 0, 0, 0),
        "unshare_net": (272, 0x40000000), "setns": (308, 0, 0),
    }
    def lambda_handler(event, context):
        outcome = {}
        for name, args in CALLS.items():
            ctypes.set_errno(0)
            result = libc.syscall(*args)
            outcome[name] = [result, ctypes.get_errno()]
        return outcome
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert {name: value[1] for name, value in answer.items()} == {
        "ptrace": 1,
        "unshare_user": 1,
        "mount": 1,
        "keyctl": 1,
        "io_uring_setup": 38,
        "bpf": 1,
        "vsock": 97,
        "netlink": 97,
        "clone_newns": 1,
        "unshare_net": 1,
        "setns": 1,
    }
    assert all(value[0] == -1 for value in answer.values())
    assert_host_unaffected(sandbox, environment_id)


def test_only_the_environments_own_processes_are_visible_and_killable(sandbox, daemon_pid):
    source = """
    import os, signal
    def lambda_handler(event, context):
        kills = {}
        for pid in (os.getppid(), event["daemon"], 1, 300):
            try:
                os.kill(pid, signal.SIGKILL)
                kills[pid] = "killed"
            except OSError as error:
                kills[pid] = error.errno
        return {"pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), "ppid": os.getppid(),
                "kills": kills}
    """
    environment_id, _, (result,) = run(sandbox, source, {"daemon": daemon_pid})

    answer = body(result)

    assert answer["pids"] == [1, 2] and answer["ppid"] == 1
    assert "killed" not in answer["kills"].values()
    assert client.ping(sandbox.path)["pid"] == daemon_pid
    assert_host_unaffected(sandbox, environment_id)


def test_kill_minus_one_only_reaches_the_environments_own_children(sandbox):
    source = """
    import os, signal, time
    def lambda_handler(event, context):
        children = []
        for _ in range(3):
            pid = os.fork()
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            children.append(pid)
        os.kill(-1, signal.SIGKILL)
        return [os.waitpid(pid, 0)[1] & 0x7F for pid in children]
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == [9, 9, 9]
    assert client.ping(sandbox.path)["ok"]
    assert_host_unaffected(sandbox, environment_id)


THREAD_TICKER = """
import threading, time
TICKS = [0]
def tick():
    while True:
        TICKS[0] += 1
        time.sleep(0.01)
def lambda_handler(event, context):
    if event.get("start"):
        threading.Thread(target=tick, daemon=True).start()
    return TICKS[0]
"""


def test_environment_is_frozen_between_invokes(sandbox):
    environment_id, _, (result,) = run(sandbox, THREAD_TICKER, {"start": True})
    cgroups = sandbox.describe(environment_id)["cgroup"]

    with open(os.path.join(cgroups["freezer"], "freezer.state")) as handle:
        state = handle.read().strip()

    assert result.outcome == "success"
    assert state in ("FROZEN", "FREEZING")
    assert_host_unaffected(sandbox, environment_id)


def test_background_thread_makes_no_progress_while_frozen(sandbox):
    import time

    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(THREAD_TICKER))
    sandbox.invoke(environment_id, make_request({"start": True}))
    first = json.loads(sandbox.invoke(environment_id, make_request({})).response)

    time.sleep(0.5)
    second = json.loads(sandbox.invoke(environment_id, make_request({})).response)

    assert second - first < 10  # 50 ticks would have passed unfrozen
    assert_host_unaffected(sandbox, environment_id)


def test_forged_metrics_do_not_shorten_the_measured_duration(sandbox):
    source = """
    import json, os, struct, time
    def lambda_handler(event, context):
        end = time.process_time() + 0.3
        while time.process_time() < end:
            pass
        frame = json.dumps({"type": "result", "request_id": context.aws_request_id, "outcome": "success",
                            "response": '"forged"', "error": None, "elapsed_ms": 0, "slept_ms": 0,
                            "connections": []}).encode()
        os.write(4, struct.pack(">I", len(frame)) + frame)
        time.sleep(3600)
    """
    environment_id, _, (result,) = run(sandbox, source, timeout_s=5.0)

    assert result.response == '"forged"'  # the function's own output, nothing more
    assert result.duration_ms >= 250
    assert_host_unaffected(sandbox, environment_id)


def test_giant_frame_header_is_a_protocol_violation(sandbox):
    source = """
    import os, struct, time
    def lambda_handler(event, context):
        if event.get("forge"):
            os.write(4, struct.pack(">I", 2 << 30))
            time.sleep(1)
        return "fine"
    """
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(textwrap.dedent(source)))

    forged = sandbox.invoke(environment_id, make_request({"forge": True}))
    after = sandbox.invoke(environment_id, make_request({}))

    assert forged.outcome == "runtime_exit" and "protocol" in forged.error["errorMessage"]
    assert after.suppressed_init and json.loads(after.response) == "fine"
    assert_host_unaffected(sandbox, environment_id)


def test_unserialisable_return_is_a_marshal_error(sandbox):
    source = "def lambda_handler(event, context):\n    return object()\n"
    environment_id, _, (bad, again) = run(sandbox, source, invokes=2)

    assert bad.error["errorType"] == "Runtime.MarshalError"
    assert bad.error["errorMessage"] == "Unable to marshal response: Object of type object is not JSON serializable"
    assert not again.suppressed_init
    assert_host_unaffected(sandbox, environment_id)


def test_unbounded_recursion_is_a_handler_error(sandbox):
    source = "def lambda_handler(event, context):\n    return lambda_handler(event, context)\n"
    environment_id, _, (result,) = run(sandbox, source)

    assert result.outcome == "error" and result.error["errorType"] == "RecursionError"
    assert_host_unaffected(sandbox, environment_id)


def test_deep_recursion_with_a_raised_limit_is_contained(sandbox):
    source = """
    import sys
    def down(n):
        return down(n + 1) + 1
    def lambda_handler(event, context):
        sys.setrecursionlimit(10 ** 7)
        return down(0)
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert result.outcome in ("error", "oom", "runtime_exit", "timeout")
    assert_host_unaffected(sandbox, environment_id)


def test_other_environments_tmp_and_shm_are_not_reachable(sandbox):
    writer = "def lambda_handler(event, context):\n    open('/tmp/secret-A', 'w').write('A')\n    return 1\n"
    reader = """
    import os
    def lambda_handler(event, context):
        return {"tmp": os.listdir("/tmp"), "dev": sorted(os.listdir("/dev")), "shm": os.path.exists("/dev/shm")}
    """
    first, _, _ = run(sandbox, writer)
    second, _, (result,) = run(sandbox, reader)

    answer = body(result)

    assert answer == {"tmp": [], "dev": ["null", "random", "urandom", "zero"], "shm": False}
    assert_host_unaffected(sandbox, first)
    assert_host_unaffected(sandbox, second)


def test_planted_symlink_to_a_host_file_is_never_followed_outside(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        os.symlink("/etc/shadow", "/tmp/result.json")
        try:
            return open("/tmp/result.json").read()
        except OSError as error:
            return error.errno
    """
    shadow_before = os.stat("/etc/shadow")
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == 2  # the environment has no /etc/shadow at all
    assert "root:" not in result.logs
    assert os.stat("/etc/shadow").st_mtime == shadow_before.st_mtime
    assert_host_unaffected(sandbox, environment_id)


def test_web_app_modules_are_not_importable(sandbox):
    source = """
    import importlib
    def lambda_handler(event, context):
        outcome = {}
        for name in ("django", "celery", "examprep.settings", "requests", "sandbox.runtime.daemon", "redis"):
            try:
                importlib.import_module(name)
                outcome[name] = "imported"
            except ImportError as error:
                outcome[name] = type(error).__name__
        return outcome
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert set(body(result).values()) == {"ModuleNotFoundError"}
    assert_host_unaffected(sandbox, environment_id)


def test_only_the_runtime_descriptors_are_inherited(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result)[:5] == [0, 1, 2, 3, 4] and len(body(result)) == 6  # plus the listing's own descriptor
    assert_host_unaffected(sandbox, environment_id)


def test_memory_holds_no_other_functions_code(sandbox):
    import hashlib

    marker = f"SECRET-{uuid.uuid4().hex}"
    first, _, _ = run(sandbox, f"TOKEN = '{marker}'\ndef lambda_handler(event, context):\n    return 1\n")
    # The scanner gets only a hash of the marker, so the marker itself is never in its memory.
    source = """
    import ctypes, gc, hashlib, re
    PATTERN = re.compile(rb"SECRET-[0-9a-f]{32}")
    def lambda_handler(event, context):
        ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE, so /proc/self/mem opens
        def matches(data, wanted=event["sha256"]):
            return sum(1 for found in PATTERN.findall(data) if hashlib.sha256(found).hexdigest() == wanted)
        hits = sum(matches(item.encode()) for item in gc.get_objects() if isinstance(item, str) and "SECRET-" in item)
        own = sum(matches(item.encode(), event["own"]) for item in gc.get_objects() if isinstance(item, str))
        scanned = 0
        with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb") as mem:
            for line in maps:
                span, perms = line.split()[:2]
                if "r" not in perms or "[vvar]" in line or "[vsyscall]" in line:
                    continue
                start, end = (int(x, 16) for x in span.split("-"))
                try:
                    mem.seek(start)
                    data = mem.read(end - start)
                except OSError:
                    continue
                scanned += len(data)
                hits += matches(data)
                own += matches(data, event["own"])
        return {"hits": hits, "own": own, "scanned_mib": scanned >> 20}
    """
    own_marker = f"SECRET-{uuid.uuid4().hex}"  # a positive control: the scanner must find its own token
    source = f"OWN_TOKEN = '{own_marker}'\n" + textwrap.dedent(source)
    digest, own = (hashlib.sha256(value.encode()).hexdigest() for value in (marker, own_marker))
    second, _, (result,) = run(sandbox, source, {"sha256": digest, "own": own}, memory_mb=256)

    answer = body(result)

    assert answer["hits"] == 0 and answer["own"] >= 2 and answer["scanned_mib"] >= 5
    assert_host_unaffected(sandbox, first)
    assert_host_unaffected(sandbox, second)


def test_setuid_binaries_do_not_give_root(sandbox):
    source = """
    import os, subprocess
    def lambda_handler(event, context):
        run = subprocess.run(["/usr/bin/mount", "-t", "tmpfs", "none", "/tmp"], capture_output=True)
        su = subprocess.run(["/usr/bin/su", "-c", "id"], capture_output=True, stdin=subprocess.DEVNULL)
        return {"mount": run.returncode, "su": su.returncode, "euid": os.geteuid()}
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert answer["mount"] != 0 and answer["su"] != 0 and answer["euid"] >= 200_000
    assert_host_unaffected(sandbox, environment_id)


def test_forged_oversized_response_is_rejected(sandbox):
    source = """
    import json, os, struct, time
    def lambda_handler(event, context):
        frame = json.dumps({"type": "result", "request_id": context.aws_request_id, "outcome": "success",
                            "response": "x" * (7 << 20), "elapsed_ms": 1}).encode()
        os.write(4, struct.pack(">I", len(frame)) + frame)
        time.sleep(3600)
    """
    environment_id, _, (result,) = run(sandbox, source, timeout_s=5.0)

    assert result.outcome in ("error", "runtime_exit")
    assert result.response is None
    assert_host_unaffected(sandbox, environment_id)


def test_exit_calls_are_runtime_exits(sandbox):
    source = """
    import os, sys
    def lambda_handler(event, context):
        if event.get("how") == "os":
            os._exit(3)
        sys.exit(4)
    """
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(textwrap.dedent(source)))

    hard = sandbox.invoke(environment_id, make_request({"how": "os"}))
    soft = sandbox.invoke(environment_id, make_request({"how": "sys"}))

    assert hard.error["errorMessage"].endswith("Runtime exited with error: exit status 3")
    assert soft.error["errorMessage"].endswith("Runtime exited with error: exit status 4")
    assert soft.suppressed_init
    assert_host_unaffected(sandbox, environment_id)


@pytest.mark.parametrize("module_code", ["import time\ntime.sleep(30)\n", "while True:\n    pass\n"])
def test_init_past_its_limit_times_out(sandbox, module_code):
    environment_id = new_environment_id()

    init = sandbox.create(
        environment_id, make_spec(module_code + "def lambda_handler(e, c):\n    return 1\n", init_limit_s=1.0)
    )

    assert not init.ok and init.status == "timeout" and init.init_duration_ms == 1000.0
    assert_host_unaffected(sandbox, environment_id)


def test_hostname_clock_and_priority_changes_are_denied(sandbox):
    source = """
    import ctypes, os, socket
    def lambda_handler(event, context):
        libc = ctypes.CDLL(None, use_errno=True)
        outcome = {}
        outcome["sethostname"] = libc.sethostname(b"evil", 4), ctypes.get_errno()
        outcome["clock_settime"] = libc.clock_settime(0, (ctypes.c_long * 2)(0, 0)), ctypes.get_errno()
        try:
            os.nice(-20)
            outcome["nice"] = "raised"
        except OSError as error:
            outcome["nice"] = error.errno
        outcome["hostname"] = socket.gethostname()
        return outcome
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert answer["sethostname"] == [-1, 1] and answer["clock_settime"] == [-1, 1] and answer["nice"] == 1
    assert answer["hostname"] == "sandbox"
    assert socket.gethostname() != "evil"
    assert_host_unaffected(sandbox, environment_id)


def test_large_sysv_shared_memory_is_refused(sandbox):
    source = """
    import ctypes
    def lambda_handler(event, context):
        libc = ctypes.CDLL(None, use_errno=True)
        segment = libc.shmget(0, 64 << 20, 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT
        return [segment, ctypes.get_errno()]
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == [-1, 22]  # EINVAL: over this namespace's shmmax
    assert_host_unaffected(sandbox, environment_id)


def test_proc_shows_only_the_environment(sandbox, daemon_pid):
    source = """
    import os
    def lambda_handler(event, context):
        mounts = open("/proc/self/mountinfo").read().splitlines()
        return {"pids": [p for p in os.listdir("/proc") if p.isdigit()], "mounts": len(mounts),
                "daemon": os.path.exists(f"/proc/{event['daemon']}")}
    """
    environment_id, _, (result,) = run(sandbox, source, {"daemon": daemon_pid})

    answer = body(result)

    assert sorted(answer["pids"]) == ["1", "2"] and answer["mounts"] < 32 and not answer["daemon"]
    assert_host_unaffected(sandbox, environment_id)


def test_file_locks_on_shared_files_are_released_at_teardown(sandbox):
    source = """
    import fcntl
    HANDLE = open("/usr/lib/python3.11/os.py")
    def lambda_handler(event, context):
        try:
            fcntl.flock(HANDLE, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return "locked"
        except OSError as error:
            return error.errno
    """
    holder, _, (held,) = run(sandbox, source)
    assert_host_unaffected(sandbox, holder)

    waiter, _, (after,) = run(sandbox, source)

    assert body(held) == "locked" and body(after) == "locked"
    assert_host_unaffected(sandbox, waiter)


def test_thread_running_at_a_timeout_is_killed_and_tmp_survives(sandbox):
    source = """
    import os, threading, time
    def ticker():
        n = 0
        while True:
            n += 1
            with open("/tmp/ticks", "w") as handle:
                handle.write(str(n))
            time.sleep(0.01)
    def lambda_handler(event, context):
        if event.get("start"):
            threading.Thread(target=ticker, daemon=True).start()
            while True:
                pass
        first = open("/tmp/ticks").read()
        time.sleep(0)
        import time as t
        end = t.process_time() + 0.1
        while t.process_time() < end:
            pass
        return [first, open("/tmp/ticks").read()]
    """
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec(textwrap.dedent(source), timeout_s=1.0))

    timed_out = sandbox.invoke(environment_id, make_request({"start": True}))
    after = sandbox.invoke(environment_id, make_request({}))

    first, second = json.loads(after.response)
    assert timed_out.outcome == "timeout"
    assert after.suppressed_init and first == second  # the file survived; nobody writes it any more
    assert_host_unaffected(sandbox, environment_id)


def test_code_cannot_be_changed_by_the_handler(sandbox):
    source = """
    def lambda_handler(event, context):
        try:
            open("/var/task/lambda_function.py", "w").write("def lambda_handler(e, c):\\n    return 'owned'\\n")
            return "rewritten"
        except OSError as error:
            return error.errno
    """
    environment_id, _, (first, second) = run(sandbox, source, invokes=2)

    assert body(first) == 30 and body(second) == 30
    assert_host_unaffected(sandbox, environment_id)


def test_forged_request_id_is_a_protocol_violation(sandbox):
    source = """
    import json, os, struct, time
    def lambda_handler(event, context):
        frame = json.dumps({"type": "result", "request_id": "someone-else", "outcome": "success",
                            "response": "1", "elapsed_ms": 1}).encode()
        os.write(4, struct.pack(">I", len(frame)) + frame)
        time.sleep(3600)
    """
    environment_id, _, (result,) = run(sandbox, source, timeout_s=5.0)

    assert result.outcome == "runtime_exit" and "protocol" in result.error["errorMessage"]
    assert_host_unaffected(sandbox, environment_id)


def test_abstract_unix_sockets_do_not_cross_environments(sandbox):
    listener = """
    import socket
    SERVER = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    SERVER.bind("\\0examprep-rendezvous")
    SERVER.listen(1)
    def lambda_handler(event, context):
        return "listening"
    """
    caller = """
    import socket
    def lambda_handler(event, context):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect("\\0examprep-rendezvous")
            return "connected"
        except OSError as error:
            return error.errno
    """
    first, _, (listening,) = run(sandbox, listener)
    second, _, (result,) = run(sandbox, caller)

    assert body(listening) == "listening" and body(result) == 111  # ECONNREFUSED
    assert_host_unaffected(sandbox, first)
    assert_host_unaffected(sandbox, second)


def test_inotify_is_denied_so_other_environments_file_use_cannot_be_watched(sandbox):
    source = """
    import ctypes
    def lambda_handler(event, context):
        libc = ctypes.CDLL(None, use_errno=True)
        results = []
        for call in (libc.inotify_init, lambda: libc.inotify_init1(0)):
            results.append([call(), ctypes.get_errno()])
        return results
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == [[-1, 1], [-1, 1]]  # EPERM
    libc = ctypes.CDLL(None, use_errno=True)
    probe = libc.inotify_init()
    assert probe >= 0
    os.close(probe)
    assert_host_unaffected(sandbox, environment_id)


# --- more cases of our own -----------------------------------------------------------------------------------------


def test_no_capabilities_and_no_way_back_to_root(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
        try:
            os.setuid(0)
            setuid = "root"
        except OSError as error:
            setuid = error.errno
        return {"cap": status["CapEff"].strip(), "nnp": status["NoNewPrivs"].strip(),
                "seccomp": status["Seccomp"].strip(), "setuid": setuid}
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == {"cap": "0000000000000000", "nnp": "1", "seccomp": "2", "setuid": 1}
    assert_host_unaffected(sandbox, environment_id)


def test_env_init_is_out_of_reach(sandbox):
    source = """
    import ctypes, os
    def lambda_handler(event, context):
        outcome = {}
        for path in ("/proc/1/environ", "/proc/1/root/", "/proc/1/mem"):
            try:
                os.listdir(path) if path.endswith("/") else open(path, "rb").read(1)
                outcome[path] = "read"
            except OSError as error:
                outcome[path] = error.errno
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        outcome["ptrace"] = libc.syscall(101, 16, 1, 0, 0), ctypes.get_errno()  # PTRACE_ATTACH
        return outcome
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert "read" not in answer.values() and answer["ptrace"] == [-1, 1]
    assert_host_unaffected(sandbox, environment_id)


def test_device_nodes_and_proc_sys_cannot_be_created_or_written(sandbox):
    source = """
    import os
    def lambda_handler(event, context):
        outcome = {}
        try:
            os.mknod("/tmp/disk", 0o600 | 0o060000, os.makedev(8, 0))
            outcome["mknod"] = "made"
        except OSError as error:
            outcome["mknod"] = error.errno
        try:
            open("/proc/sys/kernel/shmmax", "w").write("1")
            outcome["sysctl"] = "written"
        except OSError as error:
            outcome["sysctl"] = error.errno
        return outcome
    """
    environment_id, _, (result,) = run(sandbox, source)

    answer = body(result)

    assert answer["mknod"] == 1 and answer["sysctl"] in (13, 30)
    assert_host_unaffected(sandbox, environment_id)


def test_the_daemon_redecides_connections_the_shim_would_allow(sandbox):
    source = f"""
    import json, socket, struct
    def lambda_handler(event, context):
        link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        link.connect("/var/runtime/net.sock")
        ask = json.dumps({{"host": "127.0.0.1", "port": 6379}}).encode()
        link.sendall(struct.pack(">I", len(ask)) + ask)
        answer = link.recv(1)
        try:
            link.sendall(b"SET {REDIS_KEY} 1\\r\\n")
        except OSError:
            pass
        return answer.decode()
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) != "+"
    assert_host_unaffected(sandbox, environment_id)


def test_code_file_names_cannot_escape_the_code_directory(sandbox):
    environment_id = new_environment_id()
    os.makedirs(HOST_CANARY_DIR, exist_ok=True)
    escape = f"../../../..{HOST_CANARY_DIR}/planted.py"

    with pytest.raises(RuntimeError, match="plain relative path"):
        sandbox.create(environment_id, make_spec(code={"lambda_function.py": "x = 1\n", escape: "x = 2\n"}))

    assert not os.path.exists(f"{HOST_CANARY_DIR}/planted.py")
    assert client.ping(sandbox.path)["ok"]


def test_a_descendant_left_running_dies_with_the_environment(sandbox):
    source = """
    import os, time
    def lambda_handler(event, context):
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(3600)
            os._exit(0)
        return "spawned"
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == "spawned"
    assert_host_unaffected(sandbox, environment_id)


def test_daemon_socket_is_private(sandbox):
    mode = os.stat(sandbox.path).st_mode & 0o777

    assert mode == 0o600
    assert os.stat(sandbox.path).st_uid == 0
