"""A function's resource-based policy and its function URL through a workspace's AWS endpoint, with real boto3
and the real AWS CLI: saved to the world (validated as every change is), refused as Lambda refuses, and a URL made
public from the CLI answers a stranger as a run of the workspace."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.test import Client
from django.urls import reverse

from sandbox.emulator import urls
from sandbox.models import Run, Workspace
from sandbox.tests.support import make_workspace
from sandbox.tests.test_aws_endpoint_cli import ok, run_cli

pytestmark = [pytest.mark.django_db(transaction=True)]

SHOP = """\
def lambda_handler(event, context):
    return {"statusCode": 200, "body": "welcome to the shop"}
"""
ARN = "arn:aws:lambda:us-east-1:123456789012:function:shop"


def client(live_server, workspace: Workspace):
    key_id, secret = workspace.access_keys()
    return boto3.client(
        "lambda",
        endpoint_url=live_server.url + reverse("sandbox:aws-endpoint", args=[workspace.pk]),
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 0}),
    )


def error_of(raised) -> tuple[str, str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_add_permission_get_policy_and_remove_permission_change_the_worlds_permissions(live_server):
    workspace = make_workspace(world={"functions": {"shop": {"code": SHOP}}})
    lam = client(live_server, workspace)
    with pytest.raises(ClientError) as none_yet:
        lam.get_policy(FunctionName="shop")
    assert error_of(none_yet) == ("ResourceNotFoundException", "The resource you requested does not exist.", 404)

    added = lam.add_permission(
        FunctionName="shop",
        StatementId="public",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    policy = json.loads(lam.get_policy(FunctionName="shop")["Policy"])

    assert json.loads(added["Statement"]) == {
        "Sid": "public",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "lambda:InvokeFunctionUrl",
        "Resource": ARN,
        "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
    }
    assert policy["Statement"] == [json.loads(added["Statement"])]
    workspace.refresh_from_db()
    assert workspace.world["permissions"] == [
        {"function": "shop", "sid": "public", "principal": "*", "action": "lambda:InvokeFunctionUrl",
         "function_url_auth_type": "NONE"}
    ]  # fmt: skip
    with pytest.raises(ClientError) as twice:
        lam.add_permission(FunctionName="shop", StatementId="public", Action="lambda:InvokeFunction", Principal="*")
    assert error_of(twice) == (
        "ResourceConflictException",
        "The statement id (public) provided already exists. Please choose another statement id.",
        409,
    )
    with pytest.raises(ClientError) as bad_auth_type:
        lam.add_permission(
            FunctionName="shop", StatementId="x", Action="lambda:InvokeFunctionUrl", Principal="*",
            FunctionUrlAuthType="OPEN",
        )  # fmt: skip
    assert bad_auth_type.value.response["Error"]["Code"] in ("ValidationException", "InvalidParameterValueException")
    assert "OPEN" in error_of(bad_auth_type)[1]

    lam.remove_permission(FunctionName="shop", StatementId="public")
    workspace.refresh_from_db()
    assert workspace.world["permissions"] == []
    with pytest.raises(ClientError) as gone:
        lam.remove_permission(FunctionName="shop", StatementId="public")
    assert error_of(gone) == ("ResourceNotFoundException", "Statement public is not found in resource policy.", 404)


def test_function_url_configs_are_created_read_updated_and_deleted_in_the_world(live_server):
    workspace = make_workspace(world={"functions": {"shop": {"code": SHOP}}})
    lam = client(live_server, workspace)

    created = lam.create_function_url_config(FunctionName="shop", AuthType="AWS_IAM")
    updated = lam.update_function_url_config(
        FunctionName="shop", AuthType="NONE", Cors={"AllowOrigins": ["https://shop.example"], "MaxAge": 60}
    )
    got = lam.get_function_url_config(FunctionName="shop")

    url_id = urls.url_id("123456789012", "shop")
    assert created["FunctionUrl"] == f"https://{url_id}.lambda-url.us-east-1.on.aws/"
    assert (created["FunctionArn"], created["AuthType"], created["InvokeMode"]) == (ARN, "AWS_IAM", "BUFFERED")
    assert updated["AuthType"] == got["AuthType"] == "NONE"
    assert got["Cors"] == {"AllowOrigins": ["https://shop.example"], "MaxAge": 60}
    workspace.refresh_from_db()
    assert workspace.world["function_urls"] == {
        "shop": {"auth_type": "NONE", "cors": {"allow_origins": ["https://shop.example"], "max_age": 60}}
    }
    with pytest.raises(ClientError) as twice:
        lam.create_function_url_config(FunctionName="shop", AuthType="NONE")
    assert error_of(twice) == (
        "ResourceConflictException",
        f"Failed to create function url config for [functionArn = {ARN}]. Error message:  FunctionUrlConfig exists "
        "for this Lambda function",
        409,
    )
    with pytest.raises(ClientError) as wrong:
        lam.update_function_url_config(FunctionName="shop", Cors={"MaxAge": 90000})
    assert "maxAge" in error_of(wrong)[1]
    workspace.refresh_from_db()
    assert workspace.world["function_urls"]["shop"]["cors"]["max_age"] == 60  # the refused change saved nothing

    lam.delete_function_url_config(FunctionName="shop")
    workspace.refresh_from_db()
    assert workspace.world["function_urls"] == {}
    with pytest.raises(ClientError) as gone:
        lam.get_function_url_config(FunctionName="shop")
    assert error_of(gone) == ("ResourceNotFoundException", "The resource you requested does not exist.", 404)


@pytest.mark.celery
def test_a_url_made_public_with_the_aws_cli_answers_a_stranger(live_server, celery_worker, tmp_path):
    workspace = make_workspace(world={"functions": {"shop": {"code": SHOP}}})

    made = ok(run_cli(live_server, workspace, tmp_path, "lambda", "create-function-url-config",
                      "--function-name", "shop", "--auth-type", "NONE"))  # fmt: skip
    for sid, action in (("url", "lambda:InvokeFunctionUrl"), ("invoke", "lambda:InvokeFunction")):
        ok(run_cli(live_server, workspace, tmp_path, "lambda", "add-permission", "--function-name", "shop",
                   "--statement-id", sid, "--action", action, "--principal", "*",
                   "--function-url-auth-type", "NONE"))  # fmt: skip

    url_id = made["FunctionUrl"].removeprefix("https://").split(".", 1)[0]
    response = Client().get(reverse("sandbox:function-url", args=[workspace.pk, url_id]))
    assert (response.status_code, response.content) == (200, b"welcome to the shop")
    assert Run.objects.get(workspace=workspace).kind == "url_request"
