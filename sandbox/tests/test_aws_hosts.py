"""Which service and region an AWS host name stands for."""

from __future__ import annotations

import pytest

from sandbox.aws.hosts import bucket_from_host, region_from_host, service_from_host


@pytest.mark.parametrize(
    ("host", "service", "region", "bucket"),
    [
        ("sqs.us-east-1.amazonaws.com", "sqs", "us-east-1", None),
        ("sqs.eu-west-1.amazonaws.com:443", "sqs", "eu-west-1", None),
        ("eu-west-1.queue.amazonaws.com", "sqs", "eu-west-1", None),
        ("lambda.ap-southeast-2.amazonaws.com", "lambda", "ap-southeast-2", None),
        ("dynamodb.us-west-2.amazonaws.com", "dynamodb", "us-west-2", None),
        ("events.us-east-1.amazonaws.com", "events", "us-east-1", None),
        ("sns.us-east-1.amazonaws.com", "sns", "us-east-1", None),
        ("sts.amazonaws.com", "sts", "us-east-1", None),
        ("s3.amazonaws.com", "s3", "us-east-1", None),
        ("s3.eu-central-1.amazonaws.com", "s3", "eu-central-1", None),
        ("photos.s3.eu-central-1.amazonaws.com", "s3", "eu-central-1", "photos"),
        ("my.dotted.bucket.s3.us-east-1.amazonaws.com", "s3", "us-east-1", "my.dotted.bucket"),
        ("sqs.s3.us-east-1.amazonaws.com", "s3", "us-east-1", "sqs"),
        ("photos.s3-us-west-2.amazonaws.com", "s3", "us-west-2", "photos"),
        ("vpce-0a1b2c3d.sqs.us-east-1.vpce.amazonaws.com", "sqs", "us-east-1", None),
        ("127.0.0.1:8000", None, None, None),
        ("localhost", None, None, None),
        ("ec2.us-east-1.amazonaws.com", None, "us-east-1", None),
    ],
)
def test_a_host_names_its_service_region_and_bucket(host, service, region, bucket):
    assert (service_from_host(host), region_from_host(host), bucket_from_host(host)) == (service, region, bucket)
