"""Throughput of a bare Django view and a lesson page under gunicorn (2 workers), measured in one run.

Usage: .venv/bin/python bench/pages.py [--seconds 8] [--connections 32]
Prints one JSON object: bare_rps, lesson_rps, lesson_p95_ms, ratio, and the settings used.
A throwaway SQLite database is created, migrated and loaded with the real lessons.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from servers import free_port, wait_until_up  # bench/servers.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


async def one_request(port: int, path: str) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    status = await reader.readline()
    await reader.read()
    writer.close()
    if b" 200 " not in status:
        raise RuntimeError(f"{path} answered {status!r}")
    return time.perf_counter() - started


async def load(port: int, path: str, seconds: float, connections: int) -> dict:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            latencies.append(await one_request(port, path))

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 2),
        "requests": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--lesson", default="/lessons/invocation-models/")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = os.environ | {
        "DB_PATH": str(workdir / "bench.sqlite3"),
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": "",
    }
    for command in (["migrate", "--noinput", "-v0"], ["import_lessons"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)

    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "examprep.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--backlog",
            "512",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port, server)
        asyncio.run(load(port, "/health/bare/", 1.0, 4))  # warm both workers
        asyncio.run(load(port, options.lesson, 1.0, 4))
        bare = asyncio.run(load(port, "/health/bare/", options.seconds, options.connections))
        lesson = asyncio.run(load(port, options.lesson, options.seconds, options.connections))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        json.dumps(
            {
                "bare_rps": bare["rps"],
                "lesson_rps": lesson["rps"],
                "lesson_p95_ms": lesson["p95_ms"],
                "lesson_p50_ms": lesson["p50_ms"],
                "bare_p95_ms": bare["p95_ms"],
                "ratio": round(lesson["rps"] / bare["rps"], 3),
                "connections": options.connections,
                "seconds": options.seconds,
                "workers": 2,
                "database": "sqlite",
            }
        )
    )


if __name__ == "__main__":
    main()
