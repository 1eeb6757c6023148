"""SQS, SNS, EventBridge, S3, DynamoDB and STS from outside: each call becomes an ``aws_call`` run of the workspace
(a Celery task like every run), made by the world's IAM user ``developer`` (whose key signs the request) and
answered by the same emulated services that answer handlers' SDK calls. The run changes the workspace's state
with the row locked and carries on with what the call sets off (a mapping's poll, a subscription, a rule, an
S3 notification, a table's stream); the endpoint waits for it and answers with the call's record in its trace.
"""

from __future__ import annotations

from sandbox import limits, workspaces
from sandbox.emulator.outside import decode, encode
from sandbox.emulator.validation.rules import OUTSIDE_OPERATIONS
from sandbox.models import Workspace

from .refusals import Refused

USER = Workspace.KEY_USER


def serves(service: str, operation: str) -> bool:
    return operation in OUTSIDE_OPERATIONS.get(service, ())


def unknown(service: str, operation: str) -> Refused:
    listed = ", ".join(OUTSIDE_OPERATIONS.get(service, ()))
    if listed:
        message = f"This workspace's endpoint answers {listed} for {service}, not {operation}."
    else:
        message = f"This workspace's endpoint does not answer {service} calls."
    return Refused("UnknownOperationException", message, 400)


def call(workspace: Workspace, service: str, operation: str, params: dict, request_id: str, wait_s: float) -> dict:
    """The call's result as the service's output shape; Refused with AWS's error when the service refuses it."""
    step = {
        "aws_call": {
            "service": service,
            "operation": operation,
            "params": encode(params),
            "user": USER,
            "request_id": request_id,
        }
    }
    too_big = limits.steps_problem([step], limits.current())
    if too_big:
        raise Refused("RequestEntityTooLarge", too_big, 413)
    try:
        run = workspaces.start_run(workspace, "aws_call", [step])
    except workspaces.SandboxLimitError as error:
        raise Refused("ThrottlingException", error.message, 400) from None
    except workspaces.InvalidWorld as error:
        raise Refused("ValidationException", str(error), 400) from None
    status = workspaces.run_status(run, wait_s=wait_s)
    if not status.finished:
        raise Refused(
            "ServiceUnavailable", f"The run {run.pk} is still queued or running; see it on the workspace page.", 503
        )
    record = _record(status.trace or {}, request_id)
    if status.status != "done" or record is None:
        raise Refused("InternalFailure", status.message, 500)
    if record.get("outcome") == "error":
        raise Refused(str(record["error_code"]), str(record["error_message"] or ""), int(record["status"] or 400))
    result = decode(record.get("result") or {})
    return result if isinstance(result, dict) else {}


def _record(trace: dict, request_id: str) -> dict | None:
    for record in trace.get("sdk_calls") or []:
        if record.get("user") == USER and record.get("request_id") == request_id:
            return record
    return None
