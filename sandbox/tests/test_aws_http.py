"""HTTP framing of AWS requests and responses, and S3 uploads as boto3 sends them over HTTPS (aws-chunked bodies with
a trailing checksum and an unsigned payload), through ``sandbox.aws``."""

from __future__ import annotations

import base64
import ssl
import subprocess
import zlib

import boto3
import pytest
from botocore.config import Config

from sandbox.aws import ProtocolError, parse_request
from sandbox.aws.http import HttpRequest, HttpResponse, expects_continue, read_request, request_end, write_response
from sandbox.tests.aws_endpoint import CannedWorld, Endpoint

KEY, SECRET = "AKIAHANDLERROLE00001", "handler-role-secret"


def test_a_chunked_request_is_read_whole():
    raw = (
        b"POST /2015-03-31/functions/orders/invocations HTTP/1.1\r\nHost: lambda.eu-west-1.amazonaws.com\r\n"
        b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n3;ext=1\r\n 1}\r\n0\r\nx-trailer: t\r\n\r\n'
    )
    assert request_end(raw[:-2]) is None
    assert request_end(raw + b"GET / HTTP/1.1\r\n") == len(raw)
    request = read_request(raw)
    assert (request.method, request.path, request.host, request.body) == (
        "POST",
        "/2015-03-31/functions/orders/invocations",
        "lambda.eu-west-1.amazonaws.com",
        b'{"a": 1}',
    )


def test_an_absolute_form_request_keeps_its_host_and_path():
    raw = b"GET http://photos.s3.amazonaws.com/a%20b.txt?versionId=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
    request = read_request(raw)
    assert (request.host, request.raw_path, request.query) == (
        "photos.s3.amazonaws.com",
        "/a%20b.txt",
        [("versionId", "1")],
    )


def test_a_body_shorter_than_its_length_is_refused_with_the_reason():
    raw = b"POST / HTTP/1.1\r\nHost: sts.amazonaws.com\r\nContent-Length: 10\r\n\r\nabc"
    assert request_end(raw) is None
    with pytest.raises(ProtocolError) as caught:
        read_request(raw)
    assert caught.value.status == 400
    assert "shorter than its framing says" in caught.value.message
    with pytest.raises(ProtocolError) as caught:
        read_request(b"NONSENSE\r\n\r\n")
    assert "Malformed request line" in caught.value.message


def test_a_request_asking_to_continue_is_told_when_its_body_is_still_missing():
    head = b"PUT /photos/a HTTP/1.1\r\nHost: s3.amazonaws.com\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
    assert expects_continue(head)
    assert not expects_continue(head + b"data")
    assert not expects_continue(b"PUT /photos/a HTTP/1.1\r\nContent-Length: 4\r\n\r\n")


def test_a_response_is_framed_with_its_length_unless_it_carries_one():
    assert write_response(HttpResponse(404, (("Content-Type", "application/xml"),), b"<E/>")) == (
        b"HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nContent-Length: 4\r\n\r\n<E/>"
    )
    head = write_response(HttpResponse(200, (("Content-Length", "7"),), b""))
    assert head == b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"
    with pytest.raises(ValueError):
        write_response(HttpResponse(200, (("X-Bad", "a\r\nInjected: 1"),), b""))


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_an_s3_upload_over_https_arrives_decoded_with_its_trailing_checksum(tls):
    world = CannedWorld(secret_for={KEY: SECRET}.get)
    with Endpoint(world, tls=tls) as endpoint:
        s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=endpoint.url,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            verify=False,
            config=Config(retries={"max_attempts": 1}),
        )
        world.reply("s3", "PutObject", {"ETag": '"e"'})
        body = b"line of a log file\n" * 5000
        assert s3.put_object(Bucket="photos", Key="logs/today.txt", Body=body, ContentEncoding="gzip")["ETag"] == '"e"'
        sent = read_request(endpoint.raw_requests[-1])
    assert sent.header("x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert "aws-chunked" in sent.header("content-encoding")
    service, operation, params, _region = world.calls[-1]
    assert (service, operation) == ("s3", "PutObject")
    assert params["Body"] == body
    assert params["ContentLength"] == len(body)
    assert params["ContentEncoding"] == "gzip"
    assert params["ChecksumCRC32"] == base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    assert parse_request(sent)[2]["ChecksumCRC32"] == params["ChecksumCRC32"]


def test_a_result_that_is_not_the_operations_output_is_refused_by_name():
    from sandbox.aws import serialize_result

    with pytest.raises(ValueError) as caught:
        serialize_result("sqs", "SendMessage", {"MessageId": "m", "Receipt": "r"}, "rid")
    assert str(caught.value).startswith("SendMessage result has no member 'Receipt'; SendMessageResult has: ")
    with pytest.raises(ValueError) as caught:
        serialize_result("sqs", "ReceiveMessage", {"Messages": [{"Body": 7}]}, "rid")
    assert str(caught.value) == "ReceiveMessage result.Messages[0].Body must be a string, not int"
    with pytest.raises(ProtocolError) as caught:
        serialize_result("sqs", "PurgeEverything", {}, "rid")
    assert caught.value.code == "UnknownOperation"


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_an_s3_body_that_does_not_match_its_checksum_is_a_bad_digest(tls):
    world = CannedWorld()
    with Endpoint(world, tls=tls) as endpoint:
        s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=endpoint.url,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            verify=False,
            config=Config(retries={"max_attempts": 1}),
        )
        s3.put_object(Bucket="photos", Key="a.txt", Body=b"the real body")
        sent = read_request(endpoint.raw_requests[-1])
    assert parse_request(sent)[2]["Body"] == b"the real body"
    forged = HttpRequest(sent.method, sent.path, sent.headers, sent.body.replace(b"real", b"fake"), sent.host)
    with pytest.raises(ProtocolError) as caught:
        parse_request(forged)
    assert (caught.value.code, caught.value.status) == ("BadDigest", 400)
    assert caught.value.message == "The CRC32 you specified did not match the calculated checksum."
    headers = (*sent.headers, ("Content-MD5", base64.b64encode(b"0" * 16).decode()))
    with pytest.raises(ProtocolError) as caught:
        parse_request(HttpRequest(sent.method, sent.path, headers, sent.body, sent.host))
    assert caught.value.message == "The Content-MD5 you specified did not match what we received."
