"""A class of simulated students against the full stack: gunicorn, a Celery worker, the sandbox daemon,
PostgreSQL and Redis.

Usage (as root, so that the sandbox daemon can run):
    .venv/bin/python bench/load.py [--students 40] [--seconds 120] [--spawn-seconds 30] [--rounds 1]
                                   [--database examprep_bench_load]
       (DATABASE_URL names the PostgreSQL server; default postgres://postgres@127.0.0.1:5432/test;
        REDIS_URL the Redis server; default redis://127.0.0.1:6379/14, with keys of their own)
A class for five minutes: ``--students 100 --seconds 300 --spawn-seconds 60 --rounds 50``.

Loopback only. A throwaway database (--database) is created, migrated and filled with the real lessons and
questions; static files are collected into a temporary folder; a sandbox daemon is started on a socket of its
own, then gunicorn (production mode, DEBUG=0, plain HTTP on 127.0.0.1) and a Celery worker. Each student (a
locust user, locust used as a library) signs up, then works through rounds until --rounds are done or time is
up: reads the lesson list and three lessons, drills a topic (checking three answers), uses the sandbox, and sits
a timed quick test (opens each question, autosaves an answer and sometimes changes it, reloads one question to
see the saved answer, submits). In the sandbox, as on its pages: opens the warm-reuse demo in a workspace,
invokes its function synchronously three times and the async-retries demo's function once asynchronously (its
handler fails, so Lambda's two retries follow and the event is dropped); each invoke is the htmx form post,
then the run's status is long-polled once (``?wait=1``) and polled every second until it answers 286 with the
results, which must show the function's response (sync) or the dropped event (async). Think times between
steps are random. The run stops by itself when every student has finished or after --seconds, whichever comes
first; then every answer the server acknowledged is compared with what the submitted attempt holds, and every
run the server accepted is looked up (waiting up to 60 s for the last ones). Everything started is stopped and
the database dropped.

Prints one JSON object: students, finished, requests, errors_5xx, failures, lost_answers, reload_mismatches,
runs_accepted, runs_refused, lost_runs (accepted, never finished), runs_failed, wrong_results, page_p95_ms
(pages, and form posts answered with one), answer_save_p95_ms (htmx autosave), run_result_p95_ms (invoke click
until the results arrive), invoke_p95_ms (the invoke post alone), status_poll_p95_ms, check_p95_ms,
signup_p95_ms, the same p95s counted only once every student has signed up (once_all_signed_up: sign-ups hash
passwords), stack_cores_used (CPU seconds of web, worker, daemon, the PostgreSQL backends and the simulated
students over the run's length; by part in stack_cores_used_by_part), web_cpu_s, web_cpu_ms_per_request and
web_waiting_for_cpu_s (how long the web workers' threads were runnable but waiting for a CPU: other work on the
machine shows there), the machine's load averages before and after, and the settings used. Sign-ups all come
from 127.0.0.1, so the sign-up limit per address is raised for the run (and reported).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import gevent
from locust import HttpUser, between, events, task  # locust patches the standard library for gevent on import
from locust.env import Environment
from locust.exception import StopUser
from servers import drop_redis_keys, free_port, wait_until_up  # (bench/servers.py, beside this script)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_DB = "examprep_bench_load"
DEFAULT_DB_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "load-test-passphrase-41"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CHECKED = re.compile(r'id="option-(\d+)"[^>]*\bchecked\b')
UUID = re.compile(r"/practice/attempts/([0-9a-f-]{36})/")
WORKSPACE = re.compile(r"/sandbox/workspaces/([0-9a-f-]{36})/")
RUN_STATUS = re.compile(r'hx-get="/sandbox/runs/([0-9a-f-]{36})/status/')
STOP_POLLING = 286  # the status partial's answer once the run has finished
RUN_PATIENCE_S = 120.0  # a student polls a run this long at most
# What a finished run's results show: the sync demo's response, the async demo's event dropped after retries.
SYNC_RESULT = "client_created_at_init"
ASYNC_RESULT = "Event dropped for thumbnail: RetriesExhausted"

# Shared by the students (one process, gevent): what the server acknowledged, and per-kind latencies.
saved: dict[tuple[str, int], list[int]] = {}  # (attempt uuid, position) -> last acknowledged selection
submitted: set[str] = set()
finished: list[str] = []
gave_up: list[str] = []  # students whose sign-up failed
reload_mismatches: list[str] = []
latencies: dict[str, list[float]] = {
    "page": [], "answer": [], "check": [], "signup": [], "invoke": [], "poll": [], "run_result": []
}  # fmt: skip
settled: dict[str, list[float]] = {kind: [] for kind in latencies}  # once every student has signed up
signed_up: list[str] = []
status_5xx: list[str] = []
runs_accepted: dict[str, str] = {}  # run uuid -> "sync" or "async"
runs_refused: list[str] = []  # the sandbox's refusals (limits), as the page showed them
runs_unfinished: list[str] = []  # accepted runs a student stopped polling before they finished
wrong_results: list[str] = []  # finished runs whose results lack what the handler must have produced
CONFIG = {"lessons": [], "topics": [], "rounds": 1, "students": 0}


def note(kind: str, milliseconds: float) -> None:
    latencies[kind].append(milliseconds)
    if len(signed_up) + len(gave_up) >= CONFIG["students"]:  # the whole class is in: sign-ups hash no more
        settled[kind].append(milliseconds)


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    kind = name.split(":", 1)[0]
    if kind in latencies:
        note(kind, response_time)
    if response is not None and getattr(response, "status_code", 0) >= 500:
        status_5xx.append(f"{response.status_code} {name}")


def think(low: float, high: float) -> None:
    gevent.sleep(random.uniform(low, high))


class Student(HttpUser):
    wait_time = between(0.5, 1.5)

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def page(self, path: str, label: str = ""):
        return self.client.get(path, name=f"page:{label or path}")

    def form_post(self, path: str, data: dict, kind: str, label: str):
        data = {"csrfmiddlewaretoken": self.csrf(), **data}
        return self.client.post(path, data=data, name=f"{kind}:{label}", headers={"Referer": self.host + path})

    def htmx_post(self, path: str, data: dict, kind: str, label: str):
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf()}
        return self.client.post(path, data=data, headers=headers, name=f"{kind}:{label}")

    def on_start(self):
        self.username = f"load-{secrets.token_hex(5)}"
        self.rounds = 0
        self.workspaces: dict[str, str] = {}  # demo name -> workspace uuid

    def sign_up(self) -> None:
        self.page("/accounts/signup/")
        response = self.form_post(
            "/accounts/signup/",
            {"username": self.username, "password1": PASSWORD, "password2": PASSWORD},
            "signup",
            "/accounts/signup/",
        )
        if response.status_code != 200 or "/accounts/signup/" in (response.url or ""):
            gave_up.append(self.username)
            raise StopUser()
        signed_up.append(self.username)

    def read_lessons(self) -> None:
        self.page("/lessons/")
        for slug in random.sample(CONFIG["lessons"], 3):
            think(1, 3)
            self.page(f"/lessons/{slug}/", "/lessons/<slug>/")

    def drill(self) -> None:
        topic = random.choice(CONFIG["topics"])
        self.page(f"/practice/drill/{topic}/", "/practice/drill/<topic>/")
        response = self.form_post(f"/practice/drill/{topic}/", {}, "page", "/practice/drill/<topic>/ (start)")
        found = UUID.search(response.url or "")
        if not found:
            return
        uuid = found.group(1)
        for position in (1, 2, 3):
            think(1, 3)
            path = f"/practice/attempts/{uuid}/q/{position}/"
            self.page(path, "/practice/attempts/<uuid>/q/<n>/")
            self.htmx_post(path + "check/", {"option": str(random.randrange(4))}, "check", "q/<n>/check/")

    def quick_test(self) -> None:
        response = self.form_post("/practice/tests/quick/start/", {}, "page", "/practice/tests/quick/start/")
        found = UUID.search(response.url or "")
        if not found:
            return
        uuid = found.group(1)
        total = 20
        reload_at = random.randint(1, total)
        for position in range(1, total + 1):
            path = f"/practice/attempts/{uuid}/q/{position}/"
            self.page(path, "/practice/attempts/<uuid>/q/<n>/")
            think(0.5, 2)
            for _ in range(2 if random.random() < 0.2 else 1):  # now and then a student changes their mind
                choice = [random.randrange(4)]
                answer = self.htmx_post(path + "answer/", {"option": [str(c) for c in choice]}, "answer", "answer/")
                if answer.status_code == 200 and "Saved at" in answer.text:
                    saved[(uuid, position)] = choice
            if position == reload_at:
                again = self.page(path, "/practice/attempts/<uuid>/q/<n>/")
                shown = [int(index) for index in CHECKED.findall(again.text)]
                if (uuid, position) in saved and shown != saved[(uuid, position)]:
                    reload_mismatches.append(f"{uuid}#{position}")
        done = self.form_post(f"/practice/attempts/{uuid}/submit/", {}, "page", "/practice/attempts/<uuid>/submit/")
        if done.status_code == 200 and "/results/" in (done.url or ""):
            submitted.add(uuid)

    def open_demo(self, name: str) -> str | None:
        """The student's workspace for a demo: its page, "Open in a workspace" the first time."""
        if name in self.workspaces:
            self.page(f"/sandbox/workspaces/{self.workspaces[name]}/", "/sandbox/workspaces/<uuid>/")
            return self.workspaces[name]
        path = f"/sandbox/presets/demo-{name}/"
        self.page(path, "/sandbox/presets/<demo>/")
        think(1, 3)
        response = self.form_post(path + "try/", {}, "page", "/sandbox/presets/<demo>/try/")
        found = WORKSPACE.search(response.url or "")
        if not found:
            return None
        self.workspaces[name] = found.group(1)
        return found.group(1)

    def invoke_and_wait(self, workspace: str, function: str, invocation_type: str, payload: str, expected: str) -> None:
        """Invoke from the events page's form (htmx) and poll the run as the page does until its results arrive."""
        kind = "sync" if invocation_type == "RequestResponse" else "async"
        started = time.monotonic()
        data = {"function": function, "invocation_type": invocation_type, "payload": payload, "repeat": "1"}
        accepted = self.htmx_post(f"/sandbox/workspaces/{workspace}/invoke/", data, "invoke", "invoke/")
        found = RUN_STATUS.search(accepted.text) if accepted.status_code == 200 else None
        if not found:
            if accepted.status_code == 200:
                runs_refused.append(re.sub(r"<[^>]+>|\s+", " ", accepted.text).strip()[:200])
            return
        run_id = found.group(1)
        runs_accepted[run_id] = kind
        path = f"/sandbox/runs/{run_id}/status/"
        headers = {"HX-Request": "true", "HX-Current-URL": f"{self.host}/sandbox/workspaces/{workspace}/events/"}
        query = "?wait=1"  # the partial the invoke answered with long-polls once, then polls every second
        while time.monotonic() - started < RUN_PATIENCE_S:
            status = self.client.get(path + query, headers=headers, name=f"poll:runs/<uuid>/status/{query}")
            if status.status_code == STOP_POLLING:
                note("run_result", (time.monotonic() - started) * 1000)
                if expected not in status.text:
                    wrong_results.append(f"{kind} {run_id}")
                return
            if status.status_code != 200:
                break
            query = ""
            gevent.sleep(1)
        runs_unfinished.append(run_id)

    def use_sandbox(self) -> None:
        self.page("/sandbox/")
        think(1, 3)
        workspace = self.open_demo("warm-reuse")
        if workspace:
            self.page(f"/sandbox/workspaces/{workspace}/events/", "/sandbox/workspaces/<uuid>/events/")
            for n in range(3):
                think(2, 5)
                self.invoke_and_wait(workspace, "orders", "RequestResponse", json.dumps({"order": n}), SYNC_RESULT)
        think(1, 3)
        workspace = self.open_demo("async-retries")
        if workspace:
            self.page(f"/sandbox/workspaces/{workspace}/events/", "/sandbox/workspaces/<uuid>/events/")
            think(2, 5)
            self.invoke_and_wait(workspace, "thumbnail", "Event", json.dumps({"key": "photo.jpg"}), ASYNC_RESULT)

    @task
    def journey(self):
        if self.rounds == 0:
            self.sign_up()
            think(1, 3)
        self.read_lessons()
        think(1, 3)
        self.drill()
        think(1, 3)
        self.use_sandbox()
        think(1, 3)
        self.quick_test()
        self.rounds += 1
        if self.rounds >= CONFIG["rounds"]:
            finished.append(self.username)
            raise StopUser()


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def admin_sql(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


CONTENT = (
    "import json; import django; django.setup(); from lessons.models import Lesson; from quizzes.models import "
    "Question; print(json.dumps({'lessons': list(Lesson.objects.filter(published=True).values_list('slug', "
    "flat=True)), 'topics': sorted(set(Question.objects.filter(retired_at__isnull=True).values_list('topic', "
    "flat=True)))}))"
)
VERIFY = """
import json, sys
import django
django.setup()
from quizzes.models import AttemptItem
expected = json.load(sys.stdin)
held = {(str(u), p): s for u, p, s in AttemptItem.objects.filter(attempt__uuid__in=expected["submitted"])
        .values_list("attempt__uuid", "position", "selected")}
lost = [key for key, selection in expected["saved"] if key[0] in expected["submitted"]
        and held.get(tuple(key)) != selection]
print(json.dumps({"lost": len(lost), "examples": lost[:5]}))
"""
VERIFY_RUNS = """
import json, sys, time, uuid
import django
django.setup()
from sandbox.models import Run
accepted = json.load(sys.stdin)
deadline = time.monotonic() + 60
while True:
    statuses = dict(Run.objects.filter(pk__in=accepted).values_list("pk", "status"))
    open_runs = [str(pk) for pk in accepted if statuses.get(uuid.UUID(pk)) not in Run.FINISHED]
    if not open_runs or time.monotonic() > deadline:
        break
    time.sleep(1)
failed = list(Run.objects.filter(pk__in=accepted, status=Run.FAILED).values_list("error", flat=True))
print(json.dumps({"lost": len(open_runs), "lost_examples": open_runs[:5], "failed": len(failed),
                  "failed_examples": failed[:3]}))
"""
START_DAEMON = (
    "import json, sys; from sandbox.runtime import client; answer = client.ensure_daemon(sys.argv[1]); "
    "print(json.dumps({'pid': answer['pid']}))"
)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children that have ended (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
    return found


def seconds_waiting_for_cpu(pid: int) -> float:
    """How long the process's live threads have waited, runnable, for a CPU (the kernel's schedstat)."""
    waited = 0
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, IndexError, ValueError):
                waited += int((task / "schedstat").read_text().split()[1])
    return waited / 1e9


def web_waiting(web_pid: int) -> float:
    return sum(seconds_waiting_for_cpu(pid) for pid in process_tree(web_pid))


def stack_cpu(parts: dict[str, int], database: str) -> dict[str, float]:
    """CPU seconds so far of each part of the stack (a process and its descendants), of the PostgreSQL backends
    serving the database, and of this process (the simulated students)."""
    used = {name: sum(cpu_seconds(pid) for pid in process_tree(root)) for name, root in parts.items()}
    backends = 0.0
    for entry in Path("/proc").iterdir():
        command = b""
        with contextlib.suppress(OSError):
            command = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
        if command.startswith(b"postgres: ") and f" {database} ".encode() in command:
            backends += cpu_seconds(int(entry.name))
    return used | {"postgresql": backends, "students (locust)": sum(os.times()[:2])}


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[int(share * (len(ordered) - 1))], 1)


def run_load(port: int, students: int, seconds: float, spawn_seconds: float):
    """Run the class; return (seconds it took, locust's total statistics, failure descriptions)."""
    environment = Environment(user_classes=[Student], events=events, host=f"http://127.0.0.1:{port}")
    runner = environment.create_local_runner()
    started = time.monotonic()
    runner.start(students, spawn_rate=max(students / max(spawn_seconds, 0.1), 0.1))
    while time.monotonic() - started < seconds:
        gevent.sleep(1)
        if len(finished) + len(gave_up) >= students:
            break  # every student has finished (or given up)
    runner.quit()
    failures = [
        f"{error.method} {error.name}: {error.error} x{error.occurrences}"
        for error in environment.stats.errors.values()
    ]
    return time.monotonic() - started, environment.stats.total, failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=120.0, help="upper bound on the load phase")
    parser.add_argument("--spawn-seconds", type=float, default=30.0, help="students arrive over this many seconds")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of lessons, drill, sandbox and test each")
    parser.add_argument("--database", default=BENCH_DB, help="the throwaway database's name (dropped at the end)")
    options = parser.parse_args()
    if options.students > 500 or options.seconds > 900 or options.rounds > 100:
        raise SystemExit("bench/load.py is bounded: at most 500 students, 900 seconds and 100 rounds.")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", options.database) or options.database in ("postgres", "test"):
        raise SystemExit(f"--database {options.database!r}: give a throwaway name of lower-case letters and _.")
    if os.geteuid() != 0:
        raise SystemExit("bench/load.py starts the sandbox daemon, which needs root: run it as root.")
    CONFIG["rounds"], CONFIG["students"] = options.rounds, options.students
    load_before = [round(value, 2) for value in os.getloadavg()]

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_DB_URL
    if urlparse(server_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("bench/load.py runs on loopback only: DATABASE_URL must name 127.0.0.1.")
    static_root = tempfile.mkdtemp(prefix="examprep-bench-static-")
    socket_dir = f"/run/examprep-bench-load-{os.getpid()}"
    env = os.environ | {
        "DATABASE_URL": with_database(server_url, options.database),
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        "REDIS_KEY_PREFIX": f"examprep-bench-load-{os.getpid()}:",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # loopback HTTP, no TLS proxy in front
        "SECURE_COOKIES": "0",
        "SIGNUP_RATE_PER_IP": "100000/h",  # every simulated student signs up from 127.0.0.1
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "examprep.settings",
        "SANDBOX_SOCKET": f"{socket_dir}/sandbox.sock",  # a daemon of its own
        "EXAMPREP_DEV_SANDBOX": "1",  # the daemon runs from this (writable) checkout
    }
    admin_sql(server_url, f"DROP DATABASE IF EXISTS {options.database} WITH (FORCE)")
    admin_sql(server_url, f"CREATE DATABASE {options.database}")
    processes: list[subprocess.Popen] = []
    daemon_pid = 0
    try:
        daemon = subprocess.run(
            [PYTHON, "-c", START_DAEMON, env["SANDBOX_SOCKET"]], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if daemon.returncode:
            raise SystemExit(f"the sandbox daemon did not start:\n{daemon.stderr[-2000:]}")
        daemon_pid = json.loads(daemon.stdout)["pid"]
        manage(env, "migrate", "--noinput")
        manage(env, "import_lessons")
        manage(env, "import_questions")
        manage(env, "collectstatic", "--noinput")
        content = subprocess.run([PYTHON, "-c", CONTENT], cwd=ROOT, env=env, capture_output=True, text=True)
        CONFIG.update(json.loads(content.stdout))
        port = free_port()
        web = [
            PYTHON, "-m", "gunicorn", "examprep.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(options.web_workers), "--threads", str(options.web_threads),
            "--worker-class", "gthread", "--log-level", "warning", "--no-control-socket",
            "--keep-alive", "75",
        ]  # fmt: skip
        # Keep-alive as nginx keeps a browser's connection (75 s): with gunicorn's 2 s a connection closes while
        # a student thinks, and a request sent just then fails unanswered; a browser sends it again, locust not.
        worker = [PYTHON, "-m", "celery", "-A", "examprep", "worker", "-Q", "default,sandbox", "--concurrency", "2"]
        # Their logs go to stderr: stdout carries only the JSON result.
        processes.append(subprocess.Popen(web, cwd=ROOT, env=env, stdout=sys.stderr))
        processes.append(subprocess.Popen([*worker, "--loglevel", "WARNING"], cwd=ROOT, env=env, stdout=sys.stderr))
        wait_until_up(port, processes[0])
        parts = {"web": processes[0].pid, "worker": processes[1].pid, "sandbox daemon": daemon_pid}
        cpu_before, waited_before = stack_cpu(parts, options.database), web_waiting(processes[0].pid)
        elapsed, total, failures = run_load(port, options.students, options.seconds, options.spawn_seconds)
        cpu_after, waited_after = stack_cpu(parts, options.database), web_waiting(processes[0].pid)
        web_cpu_s, web_waited_s = cpu_after["web"] - cpu_before["web"], waited_after - waited_before
        cores_used = {name: round((cpu_after[name] - cpu_before[name]) / elapsed, 2) for name in cpu_after}
        expected = {"submitted": sorted(submitted), "saved": [[list(key), value] for key, value in saved.items()]}
        verify = subprocess.run(
            [PYTHON, "-c", VERIFY], cwd=ROOT, env=env, input=json.dumps(expected), capture_output=True, text=True
        )
        if verify.returncode:
            raise SystemExit(f"verifying saved answers failed:\n{verify.stderr[-2000:]}")
        lost = json.loads(verify.stdout)
        verify = subprocess.run(
            [PYTHON, "-c", VERIFY_RUNS], cwd=ROOT, env=env, input=json.dumps(sorted(runs_accepted)),
            capture_output=True, text=True,
        )  # fmt: skip
        if verify.returncode:
            raise SystemExit(f"verifying runs failed:\n{verify.stderr[-2000:]}")
        runs = json.loads(verify.stdout)
        load_after = [round(value, 2) for value in os.getloadavg()]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if daemon_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(daemon_pid, signal.SIGTERM)
                for _ in range(100):  # it stops its environments first
                    os.kill(daemon_pid, 0)
                    time.sleep(0.1)
        admin_sql(server_url, f"DROP DATABASE IF EXISTS {options.database} WITH (FORCE)")
        drop_redis_keys(env["REDIS_URL"], env["REDIS_KEY_PREFIX"])
        subprocess.run(["rm", "-rf", static_root, socket_dir], check=False)
    print(
        json.dumps(
            {
                "students": options.students,
                "finished": len(finished),
                "tests_submitted": len(submitted),
                "requests": total.num_requests,
                "errors_5xx": len(status_5xx),
                "errors_5xx_examples": status_5xx[:5],
                "failures": total.num_failures,
                "failure_examples": failures[:5],
                "gave_up": len(gave_up),
                "answers_acknowledged": len(saved),
                "lost_answers": lost["lost"],
                "lost_examples": lost["examples"],
                "reload_mismatches": len(reload_mismatches),
                "runs_accepted": len(runs_accepted),
                "runs_accepted_async": sum(kind == "async" for kind in runs_accepted.values()),
                "runs_refused": len(runs_refused),
                "runs_refused_examples": runs_refused[:3],
                "lost_runs": runs["lost"],
                "lost_run_examples": runs["lost_examples"],
                "runs_given_up_by_students": len(runs_unfinished),
                "runs_failed": runs["failed"],
                "runs_failed_examples": runs["failed_examples"],
                "wrong_results": len(wrong_results),
                "wrong_result_examples": wrong_results[:5],
                "page_p95_ms": percentile(latencies["page"], 0.95),
                "page_p50_ms": percentile(latencies["page"], 0.50),
                "answer_save_p95_ms": percentile(latencies["answer"], 0.95),
                "answer_save_p50_ms": percentile(latencies["answer"], 0.50),
                "run_result_p95_ms": percentile(latencies["run_result"], 0.95),
                "run_result_p50_ms": percentile(latencies["run_result"], 0.50),
                "invoke_p95_ms": percentile(latencies["invoke"], 0.95),
                "status_poll_p95_ms": percentile(latencies["poll"], 0.95),
                "once_all_signed_up": {
                    "page_p95_ms": percentile(settled["page"], 0.95),
                    "answer_save_p95_ms": percentile(settled["answer"], 0.95),
                    "run_result_p95_ms": percentile(settled["run_result"], 0.95),
                    "requests": sum(len(values) for kind, values in settled.items() if kind != "run_result"),
                },
                "check_p95_ms": percentile(latencies["check"], 0.95),
                "signup_p95_ms": percentile(latencies["signup"], 0.95),
                "load_seconds": round(elapsed, 1),
                "requests_per_second": round(total.num_requests / elapsed, 1) if elapsed else None,
                "web": f"gunicorn gthread {options.web_workers}x{options.web_threads}",
                "worker": "celery prefork 2",
                "rounds": options.rounds,
                "database": f"postgresql ({options.database})",
                "signup_rate_per_ip": "100000/h (raised: all students share 127.0.0.1)",
                "cpus": os.cpu_count(),
                "stack_cores_used": round(sum(cores_used.values()), 2),
                "stack_cores_used_by_part": cores_used,
                "web_cpu_s": round(web_cpu_s, 1),
                "web_waiting_for_cpu_s": round(web_waited_s, 1),
                "web_cpu_ms_per_request": round(1000 * web_cpu_s / max(total.num_requests, 1), 1),
                "load_average_before": load_before,
                "load_average_after": load_after,
            }
        )
    )


if __name__ == "__main__":
    main()
