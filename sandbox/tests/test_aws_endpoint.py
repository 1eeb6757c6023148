"""A workspace's AWS endpoint, driven from outside by a real boto3 client over HTTP (pytest-django's live server):
signatures checked with the workspace's own key, Lambda's control plane changing the world the pages show."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.test import Client
from django.urls import reverse

from sandbox.models import Workspace
from sandbox.tests.support import make_workspace

pytestmark = [pytest.mark.django_db(transaction=True)]

HANDLER = """\
def lambda_handler(event, context):
    return {"seen": event}
"""


def world() -> dict:
    return {
        "functions": {"orders": {"code": HANDLER}, "billing": {"code": HANDLER, "memory_mb": 256}},
        "queues": {"jobs": {}, "failed": {}},
        "streams": {"clicks": {}},
    }


def endpoint(live_server, workspace: Workspace) -> str:
    return live_server.url + reverse("sandbox:aws-endpoint", args=[workspace.pk])


def client(live_server, workspace: Workspace, secret: str | None = None, key: str | None = None):
    key_id, real_secret = workspace.access_keys()
    return boto3.client(
        "lambda",
        endpoint_url=endpoint(live_server, workspace),
        region_name="us-east-1",
        aws_access_key_id=key or key_id,
        aws_secret_access_key=secret or real_secret,
        config=Config(retries={"max_attempts": 0}),
    )


def test_get_and_list_functions_answer_from_the_world(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)

    got = lam.get_function(FunctionName="billing")
    listed = lam.list_functions()

    assert got["Configuration"]["MemorySize"] == 256
    assert got["Configuration"]["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:billing"
    assert [f["FunctionName"] for f in listed["Functions"]] == ["billing", "orders"]
