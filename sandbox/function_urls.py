"""A workspace's function URLs on the web: an HTTP request becomes a ``url_request`` run, its answer the response.

Each URL of a workspace's world (``function_urls``) is reachable at
``/sandbox/workspaces/<workspace>/url/<url-id>/<path>`` by anyone, as a function URL is on AWS: the URL's
auth type decides. An ``AWS_IAM`` request must be signed with Signature Version 4 by the workspace's access
key, which belongs to the IAM user ``developer`` of the world (``users.developer`` says what it may do).
The request runs as a run like any other (a Celery task); the view waits for it a bounded time.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from sandbox import waiting, workspaces
from sandbox.aws import HttpRequest as AwsRequest
from sandbox.aws.signing import SignatureError, request_service, verify
from sandbox.emulator import urls
from sandbox.models import Workspace

WAIT_S = waiting.HOLD_S  # how long a request waits for its run; handler sleeps cost no real time
SIGNING_SERVICE = "lambda"  # a function URL's requests are signed for Lambda
WRONG_SCOPE = f"Credential should be scoped to correct service: '{SIGNING_SERVICE}'. "
DROPPED_HEADERS = {"host", "connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"}
# How the response is framed on the wire is the web server's to say, whatever the handler set.
FRAMING_HEADERS = DROPPED_HEADERS | {"content-length", "te", "trailer"}
NO_SUCH_URL = json.dumps({"Message": None}, separators=(",", ":"))
# What a caller sees when the request never became a function's answer: Lambda's own words, never the
# workspace's problems or the sandbox's failure (the owner reads those on the run's page).
THROTTLED = json.dumps({"Type": "User", "message": "Rate Exceeded."}, separators=(",", ":"))
INTERNAL_ERROR = json.dumps({"Message": "Internal Server Error"}, separators=(",", ":"))
# A function URL is served from the site's own origin (on AWS it has a domain of its own), so its answers are
# sandboxed: the browser runs no script of theirs and gives them an origin of their own, whatever headers the
# handler set. The site's own cookies never reach the handler, and the handler cannot set them.
SANDBOXED = "sandbox"


def site_cookie_names() -> set[str]:
    """The cookies the site itself reads (login session, CSRF token, language, messages, time zone)."""
    return {
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        settings.LANGUAGE_COOKIE_NAME,
        "messages",
        "tz",  # the time zone (examprep.middleware.ZONE_COOKIE)
    }


def _without_site_cookies(header: str) -> str:
    """A request's ``Cookie`` header without the site's own cookies."""
    reserved = site_cookie_names()
    kept = [part.strip() for part in header.split(";") if part.strip().partition("=")[0].strip() not in reserved]
    return "; ".join(part for part in kept if part)


def _aws_error(status: int, error_type: str, body: str) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    response["x-amzn-ErrorType"] = error_type
    return response


def _unavailable(message: str, status: int = 503) -> HttpResponse:
    """The sandbox itself could not serve the request (a limit, a queue, a broken world): 503 in plain words."""
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _signed_request(request: HttpRequest) -> AwsRequest:
    """The request as ``sandbox.aws`` reads one, for checking its signature."""
    headers = tuple((name, value) for name, value in request.headers.items())
    path = request.get_full_path()
    return AwsRequest(
        method=request.method or "GET", path=path, headers=headers, body=request.body, host=request.get_host()
    )


def signer(request: HttpRequest, workspace: Workspace) -> tuple[str | None, HttpResponse | None]:
    """(access key id, None) for a request signed with the workspace's key; (None, None) when it is unsigned;
    (None, the error response) when the signature is wrong, with AWS's code and message."""
    if "authorization" not in request.headers and "X-Amz-Signature" not in request.GET:
        return None, None
    key_id, secret = workspace.access_keys()
    try:
        aws_request = _signed_request(request)
    except RequestDataTooBig:
        return None, _unavailable(
            f"The sandbox accepts request bodies up to {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.", status=413
        )
    try:
        signed = verify(aws_request, lambda given: secret if given == key_id else None, datetime.now(UTC))
    except SignatureError as error:
        return None, _aws_error(error.status, error.code, json.dumps({"Message": error.message}))
    if request_service(aws_request) != SIGNING_SERVICE:
        return None, _aws_error(403, "InvalidSignatureException", json.dumps({"Message": WRONG_SCOPE}))
    return signed, None


def step_for(request: HttpRequest, target: str, path: str, signed_with: str | None) -> dict:
    """The ``url_request`` step for an HTTP request (the body as text, or base64 when it isn't UTF-8);
    ``signed_with`` is the workspace's access key id when the request carried a good signature."""
    headers = {name.lower(): value for name, value in request.headers.items() if name.lower() not in DROPPED_HEADERS}
    if "cookie" in headers:
        headers["cookie"] = _without_site_cookies(headers["cookie"])
        if not headers["cookie"]:
            del headers["cookie"]
    raw = request.body
    try:
        body, encoded = raw.decode(), False
    except UnicodeDecodeError:
        body, encoded = base64.b64encode(raw).decode(), True
    call = {
        "url": target,
        "method": request.method or "GET",
        "path": "/" + path,
        "query": request.META.get("QUERY_STRING", ""),
        "headers": headers,
        "body": body or None,
        "body_base64": encoded,
        "source_ip": request.META.get("REMOTE_ADDR") or None,
    }
    if signed_with:
        call["signed_as"] = Workspace.KEY_USER
        call["access_key_id"] = signed_with
    return {"url_request": {key: value for key, value in call.items() if value is not None}}


def response_for(record: dict) -> HttpResponse:
    """The HTTP response a trace's ``url_responses`` record describes."""
    body = base64.b64decode(record["body"]) if record.get("body_base64") else str(record.get("body") or "").encode()
    response = HttpResponse(body, status=int(record["status_code"]))
    if "content-type" not in record["headers"]:
        del response["Content-Type"]
    cookies = list(record.get("cookies") or [])
    for name, value in record["headers"].items():
        if name.lower() == "set-cookie":
            cookies.append(value)
        elif name.lower() not in FRAMING_HEADERS:
            response[name] = value
    if record.get("request_id"):
        response["x-amzn-RequestId"] = record["request_id"]
    reserved = site_cookie_names()
    for cookie in cookies:
        try:
            parsed = SimpleCookie(str(cookie))
        except CookieError:
            continue
        response.cookies.update({name: morsel for name, morsel in parsed.items() if name not in reserved})
    response["Content-Security-Policy"] = SANDBOXED
    response["X-Content-Type-Options"] = "nosniff"
    return response


def answer(request: HttpRequest, workspace: Workspace | None, url_id: str, path: str) -> HttpResponse:
    """Serve one request to a workspace's function URL."""
    target = urls.ids_of(workspace.world).get(url_id) if workspace is not None else None
    if workspace is None or target is None:
        return _aws_error(403, "AccessDeniedException", NO_SUCH_URL)
    signed_with, refused = None, None
    url = workspace.world["function_urls"][target]
    if isinstance(url, dict) and url.get("auth_type") == "AWS_IAM":
        signed_with, refused = signer(request, workspace)
    if refused is not None:
        return refused
    try:
        step = step_for(request, target, path, signed_with)
    except RequestDataTooBig:
        return _unavailable(
            f"The sandbox accepts request bodies up to {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.", status=413
        )
    try:
        with waiting.place(workspace.pk):
            return _run(workspace, step)
    except waiting.Crowded:
        return _aws_error(429, "TooManyRequestsException", THROTTLED)


def _run(workspace: Workspace, step: dict) -> HttpResponse:
    """Start the request's run and wait for its answer; any failure on the way is a bare AWS-like error."""
    try:
        run = workspaces.start_run(workspace, "url_request", [step])
    except workspaces.SandboxLimitError:
        return _aws_error(429, "TooManyRequestsException", THROTTLED)
    except workspaces.InvalidWorld:
        return _aws_error(500, "ServiceException", INTERNAL_ERROR)
    status = workspaces.run_status(run, wait_s=WAIT_S)
    records = (status.trace or {}).get("url_responses") or []
    if not status.finished or status.status != "done" or not records or records[0].get("status_code") is None:
        return _aws_error(500, "ServiceException", INTERNAL_ERROR)
    return response_for(records[0])
