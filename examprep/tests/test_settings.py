import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT_DB = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])"


def run_settings(env: dict, code: str = PRINT_DB) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "examprep.settings"}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base | env, capture_output=True, text=True)


def test_zero_variables_use_sqlite_in_the_project_folder():
    result = run_settings({})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", str(ROOT / "db.sqlite3")]


def test_db_path_moves_the_sqlite_file(tmp_path):
    result = run_settings({"DB_PATH": str(tmp_path / "elsewhere.sqlite3")})

    assert result.stdout.split()[1] == str(tmp_path / "elsewhere.sqlite3")


def test_database_url_switches_to_postgresql():
    result = run_settings({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"})

    assert result.stdout.split() == ["django.db.backends.postgresql", "test"]


def test_debug_off_refuses_the_default_secret_key():
    result = run_settings({"DEBUG": "0"})

    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_debug_off_starts_with_a_real_secret_key():
    result = run_settings({"DEBUG": "0", "SECRET_KEY": "x" * 50})

    assert result.returncode == 0, result.stderr


def test_malformed_boolean_is_refused_with_its_name():
    result = run_settings({"DEBUG": "maybe"})

    assert "DEBUG must be one of" in result.stderr


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    code = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )

    result = run_settings({"DB_PATH": str(tmp_path / "wal.sqlite3")}, code)

    assert result.stdout.split() == ["wal", "20000"]
