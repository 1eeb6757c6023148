"""The real AWS CLI (v1, pinned in requirements-dev.txt) drives a workspace through its endpoint: the commands the
exam asks about, run as a student runs them, against the live server and a real Celery worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from sandbox.models import Run, Workspace
from sandbox.tests.support import make_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

CODE = """\
def lambda_handler(event, context):
    return {"got": event, "version": context.function_version}
"""


def aws_cli() -> str:
    found = Path(sys.executable).parent / "aws"
    if not found.exists():
        pytest.fail("The AWS CLI is missing: pip install -r requirements-dev.txt (it pins awscli)")
    return str(found)


def run_cli(live_server, workspace: Workspace, tmp_path: Path, *args: str, secret: str | None = None):
    key_id, real_secret = workspace.access_keys()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret or real_secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    endpoint = live_server.url + reverse("sandbox:aws-endpoint", args=[workspace.pk])
    return subprocess.run(
        [aws_cli(), "--endpoint-url", endpoint, "--output", "json", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else {}


def test_the_exams_cli_commands_change_the_workspace_and_invoke_it(live_server, celery_worker, tmp_path):
    workspace = make_workspace(world={"functions": {"orders": {"code": CODE}}, "queues": {"orders-queue": {}}})

    def cli(*args):
        return ok(run_cli(live_server, workspace, tmp_path, *args))

    cli("lambda", "put-function-concurrency", "--function-name", "orders", "--reserved-concurrent-executions", "10")
    first = cli("lambda", "publish-version", "--function-name", "orders")
    cli("lambda", "update-function-configuration", "--function-name", "orders", "--memory-size", "256")
    second = cli("lambda", "publish-version", "--function-name", "orders")
    cli("lambda", "create-alias", "--function-name", "orders", "--name", "live", "--function-version", "1")
    alias = cli(
        "lambda", "update-alias", "--function-name", "orders", "--name", "live",
        "--routing-config", "AdditionalVersionWeights={2=0.25}",
    )  # fmt: skip
    mapping = cli(
        "lambda", "create-event-source-mapping", "--function-name", "orders", "--batch-size", "5",
        "--event-source-arn", "arn:aws:sqs:us-east-1:123456789012:orders-queue",
    )  # fmt: skip
    queued = cli(
        "lambda", "invoke", "--function-name", "orders", "--invocation-type", "Event",
"--payload", '{"order": 1}', "event.json",
    )  # fmt: skip
    answered = cli(
        "lambda", "invoke", "--function-name", "orders:live", "--log-type", "Tail",
"--payload", '{"order": 2}', "out.json",
    )  # fmt: skip

    assert (first["Version"], second["Version"], second["MemorySize"]) == ("1", "2", 256)
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    assert (mapping["State"], mapping["BatchSize"]) == ("Creating", 5)
    assert queued["StatusCode"] == 202
    assert answered["StatusCode"] == 200 and answered["ExecutedVersion"] in ("1", "2")
    assert json.loads((tmp_path / "out.json").read_text())["got"] == {"order": 2}
    workspace.refresh_from_db()
    spec = workspace.world["functions"]["orders"]
    assert spec["reserved_concurrency"] == 10
    assert spec["aliases"]["live"] == {"version": "1", "weights": {"2": 0.25}}
    assert workspace.world["event_source_mappings"] == [
        {"function": "orders", "source": "queue:orders-queue", "batch_size": 5}
    ]
    assert Run.objects.filter(workspace=workspace, kind="invoke").count() == 2


def test_the_cli_reports_a_wrong_secret_as_aws_does(live_server, tmp_path):
    workspace = make_workspace(world={"functions": {"orders": {"code": CODE}}})

    result = run_cli(live_server, workspace, tmp_path, "lambda", "list-functions", secret="y" * 40)

    assert result.returncode != 0
    assert "(InvalidSignatureException) when calling the ListFunctions operation" in result.stderr
