"""The exam review lesson's CLI commands run, as written, against a workspace made from the lesson's preset:
the profile comes from the workspace page's copyable commands, the commands from the lesson's file, and the
real AWS CLI sends them to the live server, with invokes running on a real Celery worker."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sandbox import workspaces
from sandbox.catalogue import find_preset
from sandbox.models import Run
from sandbox.tests.support import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

LESSON = Path(settings.BASE_DIR) / "lessons" / "content" / "16-exam-review.md"
HEADING = "## The CLI commands the exam asks about"


def lesson_commands() -> str:
    text = LESSON.read_text()
    section = text.split(HEADING, 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def page_snippet(page: str, element_id: str) -> str:
    found = re.search(rf'<pre class="copyable" id="{element_id}">(.*?)</pre>', page, re.S)
    return html.unescape(found.group(1))


def bash(script: str, home: Path) -> subprocess.CompletedProcess:
    aws = Path(sys.executable).parent / "aws"
    if not aws.exists():
        pytest.fail("The AWS CLI is missing: pip install -r requirements-dev.txt (it pins awscli)")
    env = {"PATH": f"{aws.parent}:{os.environ.get('PATH', '')}", "HOME": str(home), "AWS_MAX_ATTEMPTS": "1"}
    return subprocess.run(["bash", "-e", "-c", script], env=env, cwd=home, capture_output=True, text=True, timeout=300)


def test_every_command_of_the_lesson_runs_against_the_students_workspace(live_server, celery_worker, tmp_path):
    preset = find_preset("exam-review")
    owner = make_user()
    workspace = workspaces.create_workspace(owner, name="Exam review", world=preset.world, preset="exam-review")
    browser = Client()
    browser.force_login(owner)
    page = browser.get(reverse("sandbox:workspace-detail", args=[workspace.pk]), HTTP_HOST=live_server.url[7:])
    page = page.content.decode()
    assert f'data-endpoint-url="{live_server.url}/sandbox/aws/{workspace.pk}/"' in page

    configured = bash(page_snippet(page, "endpoint-configure"), tmp_path)
    assert configured.returncode == 0, configured.stderr
    ran = bash(lesson_commands(), tmp_path)

    assert ran.returncode == 0, ran.stderr
    assert (
        "(TooManyRequestsException) when calling the Invoke operation (reached max retries: 0): Rate Exceeded."
        in ran.stderr
    )
    assert "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds" in ran.stderr
    assert "Provisioned Concurrency Configs cannot be applied to unpublished function versions." in ran.stderr
    workspace.refresh_from_db()
    worker = workspace.world["functions"]["worker"]
    assert (worker["timeout_s"], worker["memory_mb"]) == (10, 512)
    assert worker["aliases"]["live"] == {"version": "1", "weights": {"2": 0.1}}
    assert (worker["provisioned_concurrency"], worker["provisioned_qualifier"]) == (2, "live")
    assert worker["async"] == {"maximum_retry_attempts": 0, "on_failure": "queue:failures"}
    assert "reserved_concurrency" not in workspace.world["functions"]["paused"]
    assert workspace.world["event_source_mappings"] == [
        {"function": "worker", "source": "queue:jobs", "batch_size": 10, "report_batch_item_failures": True}
    ]
    invoked = [run.steps[0]["invoke"] for run in Run.objects.filter(workspace=workspace).order_by("created_at")]
    assert [(call["function"], call["type"]) for call in invoked] == [
        ("worker", "RequestResponse"),
        ("worker", "Event"),
        ("worker", "DryRun"),
        ("paused", "RequestResponse"),
        ("paused", "RequestResponse"),
        ("worker", "RequestResponse"),
    ]
    assert '"StatusCode": 200' in ran.stdout and '"FunctionError": "Unhandled"' in ran.stdout
