"""Factories and waiting helpers shared by the sandbox shell's tests (models, tasks, faults, challenges),
and ``Stack``: a private Redis, a SQLite file and ``celery worker`` processes for the fault and multi-host tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.contrib.auth import get_user_model
from django.db import OperationalError

from examprep.embedded_redis import server_binary
from sandbox.models import ChallengeAttempt, Run, Workspace

ECHO_CODE = "def lambda_handler(event, context):\n    return {'n': event.get('n')}\n"


def make_user(**overrides):
    fields = {"username": f"student-{uuid.uuid4().hex[:10]}"}
    fields.update(overrides)
    return get_user_model().objects.create_user(**fields)


def make_workspace(**overrides) -> Workspace:
    fields = {"name": "practice", "world": {"functions": {"echo": {"code": ECHO_CODE}}}}
    fields.update(overrides)
    if "owner" not in fields:
        fields["owner"] = make_user()
    return Workspace.objects.create(**fields)


def make_run(**overrides) -> Run:
    fields = {"kind": "invoke", "steps": [{"invoke": {"function": "echo", "payload": {"n": 1}}}]}
    fields.update(overrides)
    if "workspace" not in fields:
        fields["workspace"] = make_workspace()
    return Run.objects.create(**fields)


def make_attempt(**overrides) -> ChallengeAttempt:
    fields = {"challenge": "charge-once"}
    fields.update(overrides)
    if "run" not in fields:
        fields["run"] = make_run(kind="challenge")
    fields.setdefault("user", fields["run"].workspace.owner)
    return ChallengeAttempt.objects.create(**fields)


def wait_for(condition, timeout_s: float, what: str, every_s: float = 0.1):
    """Poll ``condition`` until it returns something true; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (OperationalError, sqlite3.OperationalError):  # a database shared with a worker is busy
            value = None
        if value:
            return value
        time.sleep(every_s)
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def finished(run: Run, timeout_s: float = 60) -> Run:
    """The run once a worker has finished it."""
    wait_for(
        lambda: Run.objects.filter(pk=run.pk, status__in=Run.FINISHED).exists(),
        timeout_s,
        f"run {run.pk} ({run.kind}) to finish",
    )
    run.refresh_from_db()
    return run


# --- a stack of real processes -----------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))
SPIN_CODE = """
import time

def lambda_handler(event, context):
    started = time.process_time()
    while time.process_time() - started < event.get("cpu_s", 0):
        pass
    return {"n": event.get("n")}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own, without persistence: a restart loses every message."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, 10, "the private redis-server")

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@dataclass
class Worker:
    """One ``celery worker`` process (and its pool's children) of a Stack."""

    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def kill(self) -> None:
        """SIGKILL the worker and its children at once, as when its machine loses power."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class Stack:
    """A file database, a private Redis, a prefork worker and the drive client, all for one test."""

    def __init__(self, directory: Path, world: dict):
        self.directory = directory
        self.redis = PrivateRedis(directory)
        self.db_path = directory / "db.sqlite3"
        # Its own SQLite file even when the suite runs on PostgreSQL: row() reads that file directly.
        inherited = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
        self.env = {
            **inherited,
            "DB_PATH": str(self.db_path),
            "REDIS_URL": self.redis.url,
            "DJANGO_SETTINGS_MODULE": "examprep.settings",
            "PYTHONPATH": str(ROOT),
        }
        self.workers: list[Worker] = []
        self.world = world
        self.workspace = None

    def drive(self, *args: str):
        done = subprocess.run(
            [PYTHON, "-m", "sandbox.tests.drive", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def setup(self) -> None:
        self.redis.start()
        self.workspace = self.drive("setup", json.dumps(self.world))["workspace"]

    @property
    def worker(self) -> subprocess.Popen | None:
        return self.workers[0].process if self.workers else None

    @property
    def worker_log(self) -> Path:
        return self.workers[0].log if self.workers else self.directory / "worker-0.log"

    def start_worker(self, name: str = "faults", **env: str) -> Worker:
        """A prefork ``celery worker`` with one child; ``env`` adds variables (e.g. its own SANDBOX_SOCKET)."""
        log_path = self.directory / f"worker-{len(self.workers)}.log"
        log = open(log_path, "ab")  # noqa: SIM115 - the worker writes to it until stopped
        process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "examprep",
                "worker",
                "-Q",
                "sandbox,default",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "-n",
                f"{name}-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that a test can kill the whole "host"
        )
        log.close()
        worker = Worker(process, log_path)
        self.workers.append(worker)
        wait_for(lambda: b"ready." in log_path.read_bytes(), 60, "the celery worker to be ready", 0.2)
        return worker

    def start_run(self, kind: str, steps: list) -> str:
        return self.drive("start", self.workspace, kind, json.dumps(steps))["run"]

    def row(self, run_id: str) -> tuple[str, int]:
        with sqlite3.connect(self.db_path, timeout=20) as db:
            return db.execute(
                "select status, deliveries from sandbox_run where id = ?", [uuid.UUID(run_id).hex]
            ).fetchone()

    def wait_finished(self, run_id: str, timeout_s: float = 90) -> None:
        wait_for(lambda: self.row(run_id)[0] in ("done", "failed"), timeout_s, f"run {run_id} to finish", 0.1)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.redis.stop()
