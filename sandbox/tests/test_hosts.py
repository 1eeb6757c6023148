"""More than one host: two worker "hosts", each a prefork ``celery worker`` with its own sandbox daemon on
its own socket, sharing one database and one Redis (``support.Stack``).

A run lands on whichever worker takes its message; a warm environment lives in one host's daemon, so a
run taken by the other host starts cold, as on Lambda. A host killed mid-run (worker, pool and daemon
at once) leaves its message unacknowledged: Redis hands it to the other host after the visibility
timeout, which takes the run over and finishes it once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import uuid
from pathlib import Path

import pytest

from sandbox import executors, locks
from sandbox.runtime import client as daemon_client
from sandbox.tests.support import SPIN_CODE, Stack, wait_for

pytestmark = pytest.mark.celery

VISIBILITY_TIMEOUT_S = 15  # how long Redis waits before it hands a dead worker's message to another


class Host:
    """One "host": a celery worker and the daemon it starts on its own socket."""

    def __init__(self, stack: Stack, name: str):
        self.name = name
        self.socket = f"/run/examprep-test-{uuid.uuid4().hex[:8]}/sandbox.sock"
        self.worker = stack.start_worker(name, SANDBOX_SOCKET=self.socket)

    def has_environment(self, workspace: str, environment_id: str) -> bool:
        executor = daemon_client.DaemonExecutor(self.socket, owner=executors.app_owner())
        try:
            executor.describe(f"w{uuid.UUID(workspace).hex}-{environment_id}")
        except Exception:  # noqa: BLE001 - EnvironmentGone: this host's daemon never had it
            return False
        finally:
            executor.close()
        return True

    def runs_pid(self, pid: int) -> bool:
        """Whether ``pid`` is this host's worker or one of its pool's children."""
        stat = Path(f"/proc/{pid}/stat").read_text()
        parent = int(stat.rpartition(")")[2].split()[1])
        return pid == self.worker.process.pid or parent == self.worker.process.pid

    def stop(self) -> None:
        """Stop the worker; the host's daemon, and the environments in it, stay."""
        self.worker.stop()

    def start(self, stack: Stack) -> None:
        self.worker = stack.start_worker(self.name, SANDBOX_SOCKET=self.socket)

    def kill(self) -> None:
        """The machine is gone: its worker, the worker's children and its daemon, all at once."""
        self.worker.kill()
        self.kill_daemon()

    def kill_daemon(self) -> None:
        answer = daemon_client.ping(self.socket)
        if answer:
            with contextlib.suppress(ProcessLookupError):
                os.kill(answer["pid"], signal.SIGKILL)
        shutil.rmtree(os.path.dirname(self.socket), ignore_errors=True)


@pytest.fixture
def stack(tmp_path):
    made = Stack(tmp_path, {"functions": {"spin": {"code": SPIN_CODE, "timeout_s": 30}}})
    made.env["CELERY_VISIBILITY_TIMEOUT"] = str(VISIBILITY_TIMEOUT_S)
    made.env.pop("SANDBOX_SOCKET", None)
    made.setup()
    hosts: list[Host] = []
    made.hosts = hosts
    yield made
    made.stop()
    for host in hosts:
        host.kill_daemon()


def start_hosts(stack: Stack, *names: str) -> list[Host]:
    started = [Host(stack, name) for name in names]
    stack.hosts.extend(started)
    return started


def invoke(n: int, cpu_s: float = 0) -> list:
    return [{"invoke": {"function": "spin", "payload": {"n": n, "cpu_s": cpu_s}}}]


def warm_env(stack: Stack, run_id: str) -> str:
    [result] = stack.drive("status", run_id)
    return result["trace"]["attempts"][0]["environment_id"]


def test_runs_complete_on_either_host_and_a_warm_environment_stays_on_its_host(stack):
    [host_a] = start_hosts(stack, "host-a")
    first = stack.start_run("invoke", invoke(1))
    stack.wait_finished(first)
    second = stack.start_run("invoke", invoke(2))
    stack.wait_finished(second)

    host_a.stop()  # only host b takes messages now
    [host_b] = start_hosts(stack, "host-b")
    third = stack.start_run("invoke", invoke(3))
    stack.wait_finished(third)
    host_a.start(stack)
    later = [stack.start_run("invoke", invoke(n)) for n in (4, 5, 6)]
    for run_id in later:
        stack.wait_finished(run_id)

    results = stack.drive("status", first, second, third, *later)
    attempts = [result["trace"]["attempts"][0] for result in results]
    on_a = attempts[0]["environment_id"]
    assert [result["status"] for result in results] == ["done"] * 6
    assert [a["cold_start"] for a in attempts[:3]] == [True, False, True]
    assert attempts[1]["environment_id"] == on_a != attempts[2]["environment_id"]
    assert results[2]["trace"]["recycled_environments"] == [on_a]
    assert host_a.has_environment(stack.workspace, on_a) and not host_b.has_environment(stack.workspace, on_a)
    assert host_b.has_environment(stack.workspace, attempts[2]["environment_id"])
    assert [r["trace"]["responses"][0]["payload"] for r in results] == [{"n": n} for n in range(1, 7)]
    state = stack.drive("workspace", stack.workspace)["state"]
    assert state["trace"]["metrics"]["spin"]["invocations"] == 6


def test_a_killed_hosts_run_is_redelivered_to_the_other_host_and_finishes_once(stack):
    hosts = start_hosts(stack, "host-a", "host-b")
    warm_up = stack.start_run("invoke", invoke(1))
    stack.wait_finished(warm_up)
    run_id = stack.start_run("invoke", invoke(2, cpu_s=3))
    lock_key = locks.key(uuid.UUID(stack.workspace))
    holder = wait_for(
        lambda: stack.row(run_id)[0] == "running" and stack.redis.client().get(lock_key),
        60,
        "a worker to start the run",
    )
    pid = int(holder.decode().split(":")[1])
    [doomed] = [host for host in hosts if host.runs_pid(pid)]
    [survivor] = [host for host in hosts if host is not doomed]
    warm_on_survivor = survivor.has_environment(stack.workspace, warm_env(stack, warm_up))

    doomed.kill()
    stack.wait_finished(run_id, timeout_s=VISIBILITY_TIMEOUT_S + 90)
    after = stack.start_run("invoke", invoke(3))
    stack.wait_finished(after)

    taken_over, next_run = stack.drive("status", run_id, after)
    state = stack.drive("workspace", stack.workspace)["state"]
    assert taken_over["status"] == "done"
    assert taken_over["deliveries"] == 2
    assert [a["outcome"] for a in taken_over["trace"]["attempts"]] == ["success"]
    assert taken_over["trace"]["attempts"][0]["cold_start"] is not warm_on_survivor  # warm only where it ran
    assert taken_over["trace"]["responses"][0]["payload"] == {"n": 2}
    assert next_run["status"] == "done" and next_run["deliveries"] == 1
    assert state["trace"]["metrics"]["spin"]["invocations"] == 3  # each run applied exactly once
    assert run_id in survivor.worker.log.read_text()
