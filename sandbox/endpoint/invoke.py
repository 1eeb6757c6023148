"""Lambda's Invoke from outside: the call becomes an ``invoke`` run of the workspace (a Celery task like any run),
and its trace's response becomes Invoke's answer."""

from __future__ import annotations

import base64
import json

from .arns import function_name
from .refusals import Refused


def step_for(params: dict) -> dict:
    """The scenario ``invoke`` step for Invoke's parameters."""
    name, qualifier = function_name(str(params.get("FunctionName") or ""))
    call: dict = {"function": name, "type": params.get("InvocationType") or "RequestResponse"}
    qualifier = params.get("Qualifier") or qualifier
    if qualifier:
        call["qualifier"] = qualifier
    if params.get("LogType") == "Tail":
        call["log_type"] = "Tail"
    body = params.get("Payload") or b""
    if isinstance(body, str):
        body = body.encode()
    if not body:
        call["payload"] = {}
    else:
        try:
            call["raw_payload"] = body.decode()
        except UnicodeDecodeError:
            call["raw_payload_base64"] = base64.b64encode(body).decode()
    if params.get("ClientContext"):
        try:
            call["client_context"] = json.loads(base64.b64decode(params["ClientContext"]))
        except ValueError:
            raise Refused(
                "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.", 400
            ) from None
    return {"invoke": call}


def result_of(record: dict) -> dict:
    """Invoke's output (StatusCode, FunctionError, LogResult, ExecutedVersion, Payload) from a trace response;
    Refused when Lambda refused the call (throttled, too large, no such function...)."""
    status = int(record.get("status_code") or 500)
    if status >= 400:
        body = record.get("payload") if isinstance(record.get("payload"), dict) else {}
        message = str(body.get("message") or body.get("Message") or record.get("reason") or "")
        raise Refused(str(record.get("error_type") or "ServiceException"), message, status)
    result: dict = {"StatusCode": status}
    if record.get("executed_version"):
        result["ExecutedVersion"] = str(record["executed_version"])
    if record.get("function_error"):
        result["FunctionError"] = str(record["function_error"])
    if record.get("log_result"):
        result["LogResult"] = str(record["log_result"])
    if status == 200:
        payload = record.get("payload")
        result["Payload"] = json.dumps(payload).encode()
    return result
