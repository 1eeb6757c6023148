"""A workspace's AWS-compatible endpoint: boto3 and the AWS CLI drive the workspace's world from outside.

``serve`` is the Django side (signature, parse, dispatch, save, answer); ``lambda_control`` changes a world as
Lambda's control-plane operations do; ``lambda_shapes`` shapes what they answer; ``arns`` turns ARNs into the
scenario format's references and back. See docs/endpoint.md.
"""
