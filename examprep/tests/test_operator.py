"""What an operator meets when starting the app: plain words about what could not be reached, quiet Ctrl-C."""

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "examprep.settings"}
    return subprocess.run(args, cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=timeout)


def test_show_setup_names_a_redis_url_nothing_answers_and_claims_no_embedded_start(tmp_path):
    env = {"REDIS_URL": "redis://127.0.0.1:1/0", "DB_PATH": str(tmp_path / "db.sqlite3")}

    result = run([sys.executable, "manage.py", "show_setup"], env)

    assert "redis:    redis://127.0.0.1:1/0 (NOT REACHABLE)" in result.stdout
    assert "PROBLEM:  REDIS_URL is redis://127.0.0.1:1/0, but nothing answers there" in result.stdout
    assert "started now" not in result.stdout


def test_embedded_redis_is_never_started_in_place_of_a_configured_one():
    result = run([sys.executable, "-m", "examprep.embedded_redis", "--ensure"], {"REDIS_URL": "redis://127.0.0.1:1/0"})

    assert result.returncode == 1
    assert "nothing answers there" in result.stderr
    assert "Started the embedded Redis" not in result.stdout


def test_ensure_announces_the_database_the_tests_use(redis_url):
    result = run(
        [sys.executable, "-m", "examprep.embedded_redis", "--ensure", "--default-url", "redis://127.0.0.1:6379/15"], {}
    )

    assert result.stdout.strip() == "Redis: redis://127.0.0.1:6379/15"


def test_ctrl_c_ends_make_run_style_targets_without_an_error(tmp_path):
    (tmp_path / "Procfile").write_text("nap: sleep 60\n")
    runner = f"cd {ROOT} && {sys.executable} -m examprep.foreground {ROOT}/.venv/bin/honcho -f {tmp_path}/Procfile"
    (tmp_path / "Makefile").write_text(f"run:\n\t@{runner} start\n")
    pid, terminal = pty.fork()
    if pid == 0:
        os.chdir(tmp_path)
        os.execvp("make", ["make", "--no-print-directory", "run"])
    output = b""
    while b"nap.1 started" not in output:
        output += os.read(terminal, 4096)
    os.write(terminal, b"\x03")  # Ctrl-C at the terminal
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)

    text = output.decode(errors="replace")
    assert "SIGINT received" in text
    assert "Error 130" not in text and "Interrupt" not in text
    assert os.waitstatus_to_exitcode(status) == 0


def test_ci_runs_both_database_passes_and_reports_each(tmp_path):
    fake = tmp_path / "make"
    fake.write_text('#!/bin/sh\necho "make $* on ${DATABASE_URL:-sqlite}"\n[ -n "$DATABASE_URL" ]\n')
    fake.chmod(0o755)

    result = run(["bash", ".ci/run"], {"PATH": f"{tmp_path}:/usr/local/bin:/usr/bin:/bin"}, timeout=120)

    assert result.returncode == 1
    assert "make test on sqlite" in result.stdout
    assert "make test on postgres://postgres@127.0.0.1:5432/test" in result.stdout
    assert "== make test (PostgreSQL: database test_examprep_" in result.stdout
    assert "== SQLite pass:     FAILED (exit 1)" in result.stdout
    assert "== PostgreSQL pass: passed" in result.stdout
