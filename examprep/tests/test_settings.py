import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "k3y-" + "0123456789abcdef" * 4, "ALLOWED_HOSTS": "class.example.org"}
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


def test_debug_off_starts_with_a_real_secret_key_and_host_names():
    result = run_settings(PRODUCTION)

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


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "examprep.settings"}
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=base | env, capture_output=True, text=True)


def test_debug_off_refuses_a_short_secret_key():
    result = run_settings({"DEBUG": "0", "SECRET_KEY": "short-but-not-default", "ALLOWED_HOSTS": "a.example"})

    assert result.returncode != 0
    assert "50 characters or more" in result.stderr


def test_debug_off_refuses_to_start_without_allowed_hosts():
    result = run_settings({"DEBUG": "0", "SECRET_KEY": PRODUCTION["SECRET_KEY"]})

    assert result.returncode != 0
    assert "set ALLOWED_HOSTS" in result.stderr


def test_deploy_check_is_clean_in_production_mode():
    result = manage(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_mode_is_what_the_deploy_check_flags():
    result = manage({}, "check", "--deploy")

    assert "security.W018" in result.stderr  # DEBUG on: the check can fail, so the clean result above means something


def test_production_pages_send_hsts_csp_and_secure_cookies(tmp_path):
    static_root = tmp_path / "static"
    env = PRODUCTION | {"STATIC_ROOT": str(static_root), "DB_PATH": str(tmp_path / "db.sqlite3")}
    collected = manage(env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/accounts/login/', secure=True, headers={'host': 'class.example.org'}); "
        "import json; print(json.dumps({'status': r.status_code, 'headers': dict(r.headers), "
        "'csrf_secure': r.cookies['csrftoken']['secure']}))"
    )

    result = run_settings(env, code)

    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout)
    assert page["status"] == 200
    assert page["headers"]["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page["headers"]["X-Content-Type-Options"] == "nosniff"
    assert page["headers"]["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in page["headers"]["Content-Security-Policy"]
    assert "unsafe-inline" not in page["headers"]["Content-Security-Policy"]
    assert page["csrf_secure"] is True


def test_production_redirects_plain_http_to_https():
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/lessons/', headers={'host': 'class.example.org'}); print(r.status_code, r['Location'])"
    )

    result = run_settings(PRODUCTION, code)

    assert result.stdout.split() == ["301", "https://class.example.org/lessons/"]


def test_db_path_in_a_missing_folder_is_named_in_one_line(tmp_path):
    result = manage({"DB_PATH": str(tmp_path / "missing" / "db.sqlite3")}, "migrate")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"examprep cannot start: DB_PATH is {tmp_path / 'missing' / 'db.sqlite3'}, but the folder "
        f"{tmp_path / 'missing'} does not exist: create it or choose another path."
    ]


def test_each_checkout_gets_its_own_postgresql_test_database():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['TEST']['NAME'], settings.REDIS_KEY_PREFIX)"
    )

    result = run_settings({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"}, code)

    name, prefix = result.stdout.split()
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    assert name == f"test_examprep_{checkout}"
    assert prefix == f"examprep-{checkout}:"
