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


def owner_page(workspace: Workspace, name: str = "sandbox:workspace-detail", *args) -> str:
    page = Client()
    page.force_login(workspace.owner)
    return page.get(reverse(name, args=[workspace.pk, *args])).content.decode()


def refusal(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Message"]


def test_a_wrong_secret_is_refused_with_lambdas_signature_error(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace, secret="x" * 40)

    code, status, message = refusal(lambda: lam.list_functions())

    assert (code, status) == ("InvalidSignatureException", 403)
    assert message.startswith("The request signature we calculated does not match the signature you provided.")


def test_the_keys_of_one_workspace_are_unknown_to_another(live_server):
    mine = make_workspace(world=world())
    other = make_workspace(world=world())
    key_id, secret = other.access_keys()
    lam = client(live_server, mine, secret=secret, key=key_id)

    code, status, message = refusal(lambda: lam.get_function(FunctionName="orders"))

    assert (code, status, message) == (
        "UnrecognizedClientException",
        403,
        "The security token included in the request is invalid.",
    )


def test_an_unknown_function_is_not_found_as_on_lambda(live_server):
    lam = client(live_server, make_workspace(world=world()))

    assert refusal(lambda: lam.get_function(FunctionName="nope")) == (
        "ResourceNotFoundException",
        404,
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope",
    )


def test_a_configuration_change_is_saved_and_shows_on_the_workspace_page_at_once(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)

    updated = lam.update_function_configuration(
        FunctionName="orders", MemorySize=512, Timeout=20, Environment={"Variables": {"STAGE": "test"}}
    )

    assert (updated["MemorySize"], updated["Timeout"], updated["LastUpdateStatus"]) == (512, 20, "InProgress")
    workspace.refresh_from_db()
    spec = workspace.world["functions"]["orders"]
    assert (spec["memory_mb"], spec["timeout_s"], spec["environment"]) == (512, 20, {"STAGE": "test"})
    assert "512 MB · timeout 20 s" in owner_page(workspace)
    assert lam.get_function_configuration(FunctionName="orders")["Environment"]["Variables"] == {"STAGE": "test"}


def test_a_setting_lambda_refuses_gets_its_validation_error_and_the_world_stays_as_it_was(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)

    code, status, message = refusal(lambda: lam.update_function_configuration(FunctionName="orders", Timeout=901))

    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
        "Member must have value less than or equal to 900"
    )
    workspace.refresh_from_db()
    assert workspace.world == world()


def package(**files: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name.replace("__", "/") + ".py", text)
    return buffer.getvalue()


def test_new_code_from_a_zip_then_a_version_and_a_weighted_alias(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)
    new_code = 'def lambda_handler(event, context):\n    return "v2"\n'

    code = lam.update_function_code(FunctionName="orders", ZipFile=package(lambda_function=new_code))
    first = lam.publish_version(FunctionName="orders", Description="first")
    again = lam.publish_version(FunctionName="orders")
    lam.update_function_configuration(FunctionName="orders", MemorySize=1024)
    second = lam.publish_version(FunctionName="orders")
    alias = lam.create_alias(
        FunctionName="orders",
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
    )
    shifted = lam.update_alias(
        FunctionName="orders", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}
    )

    assert code["CodeSha256"] == first["CodeSha256"]
    assert (first["Version"], again["Version"], second["Version"]) == ("1", "1", "2")
    assert (first["MemorySize"], second["MemorySize"]) == (128, 1024)
    assert (first["Description"], second["Description"]) == ("first", "")
    assert lam.get_function_configuration(FunctionName="orders", Qualifier="1")["Description"] == "first"
    assert lam.get_function_configuration(FunctionName="orders")["Description"] == ""
    assert alias["AliasArn"] == "arn:aws:lambda:us-east-1:123456789012:function:orders:live"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}
    assert shifted["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.5}}
    assert alias["RevisionId"] != shifted["RevisionId"]
    workspace.refresh_from_db()
    spec = workspace.world["functions"]["orders"]
    assert spec["files"] == {"lambda_function.py": new_code}
    assert spec["aliases"]["live"] == {"version": "1", "weights": {"2": 0.5}}
    assert sorted(spec["versions"]) == ["1", "2"]
    assert lam.get_function(FunctionName="orders", Qualifier="live")["Configuration"]["Version"] == "1"
    world_page = owner_page(workspace, "sandbox:workspace-world")
    assert "live:" in world_page and "weights:" in world_page
    assert refusal(lambda: lam.create_alias(FunctionName="orders", Name="live", FunctionVersion="2")) == (
        "ResourceConflictException",
        409,
        "Alias already exists: arn:aws:lambda:us-east-1:123456789012:function:orders:live",
    )
    assert refusal(lambda: lam.update_alias(FunctionName="orders", Name="beta", FunctionVersion="2"))[:2] == (
        "ResourceNotFoundException",
        404,
    )
    code, status, message = refusal(lambda: lam.create_alias(FunctionName="orders", Name="beta", FunctionVersion="9"))
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert message == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:orders:9"


def test_a_file_that_is_not_a_zip_is_refused_as_lambda_words_it(live_server):
    lam = client(live_server, make_workspace(world=world()))

    assert refusal(lambda: lam.update_function_code(FunctionName="orders", ZipFile=b"not a zip")) == (
        "InvalidParameterValueException",
        400,
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )


def test_a_zip_that_unpacks_beyond_the_code_limit_is_refused_before_it_is_unpacked(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lambda_function.py", "#" * 50_000_000)  # 50 MB of text in a zip of about 50 KB

    code, status, message = refusal(lambda: lam.update_function_code(FunctionName="orders", ZipFile=buffer.getvalue()))

    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message == "Unzipped size must be at most 262144 bytes in the sandbox; this package holds 50000000."
    workspace.refresh_from_db()
    assert workspace.world == world()


def test_a_page_size_out_of_range_is_refused_as_lambda_words_it(live_server):
    workspace = make_workspace(world=world())
    key_id, secret = workspace.access_keys()
    lam = boto3.client(
        "lambda",
        endpoint_url=endpoint(live_server, workspace),
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 0}, parameter_validation=False),  # as a raw request could send it
    )

    assert refusal(lambda: lam.list_functions(MaxItems=-3)) == (
        "ValidationException",
        400,
        "1 validation error detected: Value '-3' at 'maxItems' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )
    assert refusal(lambda: lam.list_versions_by_function(FunctionName="orders", MaxItems=0))[:2] == (
        "ValidationException",
        400,
    )
    assert [f["FunctionName"] for f in lam.list_functions(MaxItems=1)["Functions"]] == ["billing"]


def test_reserved_and_provisioned_concurrency(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)

    reserved = lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=5)
    lam.publish_version(FunctionName="orders")
    lam.create_alias(FunctionName="orders", Name="live", FunctionVersion="1")
    provisioned = lam.put_provisioned_concurrency_config(
        FunctionName="orders", Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    too_many = refusal(
        lambda: lam.put_provisioned_concurrency_config(
            FunctionName="orders", Qualifier="live", ProvisionedConcurrentExecutions=9
        )
    )

    assert reserved == {**reserved, "ReservedConcurrentExecutions": 5}
    assert (provisioned["RequestedProvisionedConcurrentExecutions"], provisioned["Status"]) == (2, "IN_PROGRESS")
    assert too_many == (
        "InvalidParameterValueException",
        400,
        "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function",
    )
    workspace.refresh_from_db()
    spec = workspace.world["functions"]["orders"]
    assert (spec["reserved_concurrency"], spec["provisioned_concurrency"], spec["provisioned_qualifier"]) == (
        5,
        2,
        "live",
    )
    assert lam.get_function(FunctionName="orders")["Concurrency"] == {"ReservedConcurrentExecutions": 5}

    lam.delete_provisioned_concurrency_config(FunctionName="orders", Qualifier="live")
    lam.delete_function_concurrency(FunctionName="orders")

    workspace.refresh_from_db()
    assert {"reserved_concurrency", "provisioned_concurrency"} & set(workspace.world["functions"]["orders"]) == set()
    assert "Concurrency" not in lam.get_function(FunctionName="orders")


def test_event_source_mappings_are_created_updated_and_deleted_in_the_world(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)
    queue = "arn:aws:sqs:us-east-1:123456789012:jobs"

    created = lam.create_event_source_mapping(
        FunctionName="orders",
        EventSourceArn=queue,
        BatchSize=5,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        FilterCriteria={"Filters": [{"Pattern": '{"body": {"kind": ["order"]}}'}]},
    )
    duplicate = refusal(lambda: lam.create_event_source_mapping(FunctionName="orders", EventSourceArn=queue))
    paused = lam.update_event_source_mapping(UUID=created["UUID"], Enabled=False, BatchSize=10)
    stream = lam.create_event_source_mapping(
        FunctionName="billing",
        EventSourceArn="arn:aws:kinesis:us-east-1:123456789012:stream/clicks",
        StartingPosition="LATEST",
        BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:failed"}},
    )

    assert (created["State"], created["BatchSize"], created["EventSourceArn"]) == ("Creating", 5, queue)
    assert duplicate == (
        "ResourceConflictException",
        409,
        f'An event source mapping with SQS arn (" {queue} ") and function (" orders ") already exists. Please '
        f"update or delete the existing mapping with UUID {created['UUID']}",
    )
    assert (paused["State"], paused["BatchSize"]) == ("Disabling", 10)
    workspace.refresh_from_db()
    assert workspace.world["event_source_mappings"] == [
        {
            "function": "orders",
            "source": "queue:jobs",
            "batch_size": 10,
            "filter_patterns": [{"body": {"kind": ["order"]}}],
            "report_batch_item_failures": True,
            "enabled": False,
        },
        {
            "function": "billing",
            "source": "stream:clicks",
            "starting_position": "LATEST",
            "bisect_batch_on_function_error": True,
            "on_failure": "queue:failed",
        },
    ]
    assert stream["DestinationConfig"] == {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:failed"}}
    listed = lam.list_event_source_mappings(FunctionName="orders")["EventSourceMappings"]
    assert [(m["UUID"], m["State"]) for m in listed] == [(created["UUID"], "Disabled")]

    deleted = lam.delete_event_source_mapping(UUID=created["UUID"])

    assert deleted["State"] == "Deleting"
    workspace.refresh_from_db()
    assert [m["source"] for m in workspace.world["event_source_mappings"]] == ["stream:clicks"]
    assert refusal(lambda: lam.get_event_source_mapping(UUID=created["UUID"])) == (
        "ResourceNotFoundException",
        404,
        "The resource you requested does not exist.",
    )


def test_a_mapping_lambda_refuses_is_refused_in_its_words(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)

    code, status, message = refusal(
        lambda: lam.create_event_source_mapping(
            FunctionName="orders", EventSourceArn="arn:aws:sqs:us-east-1:123456789012:jobs", BatchSize=20
        )
    )

    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10" in message
    workspace.refresh_from_db()
    assert "event_source_mappings" not in workspace.world


def test_event_invoke_configuration_on_the_function_and_on_an_alias(live_server):
    workspace = make_workspace(world=world())
    lam = client(live_server, workspace)
    lam.publish_version(FunctionName="orders")
    lam.create_alias(FunctionName="orders", Name="live", FunctionVersion="1")

    on_function = lam.put_function_event_invoke_config(
        FunctionName="orders",
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:failed"}},
    )
    on_alias = lam.put_function_event_invoke_config(
        FunctionName="orders", Qualifier="live", MaximumEventAgeInSeconds=60
    )
    too_many = refusal(lambda: lam.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=3))

    assert on_function["MaximumRetryAttempts"] == 0 and on_function["MaximumEventAgeInSeconds"] == 21600
    assert on_function["DestinationConfig"]["OnFailure"]["Destination"].endswith(":failed")
    assert on_alias["FunctionArn"].endswith(":orders:live") and on_alias["MaximumEventAgeInSeconds"] == 60
    assert too_many[:2] == ("ValidationException", 400)
    workspace.refresh_from_db()
    spec = workspace.world["functions"]["orders"]
    assert spec["async"] == {"maximum_retry_attempts": 0, "on_failure": "queue:failed"}
    assert spec["aliases"]["live"]["async"] == {"maximum_event_age_s": 60}


def test_an_unsigned_request_is_refused_as_lambda_refuses_one():
    workspace = make_workspace(world=world())

    response = Client().get(reverse("sandbox:aws-endpoint-path", args=[workspace.pk, "2015-03-31/functions"]))

    assert response.status_code == 403
    assert response["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(response.content)["Message"] == "Missing Authentication Token"


def test_a_body_larger_than_the_site_accepts_is_refused_with_413(live_server, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    lam = client(live_server, make_workspace(world=world()))

    code, status, message = refusal(lambda: lam.invoke(FunctionName="orders", Payload=b'"' + b"x" * 2000 + b'"'))

    assert (code, status, message) == ("RequestTooLargeException", 413, "Request must be smaller than 1024 bytes here.")


def test_layers_and_snapstart_are_set_by_arn_and_checked_as_lambda_checks_them(live_server):
    workspace = make_workspace(
        world={**world(), "layers": {"common": {"versions": [{"files": {"python/common.py": "X = 1\n"}}]}}}
    )
    lam = client(live_server, workspace)
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:common"

    updated = lam.update_function_configuration(
        FunctionName="orders", Layers=[f"{layer}:1"], SnapStart={"ApplyOn": "PublishedVersions"}
    )
    missing = refusal(lambda: lam.update_function_configuration(FunctionName="orders", Layers=[f"{layer}:7"]))

    assert updated["Layers"] == [{"Arn": f"{layer}:1"}]
    assert updated["SnapStart"] == {"ApplyOn": "PublishedVersions", "OptimizationStatus": "Off"}
    assert missing == (
        "InvalidParameterValueException",
        400,
        "Layer version arn:aws:lambda:us-east-1:123456789012:layer:common:7 does not exist.",
    )
    workspace.refresh_from_db()
    spec = workspace.world["functions"]["orders"]
    assert (spec["layers"], spec["snap_start"]) == (["common:1"], {"apply_on": "PublishedVersions"})
    assert lam.publish_version(FunctionName="orders")["SnapStart"]["OptimizationStatus"] == "On"

    lam.update_function_configuration(FunctionName="orders", Layers=[], SnapStart={"ApplyOn": "None"})

    workspace.refresh_from_db()
    assert {"layers", "snap_start"} & set(workspace.world["functions"]["orders"]) == set()
