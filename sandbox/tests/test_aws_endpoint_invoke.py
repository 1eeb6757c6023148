"""Invoke through a workspace's AWS endpoint from a real boto3 client: each call is a run on a real Celery worker,
answered as Lambda answers (payload, FunctionError, LogResult) and shown on the workspace's pages."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.test import Client
from django.urls import reverse

from sandbox import waiting
from sandbox.models import Run, Workspace
from sandbox.tests.support import make_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

CODE = """\
def lambda_handler(event, context):
    print("got", event)
    if event.get("fail"):
        raise ValueError("no stock")
    return {"order": event.get("order"), "version": context.function_version}
"""


def lambda_client(live_server, workspace: Workspace):
    key_id, secret = workspace.access_keys()
    return boto3.client(
        "lambda",
        endpoint_url=live_server.url + reverse("sandbox:aws-endpoint", args=[workspace.pk]),
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 0}, read_timeout=60),
    )


def test_a_synchronous_invoke_is_a_run_and_answers_with_the_payload_and_the_log_tail(live_server, celery_worker):
    workspace = make_workspace(world={"functions": {"orders": {"code": CODE}}})
    lam = lambda_client(live_server, workspace)

    answer = lam.invoke(FunctionName="orders", Payload=json.dumps({"order": 7}), LogType="Tail")

    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"order": 7, "version": "$LATEST"}
    assert answer["ExecutedVersion"] == "$LATEST"
    assert "got {'order': 7}" in base64.b64decode(answer["LogResult"]).decode()
    run = Run.objects.get(workspace=workspace)
    assert (run.kind, run.status) == ("invoke", Run.DONE)
    assert answer["ResponseMetadata"]["RequestId"] == run.trace["responses"][0]["request_id"]
    owner = Client()
    owner.force_login(workspace.owner)
    assert (
        run.get_absolute_url() in owner.get(reverse("sandbox:workspace-detail", args=[workspace.pk])).content.decode()
    )
    page = owner.get(run.get_absolute_url()).content.decode()
    assert 'id="timeline"' in page and "<svg" in page


def test_a_failing_handler_answers_200_with_an_unhandled_function_error(live_server, celery_worker):
    workspace = make_workspace(world={"functions": {"orders": {"code": CODE}}})
    lam = lambda_client(live_server, workspace)

    answer = lam.invoke(FunctionName="orders", Payload=b'{"fail": true}')

    assert (answer["StatusCode"], answer["FunctionError"]) == (200, "Unhandled")
    error = json.loads(answer["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "no stock")


def test_event_and_dry_run_invocations_and_an_alias(live_server, celery_worker):
    workspace = make_workspace(world={"functions": {"orders": {"code": CODE}}})
    lam = lambda_client(live_server, workspace)
    lam.publish_version(FunctionName="orders")
    lam.create_alias(FunctionName="orders", Name="live", FunctionVersion="1")

    queued = lam.invoke(FunctionName="orders", InvocationType="Event", Payload=b'{"order": 1}')
    checked = lam.invoke(FunctionName="orders", InvocationType="DryRun")
    through_alias = lam.invoke(FunctionName="orders", Qualifier="live", Payload=b'{"order": 2}')

    assert (queued["StatusCode"], checked["StatusCode"]) == (202, 204)
    assert json.loads(through_alias["Payload"].read()) == {"order": 2, "version": "1"}
    runs = Run.objects.filter(workspace=workspace).order_by("created_at")
    assert [run.steps[0]["invoke"]["type"] for run in runs] == ["Event", "DryRun", "RequestResponse"]
    assert [a["trigger"] for a in runs[0].trace["attempts"]] == ["async"]


def test_a_function_with_no_concurrency_is_throttled_as_lambda_throttles(live_server, celery_worker):
    workspace = make_workspace(world={"functions": {"orders": {"code": CODE, "reserved_concurrency": 0}}})
    lam = lambda_client(live_server, workspace)

    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName="orders", Payload=b"{}")

    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("TooManyRequestsException", 429)
    assert error["Error"]["Message"] == "Rate Exceeded."


def test_an_invoke_over_the_waiting_cap_gets_429_too_many_requests_at_once(live_server, celery_worker, settings):
    settings.SANDBOX_WAITING_REQUESTS_PER_WORKSPACE = 1
    workspace = make_workspace(world={"functions": {"orders": {"code": CODE}}})
    lam = lambda_client(live_server, workspace)

    with waiting.place(workspace.pk), pytest.raises(ClientError) as refused:
        lam.invoke(FunctionName="orders", Payload=json.dumps({"order": 1}))
    answer = lam.invoke(FunctionName="orders", Payload=json.dumps({"order": 2}))

    error = refused.value.response
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert "At most 1 requests may wait" in error["Error"]["Message"]
    assert json.loads(answer["Payload"].read())["order"] == 2
    assert Run.objects.filter(workspace=workspace).count() == 1
    assert waiting.waiting(workspace.pk) == 0
