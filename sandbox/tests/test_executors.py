"""Every process of the app shares one space of environment ids in the daemon, so a workspace's warm
environment made by one worker process is found by the next run whichever process takes it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sandbox import executors
from sandbox.runtime.client import DaemonExecutor

ROOT = Path(__file__).resolve().parents[2]
CREATE = """
import django, sys
django.setup()
from sandbox import executors
from sandbox.tests.runtime_factories import make_spec
executors.process_executor().create(sys.argv[1], make_spec())
"""


def test_an_environment_made_by_one_app_process_is_seen_by_another_but_not_by_a_stranger():
    environment_id = f"shared-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "examprep.settings", "PYTHONPATH": str(ROOT)}

    subprocess.run([sys.executable, "-c", CREATE, environment_id], cwd=ROOT, env=env, check=True, timeout=120)

    app = executors.process_executor()
    stranger = DaemonExecutor()
    try:
        assert app.describe(environment_id)
        try:
            stranger.describe(environment_id)
        except KeyError:  # EnvironmentGone
            seen_by_stranger = False
        else:
            seen_by_stranger = True
        assert not seen_by_stranger
    finally:
        stranger.close()
        app.destroy(environment_id)
