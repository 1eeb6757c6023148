"""Sessions live in Redis, shared by every web process: logging out in one process ends the session in all."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizzes.tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
READ = """
import django, sys
django.setup()
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
print("present" if caches["sessions"].get(SessionStore.cache_key_prefix + sys.argv[1]) else "absent")
"""


def seen_by_another_process(session_key: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "examprep.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", READ, session_key], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.django_db
def test_a_log_out_ends_the_session_for_every_web_process(client):
    client.force_login(make_user())
    session_key = client.session.session_key
    before = seen_by_another_process(session_key)

    client.post("/accounts/logout/")

    assert before == "present"
    assert seen_by_another_process(session_key) == "absent"
