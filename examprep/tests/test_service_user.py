"""``make run`` as root: the web and worker processes of the Procfile run as the service user, not as root."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(name: str, port: int) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, _, command = line.partition(":")
        if key == name:
            return shlex.split(command.replace("$PORT", str(port)))
    raise LookupError(f"no {name} line in the Procfile")


def session_processes(session: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) == session:  # field 6 of stat, counted after the command name
                    found.append(int(entry.name))
    return found


def identity(pid: int) -> tuple[set[int], set[int]]:
    """The uids (real, effective, saved, filesystem) and supplementary groups of a process."""
    uids: set[int] = set()
    groups: set[int] = set()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            uids = {int(value) for value in line.split()[1:]}
        if line.startswith("Groups:"):
            groups = {int(value) for value in line.split()[1:]}
    return uids, groups


def port_answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_make_run_as_root_runs_the_web_and_the_worker_as_the_service_user():
    prepared = subprocess.run(
        [sys.executable, "-m", "examprep.service_user", "--prepare"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert prepared.returncode == 0, prepared.stderr
    port = free_port()
    env = {
        **os.environ,
        "EXAMPREP_SERVICE_USER": "examprep",
        "PORT": str(port),
        "REDIS_KEY_PREFIX": f"examprep-split-test-{uuid.uuid4().hex[:8]}:",  # consumes no one else's tasks
    }
    web = subprocess.Popen(
        procfile_command("web", port), cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL
    )
    worker = subprocess.Popen(
        procfile_command("worker", port), cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (
            port_answers(port) and len(session_processes(worker.pid)) >= 3 and len(session_processes(web.pid)) >= 3
        ):
            assert web.poll() is None and worker.poll() is None, "a process ended early"
            time.sleep(0.2)
        web_ids = [identity(pid) for pid in session_processes(web.pid)]
        worker_ids = [identity(pid) for pid in session_processes(worker.pid)]
    finally:
        for process in (web, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    service_uid = pwd.getpwnam("examprep").pw_uid
    sandbox_gid = grp.getgrnam("examprep-sandbox").gr_gid
    assert port_answers(port) is False
    assert len(web_ids) >= 3  # the gunicorn arbiter and its two workers
    assert len(worker_ids) >= 3  # the Celery worker and its two pool processes
    assert all(uids == {service_uid} for uids, _groups in web_ids + worker_ids)
    assert all(sandbox_gid in groups for _uids, groups in worker_ids)
