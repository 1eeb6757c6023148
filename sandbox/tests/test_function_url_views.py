"""A workspace's function URLs on the web: requests run as runs on a real Celery worker and come back as
HTTP responses; anyone may call a URL as its auth type allows, while the workspace page stays the owner's."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from sandbox import waiting
from sandbox.emulator import urls
from sandbox.models import Run
from sandbox.tests.support import make_user, make_workspace

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

BOTH = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
ORDERS = """\
import json

def lambda_handler(event, context):
    if event["rawPath"] == "/boom":
        raise ValueError("boom")
    return {
        "statusCode": 201,
        "headers": {"X-Path": event["rawPath"]},
        "cookies": ["seen=yes; Max-Age=60"],
        "body": json.dumps({"query": event.get("queryStringParameters"), "body": event.get("body"),
                            "cookies": event.get("cookies"), "account": event["requestContext"]["accountId"]}),
    }
"""


def world(**extra) -> dict:
    return {
        "functions": {
            "orders": {"code": ORDERS},
            "closed": {"code": ORDERS},
            "busy": {"code": ORDERS, "reserved_concurrency": 0},
        },
        "function_urls": {name: {"auth_type": "NONE"} for name in ("orders", "closed", "busy")},
        "permissions": [
            {"function": name, "principal": "*", "action": BOTH, "function_url_auth_type": "NONE"}
            for name in ("orders", "busy")
        ],
        **extra,
    }


def address(workspace, target: str, path: str = "") -> str:
    url_id = urls.url_id("123456789012", target)
    return reverse("sandbox:function-url", args=[workspace.pk, url_id]) + path


def test_anyone_can_call_a_public_url_and_the_request_is_a_run_of_the_workspace(celery_worker):
    workspace = make_workspace(world=world())
    stranger = Client()  # not logged in: a function URL is reachable as on AWS

    response = stranger.post(
        address(workspace, "orders", "items/7?size=L&size=XL"),
        data=json.dumps({"quantity": 2}),
        content_type="application/json",
        HTTP_COOKIE="session=abc",
    )

    assert response.status_code == 201
    assert response["X-Path"] == "/items/7" and response["Content-Type"] == "application/json"
    assert response.cookies["seen"].value == "yes" and response.cookies["seen"]["max-age"] == "60"
    assert json.loads(response.content) == {
        "query": {"size": "L,XL"},
        "body": '{"quantity": 2}',
        "cookies": ["session=abc"],
        "account": "anonymous",
    }
    run = Run.objects.get(workspace=workspace)
    assert (run.kind, run.status) == ("url_request", Run.DONE)
    assert response["x-amzn-RequestId"] == run.trace["url_responses"][0]["request_id"]
    assert run.trace["attempts"][0]["trigger"] == "function_url"
    owner = Client()
    owner.force_login(workspace.owner)
    shown = owner.get(run.get_absolute_url()).content.decode()
    assert "Function URL responses" in shown and "orders · POST /items/7 · status 201" in shown
    assert "set-cookie: seen=yes; Max-Age=60" in shown
    assert stranger.get(run.get_absolute_url()).status_code in (302, 404)  # the run page stays the owner's


def test_missing_permission_throttles_and_errors_come_back_as_status_codes(celery_worker):
    workspace = make_workspace(world=world())
    client = Client()

    closed = client.get(address(workspace, "closed"))
    busy = client.get(address(workspace, "busy"))
    broken = client.get(address(workspace, "orders", "boom"))
    unknown = client.get(reverse("sandbox:function-url", args=[workspace.pk, "nosuchurl"]))
    bare = client.post(address(workspace, "orders").rstrip("/"), data="{}", content_type="application/json")
    huge = client.post(address(workspace, "orders"), data="x" * 3_000_000, content_type="text/plain")

    assert closed.status_code == 403 and closed["x-amzn-ErrorType"] == "AccessDeniedException"
    assert json.loads(closed.content)["Message"].startswith("Forbidden. For troubleshooting Function URL")
    assert busy.status_code == 429 and busy["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert (broken.status_code, broken.content) == (502, b"Internal Server Error")
    assert unknown.status_code == 403 and json.loads(unknown.content) == {"Message": None}
    assert bare.status_code == 201 and json.loads(bare.content)["body"] == "{}"  # no redirect to add a slash
    assert huge.status_code == 413 and b"request bodies up to" in huge.content  # the sandbox's limit, not a run
    runs = Run.objects.filter(workspace=workspace)
    assert runs.count() == 4 and all(run.status == Run.DONE for run in runs)
    # Two attempts in all: the refused and throttled requests never ran the function, and nothing was retried.
    assert sum(len(run.trace["attempts"]) for run in runs) == 2


def test_the_workspace_page_shows_each_url_with_a_curl_example_to_its_owner_only(celery_worker):
    workspace = make_workspace(world=world(function_urls={"orders": {"auth_type": "AWS_IAM"}}))
    owner, other = Client(), Client()
    owner.force_login(workspace.owner)
    other.force_login(make_user())

    page = owner.get(workspace.get_absolute_url())

    assert other.get(workspace.get_absolute_url()).status_code == 404
    html = page.content.decode()
    workspace.refresh_from_db()
    key_id, secret = workspace.access_keys()
    full = "http://testserver" + address(workspace, "orders")
    assert f'data-function-url="{full}"' in html and 'data-auth-type="AWS_IAM"' in html
    assert f'data-access-key-id="{key_id}"' in html and f'data-secret-access-key="{secret}"' in html
    assert f"curl -i --aws-sigv4 &quot;aws:amz:us-east-1:lambda&quot; --user &quot;{key_id}:{secret}&quot;" in html
    assert key_id.startswith("AKIA") and len(key_id) == 20 and len(secret) == 40
    assert workspace.access_keys() == (key_id, secret)  # made once, then kept


def signed(workspace, path: str, secret: str | None = None, service: str = "lambda", **headers) -> dict:
    """Headers of a GET signed with Signature Version 4 by botocore, as an SDK or awscurl would sign it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    key_id, real_secret = workspace.access_keys()
    request = AWSRequest(method="GET", url="http://testserver" + path, headers=headers)
    SigV4Auth(Credentials(key_id, secret or real_secret), service, "us-east-1").add_auth(request)
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.headers.items()}


def test_an_aws_iam_url_runs_only_for_a_good_signature_from_an_allowed_user(celery_worker):
    reports = "def lambda_handler(event, context):\n    return event['requestContext']['authorizer']['iam']\n"
    iam_world = {
        "functions": {"reports": {"code": reports}, "hidden": {"code": reports}},
        "function_urls": {"reports": {"auth_type": "AWS_IAM"}, "hidden": {"auth_type": "AWS_IAM"}},
        "users": {"developer": {"actions": BOTH}},
    }
    workspace = make_workspace(world=iam_world)
    client = Client()
    path = address(workspace, "reports", "daily?day=1")

    good = client.get(path, **signed(workspace, path))
    unsigned = client.get(path)
    forged = client.get(path, **signed(workspace, path, secret="x" * 40))
    for_s3 = client.get(path, **signed(workspace, path, service="s3"))

    assert good.status_code == 200, good.content
    key_id, _secret = workspace.access_keys()
    assert json.loads(good.content)["accessKey"] == key_id
    assert json.loads(good.content)["userArn"] == "arn:aws:iam::123456789012:user/developer"
    assert unsigned.status_code == 403
    assert json.loads(unsigned.content)["Message"].startswith("Forbidden.")
    assert forged.status_code == 403 and forged["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert "signature we calculated does not match" in json.loads(forged.content)["Message"]
    assert for_s3.status_code == 403
    assert json.loads(for_s3.content)["Message"] == "Credential should be scoped to correct service: 'lambda'. "
    # The user may not call a URL once its policy no longer allows it.
    workspace.world["users"]["developer"]["actions"] = ["lambda:InvokeFunctionUrl"]
    workspace.save()
    hidden = address(workspace, "hidden")
    assert client.get(hidden, **signed(workspace, hidden)).status_code == 403
    # Refused signatures never became runs; the rest did.
    assert Run.objects.filter(workspace=workspace).count() == 3


SNOOP = """\
import json

def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "text/html", "Content-Security-Policy": "script-src *",
                    "Set-Cookie": "csrftoken=chosen; Path=/",
                    "Content-Length": "5", "Transfer-Encoding": "chunked", "Connection": "keep-alive"},
        "cookies": ["sessionid=stolen; Path=/", "theme=dark"],
        "body": "<script>alert(1)</script>" + json.dumps(event.get("cookies")),
    }
"""


def test_a_url_on_the_sites_origin_never_sees_or_sets_the_sites_cookies_and_runs_no_script(celery_worker):
    workspace = make_workspace(
        world={
            "functions": {"snoop": {"code": SNOOP}},
            "function_urls": {"snoop": {"auth_type": "NONE"}},
            "permissions": [{"function": "snoop", "principal": "*", "action": BOTH, "function_url_auth_type": "NONE"}],
        }
    )
    victim = Client()
    victim.force_login(make_user())
    victim.cookies["csrftoken"] = "secret-token"
    victim.cookies["tz"] = "Europe/Paris"
    victim.cookies["flavour"] = "mint"
    session = victim.cookies["sessionid"].value

    response = victim.get(address(workspace, "snoop"))

    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert session not in body and "secret-token" not in body and "Europe/Paris" not in body
    assert body.endswith('["flavour=mint"]')  # the function's own cookies still arrive
    assert response["Content-Security-Policy"] == "sandbox"  # the handler's policy is replaced
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies or response.cookies["csrftoken"].value != "chosen"
    assert response.cookies["theme"].value == "dark"
    assert not response.has_header("Content-Length") or response["Content-Length"] == str(len(response.content))
    assert not response.has_header("Transfer-Encoding") and not response.has_header("Connection")
    assert victim.cookies["sessionid"].value == session


def test_a_too_large_signed_request_to_an_iam_url_answers_413(celery_worker):
    workspace = make_workspace(world=world(function_urls={"orders": {"auth_type": "AWS_IAM"}}))
    path = address(workspace, "orders")

    response = Client().post(path, data="x" * 3_000_000, content_type="text/plain", **signed(workspace, path))

    assert response.status_code == 413 and b"request bodies up to" in response.content
    assert not Run.objects.filter(workspace=workspace).exists()


def test_requests_over_the_waiting_caps_get_aws_429_at_once_and_start_no_run(celery_worker, settings):
    settings.SANDBOX_WAITING_REQUESTS_PER_WORKSPACE = 1
    settings.SANDBOX_WAITING_REQUESTS = 2
    workspace, other = make_workspace(world=world()), make_workspace(world=world())
    client = Client()

    with waiting.place(workspace.pk):  # a request of this workspace is waiting for its run
        crowded = client.get(address(workspace, "orders"))
        with waiting.place(other.pk):  # and one of another workspace: the site's two places are taken
            site_full = client.get(address(make_workspace(world=world()), "orders"))
    served = client.get(address(workspace, "orders", "after"))

    for refused in (crowded, site_full):
        assert refused.status_code == 429 and refused["x-amzn-ErrorType"] == "TooManyRequestsException"
        assert json.loads(refused.content) == {"Type": "User", "message": "Rate Exceeded."}
    assert served.status_code == 201 and served["X-Path"] == "/after"
    assert Run.objects.filter(kind="url_request").count() == 1  # the refused requests never became runs
    assert waiting.waiting(workspace.pk) == 0 and waiting.waiting(other.pk) == 0  # every place was given back


def test_a_caller_never_sees_the_owners_limits_or_world_problems(celery_worker, settings):
    invalid = world()
    invalid["functions"]["orders"]["timeout_s"] = 99999  # saved before a check: the world has a problem now
    broken = make_workspace(world=invalid)
    public = make_workspace(world=world())
    settings.SANDBOX_RUNS_PER_MINUTE = 0

    limited = Client().get(address(public, "orders"))
    settings.SANDBOX_RUNS_PER_MINUTE = 20
    problems = Client().get(address(broken, "orders"))

    assert limited.status_code == 429 and json.loads(limited.content) == {"Type": "User", "message": "Rate Exceeded."}
    assert problems.status_code == 500 and problems["x-amzn-ErrorType"] == "ServiceException"
    assert json.loads(problems.content) == {"Message": "Internal Server Error"}
    assert b"timeout" not in problems.content and b"runs" not in limited.content
