"""SigV4 checks on requests real boto3 clients sent over a socket: good signatures pass; a wrong secret, an unknown
key, a stale or future date, a tampered body or header, an expired presigned URL fail with AWS's codes."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import boto3
import pytest
from botocore.config import Config

from sandbox.aws.http import HttpRequest, HttpResponse, read_request
from sandbox.aws.signing import MISMATCH, S3_MISMATCH, SignatureError, verify
from sandbox.tests.aws_endpoint import Endpoint

KEY = "AKIAEXAMPLEWORKSPACE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})
SIGV4_S3 = Config(retries={"max_attempts": 1, "mode": "standard"}, signature_version="s3v4")


def secret_for(key: str) -> str | None:
    return {KEY: SECRET}.get(key)


def empty_answer(request: HttpRequest) -> HttpResponse:
    """An empty success in the request's protocol: an empty XML document for the query services."""
    form = (request.header("content-type") or "").startswith("application/x-www-form-urlencoded")
    if not form:
        return HttpResponse(200, (), b"")
    action = parse_qs(request.body.decode())["Action"][0]
    return HttpResponse(200, (), f"<{action}Response><{action}Result/></{action}Response>".encode())


@pytest.fixture(scope="module")
def endpoint():
    with Endpoint(empty_answer) as served:
        yield served


CLIENTS: dict[tuple, object] = {}


def client(service: str, endpoint: Endpoint, key: str = KEY, secret: str = SECRET, **kwargs):
    """A boto3 client, made once per service, keys, endpoint and configuration (making one takes a while)."""
    endpoint_url = kwargs.pop("endpoint_url", endpoint.url)
    config = kwargs.pop("config", NO_RETRY)
    made = (service, key, secret, endpoint_url, id(config))
    if made not in CLIENTS:
        CLIENTS[made] = (
            config,
            boto3.client(
                service,
                region_name="us-east-1",
                endpoint_url=endpoint_url,
                aws_access_key_id=key,
                aws_secret_access_key=secret,
                config=config,
            ),
        )
    return CLIENTS[made][1]  # the configuration is kept with its client, so its id is never reused


CALLS = {
    "sts": lambda c: c.get_caller_identity(),
    "sns": lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:alerts", Message="hé, ünïcode & more"),
    "sqs": lambda c: c.send_message(QueueUrl=QUEUE_URL, MessageBody="hello"),
    "events": lambda c: c.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": "{}"}]),
    "dynamodb": lambda c: c.put_item(TableName="orders", Item={"id": {"S": "1"}}),
    "lambda": lambda c: c.invoke(FunctionName="order-handler", Payload=b'{"id": 1}'),
    "s3": lambda c: c.put_object(Bucket="photos", Key="raw/a b+ü.txt", Body=b"data"),
    "s3-list": lambda c: c.list_objects_v2(Bucket="photos", Prefix="raw/a b", MaxKeys=5),
}


def sent(endpoint: Endpoint, call: str, **kwargs) -> HttpRequest:
    service = call.split("-")[0]
    CALLS[call](client(service, endpoint, **kwargs))
    return read_request(endpoint.raw_requests[-1])


def stamp_of(request: HttpRequest) -> datetime:
    return datetime.strptime(request.header("x-amz-date"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def refusal(request: HttpRequest, now: datetime | None = None) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        verify(request, secret_for, now or stamp_of(request))
    return caught.value


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_request_signed_with_the_right_secret_passes(endpoint, call):
    request = sent(endpoint, call)
    assert verify(request, secret_for, stamp_of(request) + timedelta(seconds=3)) == KEY


def test_requests_sent_to_aws_host_names_through_a_proxy_pass(endpoint):
    proxied = Config(proxies={"http": endpoint.url}, retries={"max_attempts": 1}, s3={"addressing_style": "virtual"})
    for service, host in [("sqs", "sqs.us-east-1.amazonaws.com"), ("s3", "photos.s3.us-east-1.amazonaws.com")]:
        endpoint_url = f"http://{host.removeprefix('photos.')}"
        request = sent(endpoint, service, endpoint_url=endpoint_url, config=proxied)
        assert request.host == host
        assert verify(request, secret_for, stamp_of(request)) == KEY


WRONG_SECRET = {
    "sts": ("SignatureDoesNotMatch", 403, MISMATCH),
    "sns": ("SignatureDoesNotMatch", 403, MISMATCH),
    "sqs": ("SignatureDoesNotMatch", 403, MISMATCH),
    "events": ("InvalidSignatureException", 400, MISMATCH),
    "dynamodb": ("InvalidSignatureException", 400, MISMATCH),
    "lambda": ("InvalidSignatureException", 403, MISMATCH),
    "s3": ("SignatureDoesNotMatch", 403, S3_MISMATCH),
}


@pytest.mark.parametrize("service", sorted(WRONG_SECRET))
def test_a_wrong_secret_is_refused_with_the_services_code(endpoint, service):
    error = refusal(sent(endpoint, service, secret="not-the-secret"))
    assert (error.code, error.status, error.message) == WRONG_SECRET[service]
    assert error.service == service


UNKNOWN_KEY = {
    "sts": ("InvalidClientTokenId", 403, "The security token included in the request is invalid."),
    "sqs": ("InvalidClientTokenId", 403, "The security token included in the request is invalid."),
    "dynamodb": ("UnrecognizedClientException", 400, "The security token included in the request is invalid."),
    "lambda": ("UnrecognizedClientException", 403, "The security token included in the request is invalid."),
    "s3": ("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."),
}


@pytest.mark.parametrize("service", sorted(UNKNOWN_KEY))
def test_an_unknown_access_key_is_refused(endpoint, service):
    error = refusal(sent(endpoint, service, key="AKIAOTHERWORKSPACE00"))
    assert (error.code, error.status, error.message) == UNKNOWN_KEY[service]


def test_a_stale_signature_has_expired_with_awss_wording(endpoint):
    request = sent(endpoint, "sts")
    signed_at = stamp_of(request)
    now = signed_at + timedelta(minutes=16)
    error = refusal(request, now)
    earliest = (now - timedelta(minutes=15)).strftime("%Y%m%dT%H%M%SZ")
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 403)
    assert error.message == (
        f"Signature expired: {signed_at:%Y%m%dT%H%M%SZ} is now earlier than {earliest} ({now:%Y%m%dT%H%M%SZ} - 15 min.)"
    )
    assert verify(request, secret_for, signed_at + timedelta(minutes=14)) == KEY


def test_lambda_allows_five_minutes_of_skew_and_a_future_date_is_not_yet_current(endpoint):
    request = sent(endpoint, "lambda")
    signed_at = stamp_of(request)
    error = refusal(request, signed_at + timedelta(minutes=6))
    assert error.code == "InvalidSignatureException"
    assert error.message.endswith("- 5 min.)")
    now = signed_at - timedelta(minutes=6)
    error = refusal(request, now)
    latest = (now + timedelta(minutes=5)).strftime("%Y%m%dT%H%M%SZ")
    assert error.message == (
        f"Signature not yet current: {signed_at:%Y%m%dT%H%M%SZ} is still later than {latest} "
        f"({now:%Y%m%dT%H%M%SZ} + 5 min.)"
    )


def test_s3_answers_a_skewed_clock_with_request_time_too_skewed(endpoint):
    request = sent(endpoint, "s3")
    error = refusal(request, stamp_of(request) + timedelta(minutes=20))
    assert (error.code, error.status) == ("RequestTimeTooSkewed", 403)
    assert error.message == "The difference between the request time and the current time is too large."


def tampered(request: HttpRequest, old: bytes, new: bytes) -> HttpRequest:
    assert old in request.body and len(old) == len(new)
    return HttpRequest(request.method, request.path, request.headers, request.body.replace(old, new), request.host)


def test_a_tampered_body_breaks_the_signature(endpoint):
    request = sent(endpoint, "dynamodb")
    error = refusal(tampered(request, b"orders", b"ordert"))
    assert (error.code, error.status, error.message) == ("InvalidSignatureException", 400, MISMATCH)


def test_s3_compares_the_body_with_its_declared_hash(endpoint):
    request = sent(endpoint, "s3")
    assert request.header("x-amz-content-sha256") not in (None, "UNSIGNED-PAYLOAD")
    error = refusal(tampered(request, b"data", b"date"))
    assert (error.code, error.status) == ("XAmzContentSHA256Mismatch", 400)


def test_a_changed_signed_header_breaks_the_signature(endpoint):
    request = sent(endpoint, "dynamodb")
    headers = tuple(
        (name, "DynamoDB_20120810.DeleteItem" if name.lower() == "x-amz-target" else value)
        for name, value in request.headers
    )
    changed = HttpRequest(request.method, request.path, headers, request.body, request.host)
    assert refusal(changed).code == "InvalidSignatureException"


def test_a_request_without_any_signature_is_missing_its_token():
    request = HttpRequest(
        "POST", "/", (("Host", "sts.amazonaws.com"),), b"Action=GetCallerIdentity", "sts.amazonaws.com"
    )
    error = refusal(request, datetime.now(UTC))
    assert (error.code, error.status) == ("MissingAuthenticationToken", 403)
    assert error.message == "Request is missing Authentication Token"


def test_an_authorization_header_without_its_signature_is_incomplete():
    authorization = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEWORKSPACE/20261204/us-east-1/sns/aws4_request"
    headers = (
        ("Host", "sns.us-east-1.amazonaws.com"),
        ("Authorization", authorization),
        ("X-Amz-Date", "20261204T120000Z"),
    )
    error = refusal(HttpRequest("POST", "/", headers, b"", "sns.us-east-1.amazonaws.com"))
    assert (error.code, error.status) == ("IncompleteSignature", 400)
    assert error.message.startswith(
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."
    )


def fetch(url: str, endpoint: Endpoint) -> HttpRequest:
    with urllib.request.urlopen(url, timeout=10) as answer:
        answer.read()
    return read_request(endpoint.raw_requests[-1])


def test_a_presigned_s3_url_passes_until_it_expires(endpoint):
    s3 = client("s3", endpoint, config=SIGV4_S3)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "photos", "Key": "raw/a b.txt"}, ExpiresIn=60)
    request = fetch(url, endpoint)
    assert request.header("authorization") is None
    signed_at = datetime.strptime(dict(request.query)["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert verify(request, secret_for, signed_at + timedelta(seconds=59)) == KEY
    error = refusal(request, signed_at + timedelta(seconds=61))
    assert (error.code, error.status, error.message) == ("AccessDenied", 403, "Request has expired")
    other = HttpRequest("GET", request.path.replace("a%20b", "a%20c"), request.headers, b"", request.host)
    assert refusal(other, signed_at).code == "SignatureDoesNotMatch"


def test_a_presigned_url_for_a_query_service_passes(endpoint):
    sts = client("sts", endpoint)
    request = fetch(sts.generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET"), endpoint)
    signed_at = datetime.strptime(dict(request.query)["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert verify(request, secret_for, signed_at) == KEY
    with pytest.raises(SignatureError) as caught:
        verify(request, lambda key: "another-secret", signed_at)
    assert caught.value.code == "SignatureDoesNotMatch"
    # STS ignores X-Amz-Expires (300 here): the URL lives as long as any signature, 15 minutes from X-Amz-Date.
    assert verify(request, secret_for, signed_at + timedelta(minutes=14)) == KEY
    error = refusal(request, signed_at + timedelta(minutes=16))
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 403)
    assert error.message.startswith(f"Signature expired: {signed_at:%Y%m%dT%H%M%SZ} is now earlier than ")


def test_a_presigned_url_may_not_last_more_than_a_week(endpoint):
    s3 = client("s3", endpoint, config=SIGV4_S3)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "photos", "Key": "k"}, ExpiresIn=604801)
    error = refusal(fetch(url, endpoint), datetime.now(UTC))
    assert (error.code, error.status) == ("AuthorizationQueryParametersError", 400)
    assert error.message == "X-Amz-Expires must be less than a week (in seconds) that is 604800"


def test_a_session_token_is_signed_like_any_header(endpoint):
    sqs = boto3.client(
        "sqs",
        region_name="us-east-1",
        endpoint_url=endpoint.url,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        aws_session_token="IQoJb3JpZ2luX2VjEXAMPLETOKEN",
        config=NO_RETRY,
    )
    CALLS["sqs"](sqs)
    request = read_request(endpoint.raw_requests[-1])
    assert request.header("x-amz-security-token") == "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
    assert verify(request, secret_for, stamp_of(request)) == KEY
    headers = tuple(
        (name, "another-token" if name.lower() == "x-amz-security-token" else value) for name, value in request.headers
    )
    forged = HttpRequest(request.method, request.path, headers, request.body, request.host)
    assert refusal(forged).code == "SignatureDoesNotMatch"
