"""Function URLs: the payload format 2.0 event, the response mapping, authorisation, CORS and errors.

Each scenario runs real handler code, once with the local executor and once through the isolation daemon
(the ``executor`` fixture). The events handlers receive are checked against the parser Powertools for AWS
Lambda ships for real function URL events."""

from __future__ import annotations

import base64
import json

from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent
from aws_lambda_powertools.utilities.parser.models import LambdaFunctionUrlModel

from sandbox.emulator import urls

from .parts import fn, problems, run

BOTH = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
ECHO = fn('return {"statusCode": 200, "body": json.dumps(event)}', "import json\n")
FORBIDDEN = {
    "Message": "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
}
# The top-level keys AWS documents for a function URL request (urls-invocation, "Request payload format").
DOCUMENTED_KEYS = {
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "queryStringParameters",
    "requestContext",
    "body",
    "pathParameters",
    "isBase64Encoded",
    "stageVariables",
}


def public(target: str) -> dict:
    """The statement the console adds for a NONE URL: anyone may call it."""
    return {"function": target, "principal": "*", "action": BOTH, "function_url_auth_type": "NONE"}


def request(at_s: float, url: str, **call) -> dict:
    return {"at_s": at_s, "url_request": {"url": url, **call}}


def echoed(record: dict) -> dict:
    assert record["status_code"] == 200, record
    return json.loads(record["body"])


def test_a_public_url_hands_the_function_a_real_function_url_event(executor):
    trace = run(
        executor,
        {
            "functions": {"echo": ECHO},
            "function_urls": {"echo": {"auth_type": "NONE"}},
            "permissions": [public("echo")],
            "steps": [
                request(
                    0,
                    "echo",
                    method="POST",
                    path="/orders/7",
                    query="expand=items&expand=notes&dry",
                    headers={"Content-Type": "application/json", "Cookie": "session=abc; theme=dark", "X-Trace": "1"},
                    body={"quantity": 2},
                ),
                request(1, "echo", method="PUT", headers={"Content-Type": "image/png"}, body="PNGDATA"),
                request(2, "echo"),
            ],
        },
    )

    first, binary, bare = (echoed(r) for r in trace["url_responses"])
    for event in (first, binary, bare):
        parsed = LambdaFunctionUrlModel.model_validate(event)  # Powertools' model of the real event
        assert parsed.requestContext.routeKey == "$default" and parsed.requestContext.stage == "$default"
        assert set(event) <= DOCUMENTED_KEYS
        assert event["requestContext"]["accountId"] == "anonymous" and "authorizer" not in event["requestContext"]
    url_id = urls.url_id("123456789012", "echo")
    assert first["requestContext"]["apiId"] == first["requestContext"]["domainPrefix"] == url_id
    assert first["headers"]["host"] == f"{url_id}.lambda-url.us-east-1.on.aws"
    assert first["rawPath"] == first["requestContext"]["http"]["path"] == "/orders/7"
    assert first["rawQueryString"] == "expand=items&expand=notes&dry"
    assert first["queryStringParameters"] == {"expand": "items,notes", "dry": ""}
    assert first["cookies"] == ["session=abc", "theme=dark"] and "cookie" not in first["headers"]
    assert first["headers"]["x-trace"] == "1" and first["headers"]["content-type"] == "application/json"
    assert (first["body"], first["isBase64Encoded"]) == ('{"quantity":2}', False)
    data = LambdaFunctionUrlEvent(first)  # the data class handlers use
    assert data.request_context.http.method == "POST" and data.get_query_string_value("dry") == ""
    assert data.json_body == {"quantity": 2}
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"PNGDATA"
    assert "body" not in bare and "queryStringParameters" not in bare and "cookies" not in bare
    assert bare["rawQueryString"] == "" and bare["isBase64Encoded"] is False


def test_responses_map_as_lambda_maps_them(executor):
    handlers = {
        "text": fn('return "Hello, world!"'),
        "plain": fn('return {"message": "hi"}'),
        "custom": fn(
            'return {"statusCode": 201, "headers": {"My-Header": "yes"}, "cookies": ["a=1; Max-Age=60", "b=2"],'
            ' "body": base64.b64encode(b"\\x89PNG").decode(), "isBase64Encoded": True}',
            "import base64\n",
        ),
        "nobody": fn('return {"statusCode": 204}'),
        "malformed": fn('return {"statusCode": 99, "body": "x"}'),
        "split": fn('return {"statusCode": 200, "headers": {"X-A": "1\\r\\nSet-Cookie: sessionid=x"}}'),
        "spaced": fn('return {"statusCode": 200, "headers": {"X A": "1"}}'),
        "crumb": fn('return {"statusCode": 200, "cookies": ["a=1\\nb=2"]}'),
    }
    trace = run(
        executor,
        {
            "functions": handlers,
            "function_urls": {name: {"auth_type": "NONE"} for name in handlers},
            "permissions": [public(name) for name in handlers],
            "steps": [request(0, name) for name in handlers],
        },
    )

    got = {r["url"]: r for r in trace["url_responses"]}
    # No statusCode: a 200 JSON response whose body is what the function returned, JSON and all.
    assert (got["text"]["status_code"], got["text"]["body"]) == (200, '"Hello, world!"')
    assert got["text"]["headers"] == {"content-type": "application/json"}
    assert got["plain"]["status_code"] == 200 and json.loads(got["plain"]["body"]) == {"message": "hi"}
    custom = got["custom"]
    assert custom["status_code"] == 201 and custom["headers"]["my-header"] == "yes"
    assert custom["cookies"] == ["a=1; Max-Age=60", "b=2"]
    assert custom["body_base64"] is True and base64.b64decode(custom["body"]) == b"\x89PNG"
    assert (got["nobody"]["status_code"], got["nobody"]["body"]) == (204, "")
    assert (got["malformed"]["status_code"], got["malformed"]["body"]) == (502, "Internal Server Error")
    # Headers or cookies HTTP cannot carry (a line break, a space in a name) make the response invalid too.
    for name in ("split", "spaced", "crumb"):
        assert (got[name]["status_code"], got[name]["body"]) == (502, "Internal Server Error"), name


def test_throttles_errors_and_timeouts_reach_the_caller_as_status_codes_without_retries(executor):
    handlers = {
        "blocked": fn('return "never"', reserved_concurrency=0),
        "raises": fn('raise ValueError("boom")'),
        "slow": fn('time.sleep(5)\nreturn "late"', "import time\n", timeout_s=2),
    }
    trace = run(
        executor,
        {
            "functions": handlers,
            "function_urls": {name: {"auth_type": "NONE"} for name in handlers},
            "permissions": [public(name) for name in handlers],
            "steps": [request(0, name) for name in handlers],
        },
    )

    got = {r["url"]: r for r in trace["url_responses"]}
    assert got["blocked"]["status_code"] == 429
    assert got["blocked"]["headers"]["x-amzn-errortype"] == "TooManyRequestsException"
    assert json.loads(got["blocked"]["body"])["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert (got["raises"]["status_code"], got["raises"]["body"]) == (502, "Internal Server Error")
    assert (got["slow"]["status_code"], got["slow"]["body"]) == (502, "Internal Server Error")
    assert got["slow"]["at_s"] >= 2
    # One attempt per request that could run, never a second one; the throttled one never ran.
    assert sorted(a["function"] for a in trace["attempts"]) == ["raises", "slow"]
    assert {a["trigger"] for a in trace["attempts"]} == {"function_url"}
    assert trace["metrics"]["blocked"]["throttles"] == 1


def test_none_still_needs_a_public_resource_policy_and_aws_iam_needs_an_allowed_signer(executor):
    trace = run(
        executor,
        {
            "functions": {"open": ECHO, "private": ECHO, "shared": ECHO},
            "function_urls": {
                "open": {"auth_type": "NONE"},
                "private": {"auth_type": "AWS_IAM"},
                "shared": {"auth_type": "AWS_IAM"},
            },
            "users": {
                "developer": {"actions": BOTH},
                "half": {"actions": ["lambda:InvokeFunctionUrl"]},
                "partner": {},
            },
            "permissions": [
                # Only one of the two actions: a NONE URL stays closed.
                {"function": "open", "principal": "*", "action": "lambda:InvokeFunctionUrl"},
                {"function": "shared", "principal": "partner", "action": BOTH},
            ],
            "steps": [
                request(0, "open"),
                request(0, "private"),
                request(0, "private", signed_as="developer"),
                request(0, "private", signed_as="half"),
                request(0, "shared", signed_as="partner"),
                request(0, "private", signed_as="partner"),
            ],
        },
    )

    statuses = [r["status_code"] for r in trace["url_responses"]]
    assert statuses == [403, 403, 200, 403, 200, 403]
    denied = trace["url_responses"][0]
    assert json.loads(denied["body"]) == FORBIDDEN
    assert denied["headers"]["x-amzn-errortype"] == "AccessDeniedException"
    signed = echoed(trace["url_responses"][2])
    parsed = LambdaFunctionUrlModel.model_validate(signed)
    assert parsed.requestContext.authorizer is not None and parsed.requestContext.authorizer.iam is not None
    iam = signed["requestContext"]["authorizer"]["iam"]
    assert iam["userArn"] == "arn:aws:iam::123456789012:user/developer"
    assert iam["accessKey"] == urls.access_key_id("developer") and iam["callerId"].startswith("AIDA")
    assert signed["requestContext"]["accountId"] == "123456789012"
    assert len(trace["attempts"]) == 2  # refused requests never run the function


def test_cors_preflight_is_answered_from_the_settings_and_responses_carry_them(executor):
    cors = {
        "allow_origins": ["https://shop.example"],
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["Content-Type", "X-Api-Key"],
        "expose_headers": ["X-Request-Id"],
        "max_age": 300,
        "allow_credentials": True,
    }
    own_cors = fn('return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "ok"}')
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    trace = run(
        executor,
        {
            "functions": {"shop": own_cors},
            "function_urls": {"shop": {"auth_type": "AWS_IAM", "cors": cors}},
            "users": {"developer": {"actions": BOTH}},
            "steps": [
                request(0, "shop", method="OPTIONS", headers=preflight),
                request(0, "shop", method="OPTIONS", headers={**preflight, "Origin": "https://evil.example"}),
                request(0, "shop", signed_as="developer", headers={"Origin": "https://shop.example"}),
            ],
        },
    )

    allowed, other, actual = trace["url_responses"]
    assert allowed["status_code"] == 200 and allowed["request_id"] is None  # Lambda answered; no invocation
    assert allowed["headers"] == {
        "access-control-allow-origin": "https://shop.example",
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "content-type,x-api-key",
        "access-control-allow-credentials": "true",
        "access-control-max-age": "300",
        "vary": "Origin",
    }
    assert other["status_code"] == 200 and "access-control-allow-origin" not in other["headers"]
    assert actual["headers"]["access-control-allow-origin"] == "https://shop.example"  # the function's "*" replaced
    assert actual["headers"]["access-control-expose-headers"] == "x-request-id"
    assert len(trace["attempts"]) == 1


def test_an_alias_url_runs_the_alias_version_under_its_own_policy(executor):
    trace = run(
        executor,
        {
            "functions": {
                "orders": {
                    **fn("return context.invoked_function_arn"),
                    "versions": {"1": {}},
                    "aliases": {"live": "1"},
                }
            },
            "function_urls": {"orders:live": {"auth_type": "NONE"}, "orders": {"auth_type": "NONE"}},
            "permissions": [public("orders")],
            "steps": [request(0, "orders:live"), request(0, "orders")],
        },
    )

    live, latest = trace["url_responses"]
    assert live["status_code"] == 403  # the function's own statement doesn't cover the alias
    assert latest["status_code"] == 200 and json.loads(latest["body"]).endswith(":function:orders")
    assert urls.url_id("123456789012", "orders:live") != urls.url_id("123456789012", "orders")


def test_function_url_settings_are_refused_with_awss_messages():
    scenario = {
        "functions": {"orders": {**fn("return 1"), "versions": {"1": {}}}},
        "function_urls": {
            "orders": {
                "auth_type": "PUBLIC",
                "cors": {"max_age": 90000, "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "X"]},
            },
            "orders:1": {"auth_type": "NONE"},
            "orders:live": {"auth_type": "NONE", "invoke_mode": "RESPONSE_STREAM"},
            "ghost": {},
        },
        "permissions": [{"function": "orders", "action": "lambda:InvokeFunctionUrl"}],
        "steps": [request(0, "missing"), request(0, "orders", signed_as="no body")],
    }

    text = problems(scenario)
    assert (
        "Value 'PUBLIC' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: "
        "[AWS_IAM, NONE]" in text
    )
    assert (
        "Value '90000' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400"
        in text
    )
    assert (
        "at 'cors.allowMethods' failed to satisfy constraint: Member must have length less than or equal to 6" in text
    )
    assert (
        r"Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        r"((?!^\d+$)^[0-9a-zA-Z-_]+$)" in text
    )
    assert (
        "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:orders:live"
        in text
    )
    assert "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:ghost" in text
    assert "Value null at 'authType' failed to satisfy constraint: Member must not be null" in text
    assert "Value null at 'principal' failed to satisfy constraint: Member must not be null" in text
    assert "function URL 'missing' doesn't exist" in text
    assert "'no body' can't be an IAM user name" in text
