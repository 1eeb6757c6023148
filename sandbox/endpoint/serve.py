"""The workspace's AWS endpoint on the web: a request signed with the workspace's access key, answered as AWS would.

``answer(request, workspace_id, path)`` checks the Signature Version 4 signature against the workspace's key pair
(another workspace's key is unknown here), reads the call with ``sandbox.aws`` (botocore's models), and answers
Lambda's control plane from the workspace's world (saved at once, so the pages show it), Invoke as a run, and the
data plane of SQS, SNS, EventBridge, S3, DynamoDB and STS as runs too (``data_plane.py``).
Every refusal goes back in the service's own error form.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from sandbox import limits, waiting, workspaces
from sandbox.aws import HttpRequest as AwsRequest
from sandbox.aws import ProtocolError, parse_request, protocol_of_request, serialize_error, serialize_result
from sandbox.aws.signing import SignatureError, request_service, verify
from sandbox.emulator.executor import ServiceError
from sandbox.models import Workspace

from . import (
    data_plane,
    invoke,
    lambda_access,  # noqa: F401  (adds its operations to lambda_control's)
    lambda_control,
)
from .refusals import Refused

WAIT_S = waiting.HOLD_S  # how long Invoke waits for its run; sleeps in handlers cost no real time
LAST_MODIFIED = "%Y-%m-%dT%H:%M:%S.000+0000"


def _raw_path(request: HttpRequest) -> str:
    """The path and query as the client sent them (percent-encoded), which the signature covers."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        return raw
    path = "/".join(quote(part, safe="-_.~") for part in request.path.split("/"))
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def aws_request(request: HttpRequest) -> AwsRequest:
    headers = tuple((name, value) for name, value in request.headers.items())
    return AwsRequest(
        method=request.method or "GET",
        path=_raw_path(request),
        headers=headers,
        body=request.body,
        host=request.META.get("HTTP_HOST", ""),
    )


def _inside(path: str, workspace_id: str) -> str:
    """The path after the workspace's endpoint prefix (``/sandbox/aws/<id>``), as AWS would receive it."""
    marker = f"/{workspace_id}"
    rest = path.split(marker, 1)[1] if marker in path else path
    return rest if rest.startswith("/") else "/" + rest


def _django_response(answer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status)
    del response["Content-Type"]
    for name, value in answer.headers:
        response[name] = value
    return response


def _error(service: str | None, operation: str | None, error, request_id: str, protocol=None) -> HttpResponse:
    failure = ServiceError(error.code, error.message, error.status)
    return _django_response(serialize_error(service, operation, failure, request_id, protocol=protocol))


def _problem_error(problems) -> Refused:
    """The first validation problem as Lambda words it (``Code: message``), else InvalidParameterValueException."""
    message = problems[0].message
    code, colon, rest = message.partition(": ")
    if colon and code.isidentifier() and code[:1].isupper() and " " not in code:
        status = {"ResourceNotFoundException": 404, "ResourceConflictException": 409}.get(code, 400)
        return Refused(code, rest, status)
    return Refused("InvalidParameterValueException", f"{problems[0].field}: {message}", 400)


def answer(request: HttpRequest, workspace_id, path: str) -> HttpResponse:
    """Serve one AWS API request sent to a workspace's endpoint."""
    request_id = str(uuid.uuid4())
    try:
        signed = aws_request(request)
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        too_big = Refused("RequestTooLargeException", f"Request must be smaller than {limit} bytes here.", 413)
        return _error("lambda", None, too_big, request_id)
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    key_id, secret = workspace.access_keys() if workspace is not None else ("", "")
    if signed.header("authorization") is None and "X-Amz-Signature" not in dict(signed.query):
        missing = Refused("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
        return _error("lambda", None, missing, request_id)
    try:
        verify(signed, lambda given: secret if key_id and given == key_id else None, datetime.now(UTC))
    except SignatureError as error:
        return _error(error.service or request_service(signed), None, error, request_id)
    assert workspace is not None  # an unknown workspace has no key, so no signature passes
    inner = replace(signed, path=_inside(signed.path, str(workspace_id)))
    try:
        service, operation, params, _region = parse_request(inner)
    except ProtocolError as error:
        return _error(error.service, None, error, request_id)
    protocol = protocol_of_request(service, inner)
    try:
        result, request_id = _call(workspace, service, operation, params, request_id)
    except Refused as error:
        return _error(service, operation, error, request_id, protocol)
    return _django_response(serialize_result(service, operation, result, request_id, protocol=protocol))


def _call(workspace: Workspace, service: str, operation: str, params: dict, request_id: str) -> tuple[dict, str]:
    if service != "lambda":
        if not data_plane.serves(service, operation):
            raise data_plane.unknown(service, operation)
        return data_plane.call(workspace, service, operation, params, request_id, WAIT_S), request_id
    if operation == "Invoke":
        return _invoke(workspace, params, request_id)
    with transaction.atomic():
        current = Workspace.objects.select_for_update().get(pk=workspace.pk)
        clock = lambda_control.Clock(datetime.now(UTC), current.updated_at.strftime(LAST_MODIFIED))
        outcome = lambda_control.answer(current.world, operation, params, clock)
        if outcome.world is not None:
            try:
                workspaces.update_world(current, outcome.world)
            except workspaces.InvalidWorld as error:
                raise _problem_error(error.problems) from None
            except workspaces.SandboxLimitError as error:
                raise Refused("InvalidParameterValueException", error.message, 400) from None
    return outcome.result, request_id


def _invoke(workspace: Workspace, params: dict, request_id: str) -> tuple[dict, str]:
    step = invoke.step_for(params)
    name = step["invoke"]["function"]
    if name not in (workspace.world.get("functions") or {}):
        lambda_control.answer(workspace.world, "GetFunction", {"FunctionName": name}, _clock(workspace))
    try:
        with waiting.place(workspace.pk):
            return _run_invoke(workspace, step, request_id)
    except waiting.Crowded as crowded:
        message = (
            f"Rate Exceeded. At most {limits.limit('WAITING_REQUESTS_PER_WORKSPACE')} requests may wait for their "
            "runs at once in one workspace."
            if crowded.scope == "workspace"
            else "Rate Exceeded. The sandbox has as many requests waiting for their runs as it serves at once."
        )
        raise Refused("TooManyRequestsException", message, 429) from None


def _run_invoke(workspace: Workspace, step: dict, request_id: str) -> tuple[dict, str]:
    try:
        run = workspaces.start_run(workspace, "invoke", [step])
    except workspaces.SandboxLimitError as error:
        raise Refused("TooManyRequestsException", error.message, 429) from None
    except workspaces.InvalidWorld as error:
        raise _problem_error(error.problems) from None
    status = workspaces.run_status(run, wait_s=WAIT_S)
    if not status.finished:
        raise Refused(
            "ServiceException", f"The run {run.pk} is still queued or running; see it on the workspace page.", 500
        )
    responses = (status.trace or {}).get("responses") or []
    if status.status != "done" or not responses:
        raise Refused("ServiceException", status.message, 500)
    record = responses[0]
    return invoke.result_of(record), str(record.get("request_id") or request_id)


def _clock(workspace: Workspace) -> lambda_control.Clock:
    return lambda_control.Clock(datetime.now(UTC), workspace.updated_at.strftime(LAST_MODIFIED))
