"""Every process of the app shares one space of environment ids in the daemon, so a workspace's warm
environment made by one worker process is found by the next run whichever process takes it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sandbox import executors
from sandbox.emulator.executor import NetworkTable, ServiceReply, Verdict
from sandbox.runtime.client import DaemonExecutor
from sandbox.tests.runtime_factories import make_request, make_spec

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


def test_a_workspaces_executor_passes_the_invokes_services_on_to_the_handlers_sdk_calls():
    calls = []

    def world(call):
        calls.append(call)
        return ServiceReply(result={"UserId": "AROA:fn", "Account": "123456789012", "Arn": "arn:aws:sts::1:x"})

    source = "import boto3\ndef lambda_handler(event, context):\n    return boto3.client('sts').get_caller_identity()['Account']\n"
    network = NetworkTable(hosts={"sts.us-east-1.amazonaws.com": {"443": Verdict("connected", "internet")}})
    scoped = executors.ScopedExecutor(executors.process_executor(), f"w{uuid.uuid4().hex[:8]}-")
    try:
        assert scoped.create("fn-1", make_spec(source, network=network)).ok
        result = scoped.invoke("fn-1", make_request(clock_start_s=1_767_225_600.0), world)
    finally:
        scoped.destroy("fn-1")

    assert result.response == '"123456789012"'
    assert [(call.service, call.operation) for call in calls] == [("sts", "GetCallerIdentity")]
