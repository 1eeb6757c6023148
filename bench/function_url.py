"""How long a caller of a workspace's function URL waits for the answer. Prints JSON.

    .venv/bin/python bench/function_url.py [--requests N] [--max-seconds S]

It starts, on loopback only, its own redis-server (no persistence), a temporary SQLite database, gunicorn
(2 workers, as in the Procfile) with DEBUG off, a Celery worker (prefork, 2 processes) and its own sandbox
daemon on a socket of its own (stopped at the end). Then it sends ``--requests`` requests, one after the other,
to a public (NONE) function URL and as many SigV4-signed ones (botocore signs them) to an AWS_IAM URL, each a
run on the worker, and measures from sending the request to having the whole response. Next to it, the run's
worker time from its row. Goal: ``function_url_p50_ms`` <= 300, as for a click on "Invoke".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from click_to_result import start_gunicorn, stop_daemon  # beside this script
from sandbox_celery import percentile, start_redis, start_worker, wait_until, worker_ready
from servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HANDLER = "def lambda_handler(event, context):\n    return {'path': event['rawPath']}\n"
BOTH = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
WORLD = {
    "functions": {"orders": {"code": HANDLER}, "reports": {"code": HANDLER}},
    "function_urls": {"orders": {"auth_type": "NONE"}, "reports": {"auth_type": "AWS_IAM"}},
    "permissions": [{"function": "orders", "principal": "*", "action": BOTH}],
    "users": {"developer": {"actions": BOTH}},
}


def send(url: str, headers: dict) -> tuple[int, float]:
    request = urllib.request.Request(url, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def signed_headers(url: str, key_id: str, secret: str) -> dict:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(key_id, secret), "lambda", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def measure(base: str, workspace, requests: int, deadline: float) -> dict[str, list[dict]]:
    from sandbox.emulator import urls
    from sandbox.models import Run

    key_id, secret = workspace.access_keys()
    samples: dict[str, list[dict]] = {"orders": [], "reports": []}
    for number in range(requests + 3):  # the first three warm the worker and the environments
        for target in samples:
            if time.monotonic() > deadline:
                return samples
            url = f"{base}/sandbox/workspaces/{workspace.pk}/url/{urls.url_id('123456789012', target)}/n/{number}"
            headers = signed_headers(url, key_id, secret) if target == "reports" else {}
            status, elapsed = send(url, headers)
            if status != 200:
                sys.exit(f"{target} answered {status}")
            run = Run.objects.filter(workspace=workspace).latest("created_at")
            if number >= 3:
                worker_ms = (run.finished_at - run.started_at).total_seconds() * 1000
                samples[target].append({"ms": elapsed, "worker_ms": worker_ms})
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--max-seconds", type=float, default=180.0, help="stop sending after this long")
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_seconds

    directory = tempfile.mkdtemp(prefix="examprep-bench-url-")
    redis_process, redis_url = start_redis(directory)
    try:
        return run(directory, redis_url, args.requests, deadline)
    finally:
        redis_process.terminate()
        redis_process.wait(10)


def run(directory: str, redis_url: str, requests: int, deadline: float) -> int:
    socket_path = f"/run/examprep/bench-{os.getpid()}/sandbox.sock"
    os.environ.update(
        {
            "REDIS_URL": redis_url,
            "DB_PATH": os.path.join(directory, "db.sqlite3"),
            "DATABASE_URL": "",
            "DJANGO_SETTINGS_MODULE": "examprep.settings",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
            "SECURE_COOKIES": "0",
            "SECRET_KEY": os.urandom(32).hex(),
            "SANDBOX_SOCKET": socket_path,
            "SANDBOX_RUNS_PER_MINUTE": str(10**6),
        }
    )
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from examprep.celery import app
    from sandbox import workspaces

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    owner = get_user_model().objects.create_user(username="bench")
    workspace = workspaces.create_workspace(owner, name="bench", world=WORLD)

    port = free_port()
    server = start_gunicorn(port)
    worker = start_worker(2, Path(directory) / "worker.log")
    try:
        wait_until_up(port, server)
        wait_until(lambda: worker_ready(app), 60, "the celery worker")
        samples = measure(f"http://127.0.0.1:{port}", workspace, requests, deadline)
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(30)
        stop_daemon(socket_path)
    public, signed = samples["orders"], samples["reports"]
    if not public or not signed:
        sys.exit("no request was measured before --max-seconds")
    waits = [sample["ms"] for sample in public]
    print(
        json.dumps(
            {
                "function_url_p50_ms": round(statistics.median(waits), 1),
                "function_url_p95_ms": round(percentile(waits, 0.95), 1),
                "signed_function_url_p50_ms": round(statistics.median(s["ms"] for s in signed), 1),
                "signed_function_url_p95_ms": round(percentile([s["ms"] for s in signed], 0.95), 1),
                "run_worker_p50_ms": round(statistics.median(s["worker_ms"] for s in public + signed), 1),
                "goal_met": statistics.median(waits) <= 300,
                "requests": len(public) + len(signed),
                "servers": "gunicorn 2 sync workers, celery prefork 2, sqlite (temporary file), loopback",
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
