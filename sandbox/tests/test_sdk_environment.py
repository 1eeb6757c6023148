"""boto3 inside every execution environment: importable as on Lambda, read-only, and nothing else of the venv.

Runs through the daemon (full isolation) and, where the behaviour is the same, the local executor.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import textwrap

import django
import pytest

from sandbox.runtime import trust
from sandbox.runtime.protocol import expects_continue, http_request_size, is_aws_endpoint
from sandbox.tests.runtime_factories import body, run

SDK_INFO = """
import os, sys
import boto3, botocore, s3transfer, jmespath, dateutil, urllib3, six
def lambda_handler(event, context):
    session = boto3.session.Session()
    credentials = session.get_credentials()
    return {
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "boto3_dir": os.path.dirname(os.path.dirname(boto3.__file__)),
        "region": session.region_name,
        "access_key": credentials.access_key,
        "token": bool(credentials.token),
        "method": credentials.method,
        "variables": {name: bool(os.environ.get(name)) for name in (
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION")},
    }
"""


def test_boto3_imports_with_the_pinned_versions_and_lambdas_credentials(executor):
    _, init, [result] = run(executor, SDK_INFO, region="eu-west-1")

    answer = body(result)
    assert init.ok
    assert answer["boto3"] == importlib.metadata.version("boto3") == "1.43.11"
    assert answer["botocore"] == importlib.metadata.version("botocore")
    assert answer["region"] == "eu-west-1"
    assert answer["access_key"].startswith("ASIA")
    assert answer["token"] is True
    assert answer["method"] == "env"
    assert all(answer["variables"].values()), answer["variables"]


def test_the_daemons_environment_has_the_sdk_where_lambdas_runtime_keeps_it(daemon):
    _, _, [result] = run(daemon, SDK_INFO, runtime="python3.12")

    assert body(result)["boto3_dir"] == "/var/lang/lib/python3.12/site-packages"


NOTHING_ELSE = """
import importlib, os
def lambda_handler(event, context):
    import boto3
    site = os.path.dirname(os.path.dirname(boto3.__file__))
    missing = {}
    for name in ("django", "celery", "redis", "yaml", "pyseccomp", "certifi", "sandbox", "examprep"):
        try:
            importlib.import_module(name)
        except ImportError:
            missing[name] = True
    return {"listing": sorted(os.listdir(site)), "missing": missing}
"""


def test_nothing_else_of_the_venv_is_importable(executor):
    _, _, [result] = run(executor, NOTHING_ELSE)

    answer = body(result)
    assert answer["listing"] == sorted(["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py"])
    assert set(answer["missing"]) == {
        "django",
        "celery",
        "redis",
        "yaml",
        "pyseccomp",
        "certifi",
        "sandbox",
        "examprep",
    }


READ_ONLY = """
import errno, os
def lambda_handler(event, context):
    import botocore
    here = os.path.dirname(botocore.__file__)
    attempts = {}
    for what, action in (
        ("write", lambda: open(os.path.join(here, "__init__.py"), "a").write("# changed")),
        ("create", lambda: open(os.path.join(here, "planted.py"), "w").write("x = 1")),
        ("remove", lambda: os.unlink(os.path.join(here, "exceptions.py"))),
        ("chmod", lambda: os.chmod(os.path.join(here, "exceptions.py"), 0o777)),
        ("mkdir", lambda: os.mkdir(os.path.join(os.path.dirname(here), "evil"))),
    ):
        try:
            action()
            attempts[what] = "done"
        except OSError as error:
            attempts[what] = errno.errorcode.get(error.errno, str(error.errno))
    return attempts
"""


def test_the_hosts_virtualenv_is_not_there_at_all(daemon):
    source = """
    import os
    def lambda_handler(event, context):
        return {path: os.path.exists(path) for path in event["paths"]}
    """
    host_packages = os.path.dirname(os.path.dirname(django.__file__))
    paths = [os.path.join(host_packages, "django"), host_packages, sys.prefix, os.path.realpath(sys.executable)]

    _, _, [result] = run(daemon, source, {"paths": paths})

    assert body(result) == {path: False for path in paths}


def test_a_handler_cannot_change_the_sdk_that_every_environment_shares(daemon):
    _, _, [result] = run(daemon, READ_ONLY)

    attempts = body(result)
    assert set(attempts.values()) <= {"EROFS", "EACCES", "EPERM"}, attempts


def test_a_handler_may_bring_its_own_boto3_ahead_of_the_runtimes(executor):
    code = {
        "lambda_function.py": "import boto3\ndef lambda_handler(event, context):\n    return boto3.__version__\n",
        "boto3/__init__.py": "__version__ = 'bundled with the function'\n",
    }
    _, _, [result] = run(executor, "", code=code)

    assert body(result) == "bundled with the function"


# --- the pure pieces of the transport ---------------------------------------------------------------------------


def test_aws_endpoints_are_https_names_under_amazonaws_com():
    assert is_aws_endpoint("sqs.us-east-1.amazonaws.com", 443)
    assert is_aws_endpoint("My-Bucket.s3.eu-west-1.amazonaws.com.", 443)
    assert not is_aws_endpoint("sqs.us-east-1.amazonaws.com", 80)
    assert not is_aws_endpoint("amazonaws.com", 443)
    assert not is_aws_endpoint("evil-amazonaws.com", 443)
    assert not is_aws_endpoint("db.internal", 443)


def test_a_request_is_whole_once_its_content_length_has_arrived():
    head = b"POST / HTTP/1.1\r\nHost: sqs.us-east-1.amazonaws.com\r\nContent-Length: 5\r\n\r\n"

    assert http_request_size(head[:20]) is None
    assert http_request_size(head + b"abc") is None
    assert http_request_size(head + b"abcde") == len(head) + 5
    assert http_request_size(head + b"abcdeGET / HTTP/1.1\r\n") == len(head) + 5
    assert http_request_size(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == len(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")


def test_a_chunked_request_is_whole_after_its_last_chunk_and_trailers():
    head = b"PUT /k HTTP/1.1\r\nHost: b.s3.amazonaws.com\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-amz-checksum-crc32: AAAAAA==\r\n\r\n"

    assert http_request_size(head + chunks[:-2]) is None
    assert http_request_size(head + chunks) == len(head) + len(chunks)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n", "Content-Length 'ten' is not a number"),
        (b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "larger than"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not hexadecimal"),
        (b"POST / HTTP/1.1\r\nX: " + b"a" * 70_000, "head is longer"),
    ],
)
def test_a_request_that_can_never_be_whole_is_refused_with_the_reason(raw, problem):
    with pytest.raises(ValueError, match=problem):
        http_request_size(raw)


def test_expect_100_continue_is_noticed_once_the_head_is_complete():
    head = b"PUT /k HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n"

    assert not expects_continue(head)
    assert expects_continue(head + b"\r\n")
    assert not expects_continue(textwrap.dedent("GET / HTTP/1.1\r\n\r\n").encode())


def test_the_daemon_will_not_show_environments_an_sdk_another_user_could_change(tmp_path):
    checkout = tmp_path / "checkout"
    (checkout / "sandbox").mkdir(parents=True)
    package = tmp_path / "site-packages" / "botocore"
    (package / "data").mkdir(parents=True)
    for name in ("__init__.py", "client.py", "data/endpoints.json"):
        (package / name).write_text("")

    assert trust.writable_code_path(str(checkout), (), (str(package),)) is None
    os.chown(package / "data" / "endpoints.json", 65534, 65534)
    assert trust.writable_code_path(str(checkout), (), (str(package),)) == str(package / "data" / "endpoints.json")
