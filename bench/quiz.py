"""Answer-save throughput and latency of a timed practice test on PostgreSQL, under gunicorn.

Usage: .venv/bin/python bench/quiz.py [--seconds 10] [--clients 32] [--workers 2] [--threads 1]
       (DATABASE_URL names the PostgreSQL server; default postgres://postgres@127.0.0.1:5432/test)

A throwaway database (examprep_bench_quiz) is created on that server, migrated and filled with a synthetic bank;
each of the clients is a different logged-in student with an open quick test, saving answers (the htmx autosave
request, keep-alive connection) to random questions as fast as the server answers. The database is dropped at
the end. Two runs: saturated (every client saves back to back: answer_save_rps and answer_save_p95_ms) and
paced (every client saves once per --paced-interval seconds, like a fast student: paced_p95_ms). Prints one
JSON object with those figures, p50/p99, errors, the settings used and the machine's load average.

Where the floor is. A saturated closed loop obeys Little's law: every client waits for its answer before it
sends again, so the mean latency is clients / throughput, and the throughput is at most the machine's cores
divided by the CPU one save costs. The saturated run therefore also reports the CPU time one save costs, from
the kernel's accounting of the gunicorn workers, the PostgreSQL backends serving the bench's database, and
this client (``cpu_ms_per_save``, split in ``cpu_ms_per_save_by_process``), and the latency this puts under
any p50: ``floor_p50_ms`` = clients x cpu_ms_per_save / cores. Measured on the project's 2-core machine
(load average 5.5 from other work): 2.9 ms of web CPU per save (Django's middleware, the session read from Redis,
loading the user, the one UPDATE, rendering the partial, gunicorn's parsing and writing), 0.55 ms of PostgreSQL
and 0.13 ms of this client, 3.6 ms in all; so 32 saturating clients cannot see a p50 under 32 x 3.6 / 2 = 58 ms
however the save is written (measured p50 72 ms, p95 164 ms; 69 ms p95 on a quiet machine). A second run, load
average 6.7: 3.86 ms per save (web 3.13), floor 62 ms, p50 180 ms, p95 333 ms. Load average 1.9: 3.86 ms, p50
126 ms, p95 227 ms at 218 saves/s; with --threads 4 (a worker's threads overlap the round trips) 3.96 ms, floor
63 ms, 400 saves/s, p50 103 ms, p95 161 ms. A p95 under 30 ms
with 32 saturating clients needs under about 1.5 ms of CPU per save in all. A py-spy profile of the web workers
in the saturated run: a third of their samples load the user (the session from Redis, then the user's row), a
quarter is the save's one UPDATE, a sixth is gunicorn and Django's request handling around the view; most of
each is the system calls of those three round trips, not Python building queries. The save is already one
statement; the two reads before it are Django's authentication of every request. So the goal is met by adding
cores (more web hosts, docs/deploy.md), not by the save path. The paced
run (a save per client per second, far above a real class's rate) shows the latency a student meets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from servers import drop_redis_keys, free_port, wait_until_up  # bench/servers.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
BENCH_DB = "examprep_bench_quiz"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def admin_sql(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


def prepare(clients: int) -> list[dict]:
    """Migrate, create a bank and one student with an open quick test per client; return their credentials."""
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from quizzes.attempts import create_items
    from quizzes.models import Attempt, Question

    call_command("migrate", "--noinput", verbosity=0)
    for topic in range(8):
        for number in range(10):
            options = [{"text": f"Option {i}", "correct": i == number % 4, "explanation": "Why."} for i in range(4)]
            Question.objects.create(
                key=f"bench-{topic}-{number}",
                topic=f"topic-{topic}",
                skill="1.2.2",
                kind="single",
                section="s",
                stem=f"Bench question {topic}-{number}?",
                options=options,
                source="bench.yaml",
            )
    ids = list(Question.objects.values_list("pk", flat=True))
    students = []
    for index in range(clients):
        user = get_user_model().objects.create(username=f"bench{index}")
        now = timezone.now()
        attempt = Attempt.objects.create(
            user=user,
            mode="quick",
            started_at=now,
            position_since=now,
            time_limit_minutes=40,
            deadline_at=now + timedelta(hours=2),
        )
        create_items(attempt, random.Random(index).sample(ids, 20))
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the model backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        students.append({"session": session.session_key, "csrf": secrets.token_hex(16), "uuid": str(attempt.uuid)})
    connections.close_all()
    return students


async def read_response(reader: asyncio.StreamReader) -> int:
    status = int((await reader.readline()).split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def student(
    port: int, who: dict, stop: float, latencies: list[float], errors: list[int], seed: int, interval: float
) -> None:
    """One student saving answers back to back (interval 0) or one every ``interval`` seconds (paced)."""
    rng = random.Random(seed)
    await asyncio.sleep(rng.random() * interval)  # paced clients start out of step
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    cookie = f"sessionid={who['session']}; csrftoken={who['csrf']}"
    try:
        while time.perf_counter() < stop:
            body = f"option={rng.randrange(4)}".encode()
            path = f"/practice/attempts/{who['uuid']}/q/{rng.randint(1, 20)}/answer/"
            request = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nX-CSRFToken: {who['csrf']}\r\n"
                f"HX-Request: true\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
            if interval:
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))
    finally:
        writer.close()


async def load(port: int, students: list[dict], seconds: float, interval: float = 0.0) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    stop = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(student(port, who, stop, latencies, errors, n, interval) for n, who in enumerate(students)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pick(share: float) -> float:
        return round(1000 * ordered[int(share * (len(ordered) - 1))], 2)

    return {
        "rps": round(len(ordered) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "requests": len(ordered),
        "errors": len(errors),
        "error_statuses": sorted(set(errors)),
    }


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the kernel has charged to a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_process(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the gunicorn workers, the PostgreSQL backends serving the bench's database, and
    this client."""
    workers = []
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        workers += [int(pid) for pid in (task / "children").read_text().split()]
    backends = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if command.startswith("postgres: ") and f" {BENCH_DB} " in command:
                backends.append(int(entry.name))
    return {
        "web": sum(cpu_seconds(pid) for pid in workers),
        "postgresql": sum(cpu_seconds(pid) for pid in backends),
        "client": sum(os.times()[:2]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--paced-interval", type=float, default=1.0, help="seconds between saves, paced run")
    options = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    admin_sql(server_url, f"DROP DATABASE IF EXISTS {BENCH_DB}")
    admin_sql(server_url, f"CREATE DATABASE {BENCH_DB}")
    env = {
        "DATABASE_URL": with_database(server_url, BENCH_DB),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # loopback HTTP, no TLS proxy in front
        "LOG_LEVEL": "WARNING",
        "SECURE_COOKIES": "0",
        "DJANGO_SETTINGS_MODULE": "examprep.settings",
        "REDIS_KEY_PREFIX": f"examprep-bench-quiz-{os.getpid()}:",  # its sessions, dropped at the end
    }
    os.environ.update(env)
    server = None
    try:
        students = prepare(options.clients)
        port = free_port()
        command = [
            PYTHON,
            "-m",
            "gunicorn",
            "examprep.wsgi",
            "--workers",
            str(options.workers),
            "--threads",
            str(options.threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--backlog",
            "512",
            "--keep-alive",
            "30",
        ]
        server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
        wait_until_up(port, server)
        asyncio.run(load(port, students[:4], 1.5))  # warm up the workers and their database connections
        cpu_before = cpu_by_process(server.pid)
        result = asyncio.run(load(port, students, options.seconds))
        cpu_after = cpu_by_process(server.pid)
        paced = asyncio.run(load(port, students, options.seconds, options.paced_interval))
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        admin_sql(server_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        drop_redis_keys(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0", env["REDIS_KEY_PREFIX"])
    cores = os.cpu_count() or 1
    per_save = {name: 1000 * (cpu_after[name] - cpu_before[name]) / max(result["requests"], 1) for name in cpu_after}
    cpu_ms_per_save = sum(per_save.values())
    print(
        json.dumps(
            {
                "answer_save_rps": result["rps"],
                "answer_save_p95_ms": result["p95_ms"],
                "answer_save_p50_ms": result["p50_ms"],
                "answer_save_p99_ms": result["p99_ms"],
                "cpu_ms_per_save": round(cpu_ms_per_save, 2),
                "cpu_ms_per_save_by_process": {name: round(value, 2) for name, value in per_save.items()},
                "floor_p50_ms": round(options.clients * cpu_ms_per_save / cores, 1),
                "paced_p95_ms": paced["p95_ms"],
                "paced_p50_ms": paced["p50_ms"],
                "paced_rps": paced["rps"],
                "paced_interval_s": options.paced_interval,
                "requests": result["requests"],
                "errors": result["errors"] + paced["errors"],
                "error_statuses": sorted(set(result["error_statuses"] + paced["error_statuses"])),
                "clients": options.clients,
                "seconds": options.seconds,
                "workers": options.workers,
                "threads": options.threads,
                "database": "postgresql",
                "cpus": os.cpu_count(),
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
