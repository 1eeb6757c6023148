"""Hostile-handler cases about what an environment's own processes can do and see: env-init's privileges,
/tmp's size without cgroups, the host's /usr, and log floods next to a timeout."""

from __future__ import annotations

import concurrent.futures
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from sandbox.runtime import client, limits
from sandbox.tests.runtime_factories import (
    assert_host_unaffected,
    body,
    make_request,
    make_spec,
    new_environment_id,
    run,
)

# Capability bits (linux/capability.h) env-init may keep: it starts runtimes under the environment's uid and
# kills or stops every process of its pid namespace.
CAP_KILL, CAP_SETGID, CAP_SETUID = 5, 6, 7
ENV_INIT_CAPABILITIES = (1 << CAP_KILL) | (1 << CAP_SETGID) | (1 << CAP_SETUID)


@pytest.fixture(scope="module")
def sandbox():
    made = client.DaemonExecutor(max_procs=64)
    yield made
    made.close()


def status_fields(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as status:
        return dict(line.rstrip("\n").split(":\t", 1) for line in status if ":\t" in line)


def test_env_init_keeps_only_the_capabilities_it_needs_and_no_new_privs(sandbox):
    environment_id = new_environment_id()
    sandbox.create(environment_id, make_spec())
    pid1 = sandbox.describe(environment_id)["pid1"]

    fields = status_fields(pid1)

    for name in ("CapEff", "CapPrm", "CapBnd"):
        assert int(fields[name], 16) & ~ENV_INIT_CAPABILITIES == 0, (name, fields[name])
    assert int(fields["CapInh"], 16) == int(fields["CapAmb"], 16) == 0
    assert fields["NoNewPrivs"].strip() == "1"
    assert_host_unaffected(sandbox, environment_id)


# --- rlimits-only mode: a daemon that finds no cgroup hierarchy ------------------------------------------------


@pytest.fixture(scope="module")
def rlimits_sandbox():
    """A daemon of this checkout in its own mount namespace where /sys/fs/cgroup is an empty tmpfs, so it picks
    the rlimits-only mode exactly as on a host without usable cgroups."""
    directory = f"/run/examprep/test-rlimits-{secrets.token_hex(4)}"
    os.makedirs(directory, mode=0o700)
    path = f"{directory}/sandbox.sock"
    command, program = client.daemon_command(path)
    hide_cgroups = 'mount -t tmpfs -o size=1m no-cgroups /sys/fs/cgroup && exec /usr/bin/env -i "$@"'
    with open(f"{directory}/daemon.log", "ab") as log:
        subprocess.Popen(
            ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", hide_cgroups, "sh", *command],
            env={},
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            pass_fds=(program,),
            start_new_session=True,
        )
    os.close(program)
    answer = None
    for _ in range(1000):
        answer = client.ping(path)
        if answer:
            break
        time.sleep(0.01)
    assert answer, Path(directory, "daemon.log").read_text()
    made = client.DaemonExecutor(path=path, max_procs=64)
    yield made, answer
    made.close()
    client.stop_daemon(answer, path)
    shutil.rmtree(directory, ignore_errors=True)


FILL_TMP = """
import errno, os
def lambda_handler(event, context):
    chunk = b"x" * (1024 * 1024)
    written = 0
    for number in range(1000):
        with open(f"/tmp/fill-{number // 8}", "ab") as handle:
            try:
                handle.write(chunk)
                handle.flush()
            except OSError as error:
                return {"written_mib": written, "errno": errno.errorcode[error.errno]}
        written += 1
    return {"written_mib": written, "errno": None}
"""


def test_without_cgroups_writing_past_the_ephemeral_storage_size_fails_with_enospc(rlimits_sandbox):
    sandbox, answer = rlimits_sandbox
    environment_id, _, (result,) = run(sandbox, FILL_TMP, ephemeral_storage_mb=32)

    filled = body(result)

    assert answer["mode"] == "root-rlimits"
    assert filled["errno"] == "ENOSPC"
    assert 30 <= filled["written_mib"] <= 32
    assert_host_unaffected(sandbox, environment_id)


def test_without_cgroups_tmp_counts_toward_the_memory_a_student_reserves(rlimits_sandbox):
    sandbox, _ = rlimits_sandbox
    spec = make_spec(memory_mb=128, ephemeral_storage_mb=limits.MEMORY_PER_CLIENT_MB)

    with pytest.raises(client.SandboxFull, match="Too much memory reserved"):
        sandbox.create(new_environment_id(), spec)


# --- the host's /usr ----------------------------------------------------------------------------------------------


@pytest.fixture
def files_in_usr_src():
    token = secrets.token_hex(6)
    made = [f"/usr/src/examprep-app-{token}.sqlite3", f"/usr/local/src/examprep-app-{token}.sqlite3"]
    for path in made:
        Path(path).write_text("students' data\n")
    yield made
    for path in made:
        Path(path).unlink(missing_ok=True)


def test_source_trees_under_usr_of_the_host_are_not_visible(sandbox, files_in_usr_src):
    source = """
    import os
    def lambda_handler(event, context):
        seen = {}
        for directory in ("/usr/src", "/usr/local/src"):
            seen[directory] = sorted(os.listdir(directory)) if os.path.isdir(directory) else None
        seen["readable"] = [path for path in event["paths"] if os.path.exists(path)]
        return seen
    """
    environment_id, _, (result,) = run(sandbox, source, {"paths": files_in_usr_src})

    seen = body(result)

    assert seen == {"/usr/src": [], "/usr/local/src": [], "readable": []}
    assert_host_unaffected(sandbox, environment_id)


# --- log floods ---------------------------------------------------------------------------------------------------

LOG_FLOOD = """
import os, sys
def lambda_handler(event, context):
    line = "x" * 4095 + "\\n"
    for _ in range(8):
        if os.fork() == 0:
            while True:
                os.write(1, line.encode())
    while True:
        sys.stdout.write(line)
"""
SPIN = """
def lambda_handler(event, context):
    while True:
        pass
"""


def test_a_timeout_fires_on_time_while_other_environments_flood_their_logs(sandbox):
    floods = [new_environment_id() for _ in range(4)]
    for environment_id in floods:
        sandbox.create(environment_id, make_spec(LOG_FLOOD, timeout_s=8.0))
    spinner = new_environment_id()
    sandbox.create(spinner, make_spec(SPIN, timeout_s=1.0))
    # The spinner's call may wait a few seconds, not the floods' 8 s: a starved loop would miss its deadline.
    impatient = client.DaemonExecutor(path=sandbox.path, owner=sandbox.owner, max_procs=64)
    impatient.call_timeout_s = 5.0

    with concurrent.futures.ThreadPoolExecutor(len(floods)) as pool:
        flooding = [pool.submit(sandbox.invoke, environment_id, make_request()) for environment_id in floods]
        time.sleep(1.0)  # every flood is writing by now
        result = impatient.invoke(spinner, make_request())
        flooded = [future.result() for future in flooding]

    assert result.outcome == "timeout" and result.duration_ms == 1000.0
    assert "real time" not in result.error["errorMessage"]
    assert all(each.outcome == "timeout" and each.logs for each in flooded)
    impatient.close()
    for environment_id in (*floods, spinner):
        assert_host_unaffected(sandbox, environment_id)


# --- the syscall filter is an allow-list ----------------------------------------------------------------------


def test_syscalls_the_filter_does_not_list_fail_with_enosys_even_ones_newer_than_libseccomp(sandbox):
    source = """
    import ctypes
    def lambda_handler(event, context):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        results = {}
        for name, number in (("get_mempolicy", 239), ("statmount", 457), ("listmount", 458),
                             ("open_tree_attr", 467)):
            ctypes.set_errno(0)
            results[name] = [libc.syscall(number, 0, 0, 0, 0, 0), ctypes.get_errno()]
        return results
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == {name: [-1, 38] for name in ("get_mempolicy", "statmount", "listmount", "open_tree_attr")}
    assert_host_unaffected(sandbox, environment_id)


def test_ioctl_is_allowed_for_every_request_but_tiocsti(sandbox):
    source = """
    import ctypes, os
    def lambda_handler(event, context):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        read_end, _ = os.pipe()
        waiting, char = ctypes.c_int(-1), ctypes.c_char(b"x")
        answers = {}
        for name, request, argument in (("FIONREAD", 0x541B, waiting), ("TIOCSTI", 0x5412, char),
                                        ("TIOCSTI, high bits set", (1 << 32) | 0x5412, char)):
            ctypes.set_errno(0)
            answers[name] = [libc.syscall(ctypes.c_long(16), ctypes.c_long(read_end), ctypes.c_ulong(request),
                                          ctypes.byref(argument)), ctypes.get_errno()]
        return answers
    """
    environment_id, _, (result,) = run(sandbox, source)

    assert body(result) == {"FIONREAD": [0, 0], "TIOCSTI": [-1, 1], "TIOCSTI, high bits set": [-1, 1]}
    assert_host_unaffected(sandbox, environment_id)
