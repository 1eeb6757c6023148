"""Lambda function URLs: a dedicated HTTPS endpoint in front of a function or an alias.

A ``function_urls`` entry (keyed ``NAME`` or ``NAME:ALIAS``) gives the function a URL; a ``url_request``
step sends it one HTTP request. What Lambda does with the request, in order:

1. a CORS preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) on a URL with CORS
   settings is answered from the settings, without running the function;
2. authorisation: ``AWS_IAM`` needs a signed request from a principal allowed ``lambda:InvokeFunctionUrl``
   and ``lambda:InvokeFunction`` by its identity policy (``users``) or by the function's resource-based
   policy (``permissions``); ``NONE`` skips authentication but the resource-based policy must still allow
   ``*`` both actions. Otherwise 403 with Lambda's body and the function never runs;
3. one synchronous invocation with the payload format 2.0 event (``events.function_url_event``);
4. the function's result becomes the HTTP response (``response_for``); a throttle is 429, a function
   error, timeout or crash is 502. The caller gets the status: a function URL never retries.

The trace's ``url_responses`` holds one record per request (status, headers, cookies, body).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import urllib.parse

from . import attempts, events, ids, invoke, qualifiers
from .model import Config, State
from .state import metrics_for
from .validation.rules import role_allows

FORBIDDEN = json.dumps(
    {
        "Message": "Forbidden. For troubleshooting Function URL authorization issues, see: "
        "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
    },
    separators=(",", ":"),
)
BAD_GATEWAY = "Internal Server Error"
INVOKE_ACTIONS = ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction")
JSON_TYPE = {"content-type": "application/json"}
TOKEN_CHARACTERS = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")  # header names, lower-cased
LINE_BREAKS = {"\r", "\n", "\0"}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "+json", "+xml")


# --- identities -------------------------------------------------------------------------------------------


def url_id(account: str, target: str) -> str:
    """The 32-character id in ``https://<url-id>.lambda-url.<region>.on.aws`` (stable for a function URL)."""
    digest = hashlib.sha256(f"{account}:{target}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:32]


def ids_of(scenario: dict) -> dict[str, str]:
    """url-id -> ``NAME`` or ``NAME:ALIAS`` for each function URL of a scenario or world (defaults applied)."""
    account = str((scenario.get("account") or {}).get("account_id") or "123456789012")
    return {url_id(account, str(target)): str(target) for target in (scenario.get("function_urls") or {})}


def user_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def user_id(name: str) -> str:
    """A stable IAM user id (``AIDA`` + 17 characters) for a user name."""
    digest = base64.b32encode(hashlib.sha256(f"user:{name}".encode()).digest()).decode()
    return "AIDA" + digest[:17]


def access_key_id(name: str) -> str:
    """The access key id a scenario's user signs with, unless the request names its own."""
    digest = base64.b32encode(hashlib.sha256(f"key:{name}".encode()).digest()).decode()
    return "AKIA" + digest[:16]


# --- authorisation ----------------------------------------------------------------------------------------


def _statement_allows(
    statement: dict, target: str, auth_type: str, principal: str | None, account: str, action: str
) -> bool:
    if str(statement.get("function", "")) != target:
        return False
    condition = statement.get("function_url_auth_type")
    if condition is not None and condition != auth_type:
        return False
    given = statement.get("principal")
    principals = given if isinstance(given, list) else [given]
    matches = "*" in principals or (
        principal is not None and (principal in principals or user_arn(account, principal) in principals)
    )
    actions = statement.get("action")
    return matches and role_allows({"actions": actions if isinstance(actions, list) else [actions]}, action)


def authorised(config: Config, target: str, principal: str | None) -> bool:
    """Whether a request from ``principal`` (a user name; None when unsigned) may invoke this URL."""
    url = config["function_urls"][target]
    auth_type = url["auth_type"]
    if auth_type == "AWS_IAM" and principal is None:
        return False
    caller = principal if auth_type == "AWS_IAM" else None
    account = config["account"]["account_id"]
    user = config.get("users", {}).get(caller) if caller else None
    for action in INVOKE_ACTIONS:
        granted = any(
            _statement_allows(s, target, auth_type, caller, account, action) for s in config.get("permissions", [])
        )
        if not granted and not (isinstance(user, dict) and role_allows(user, action)):
            return False
    return True


# --- CORS --------------------------------------------------------------------------------------------------


def _origin_allowed(cors: dict, origin: str) -> str | None:
    """The Access-Control-Allow-Origin value for this origin, or None when it isn't allowed."""
    allowed = cors.get("allow_origins") or []
    if origin in allowed:
        return origin
    if "*" in allowed:
        return origin if cors.get("allow_credentials") else "*"
    return None


def preflight(cors: dict | None, method: str, headers: dict) -> tuple[int, dict, str] | None:
    """Lambda's own answer to a CORS preflight, or None when the request isn't one."""
    origin = headers.get("origin")
    if not cors or method != "OPTIONS" or not origin or "access-control-request-method" not in headers:
        return None
    answer: dict[str, str] = {}
    allowed = _origin_allowed(cors, origin)
    if allowed is not None:
        answer["access-control-allow-origin"] = allowed
        if cors.get("allow_methods"):
            answer["access-control-allow-methods"] = ",".join(cors["allow_methods"])
        if cors.get("allow_headers"):
            answer["access-control-allow-headers"] = ",".join(h.lower() for h in cors["allow_headers"])
        if cors.get("allow_credentials"):
            answer["access-control-allow-credentials"] = "true"
        if cors.get("max_age"):
            answer["access-control-max-age"] = str(cors["max_age"])
        answer["vary"] = "Origin"
    return 200, answer, ""


def cors_headers(cors: dict | None, headers: dict) -> dict:
    """The CORS headers Lambda puts on an ordinary response (they replace the function's own)."""
    origin = headers.get("origin")
    allowed = _origin_allowed(cors, origin) if cors and origin else None
    if allowed is None:
        return {}
    answer = {"access-control-allow-origin": allowed, "vary": "Origin"}
    if cors and cors.get("expose_headers"):
        answer["access-control-expose-headers"] = ",".join(h.lower() for h in cors["expose_headers"])
    if cors and cors.get("allow_credentials"):
        answer["access-control-allow-credentials"] = "true"
    return answer


# --- the response -----------------------------------------------------------------------------------------


def response_for(text: str | None) -> dict | None:
    """The HTTP response Lambda makes of a function's result, or None when it can't make one (502).

    A JSON object with ``statusCode`` is read as a response (``headers``, ``cookies``, ``body``,
    ``isBase64Encoded``); any other JSON value (a string, a number, an object without ``statusCode``)
    is the body of a 200 ``application/json`` response, as the function returned it.
    """
    try:
        value = json.loads(text) if text is not None else None
    except ValueError:
        return None
    if not isinstance(value, dict) or "statusCode" not in value:
        return {"status": 200, "headers": dict(JSON_TYPE), "cookies": [], "body": text or "", "base64": False}
    status = value["statusCode"]
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return None
    headers = value.get("headers") or {}
    cookies = value.get("cookies") or []
    if not isinstance(headers, dict) or not isinstance(cookies, list):
        return None
    mapped = {str(k).lower(): v if isinstance(v, str) else json.dumps(v) for k, v in headers.items()}
    if not all(_header_fits(name, value) for name, value in mapped.items()):
        return None
    if any(set(str(cookie)) & LINE_BREAKS for cookie in cookies):
        return None
    mapped.setdefault("content-type", "application/json")
    body = value.get("body")
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    encoded = bool(value.get("isBase64Encoded")) and bool(body)
    if encoded:
        try:
            base64.b64decode(str(body), validate=True)
        except (binascii.Error, ValueError):
            return None
    return {
        "status": status,
        "headers": mapped,
        "cookies": [str(c) for c in cookies],
        "body": body or "",
        "base64": encoded,
    }


def _header_fits(name: str, value: str) -> bool:
    """Whether HTTP can carry the header: a name of token characters, a value on one line."""
    return bool(name) and set(name) <= TOKEN_CHARACTERS and not set(value) & LINE_BREAKS


def body_for_event(body: str | None, body_base64: bool, headers: dict) -> tuple[str | None, bool]:
    """The request body as the event carries it: text for textual content types, base64 otherwise."""
    if not body:
        return None, False
    if body_base64:
        return body, True
    content_type = headers.get("content-type", "").lower()
    if any(marker in content_type for marker in TEXT_TYPES):
        return body, False
    return base64.b64encode(body.encode()).decode(), True


def query_text(query) -> str:
    """The raw query string of a step's ``query`` (text as given, or a mapping of names to values)."""
    if isinstance(query, dict):
        return urllib.parse.urlencode({str(k): str(v) for k, v in query.items()})
    return str(query or "").lstrip("?")


# --- requests ---------------------------------------------------------------------------------------------


def request(state: State, step_index: int, now: float) -> list[dict]:
    """A ``url_request`` step: one HTTP request to a function URL."""
    call = state["config"]["steps"][step_index]["url_request"]
    target = str(call["url"])
    config = state["config"]
    url = config["function_urls"][target]
    account = config["account"]["account_id"]
    method = str(call.get("method") or "GET").upper()
    headers = {str(k).lower(): str(v) for k, v in (call.get("headers") or {}).items()}
    signer = call.get("signed_as")
    record: dict = {
        "step": step_index,
        "url": target,
        "method": method,
        "path": "/" + str(call.get("path") or "").lstrip("/"),
        "status_code": None,
        "headers": {},
        "cookies": [],
        "body": "",
        "body_base64": False,
        "request_id": None,
        "at_s": now,
    }
    responses = state["trace"].setdefault("url_responses", [])
    responses.append(record)
    index = len(responses) - 1
    answered = preflight(url.get("cors"), method, headers)
    if answered is not None:
        return _answer(record, answered[0], answered[1], answered[2], now)
    if not authorised(config, target, str(signer) if signer else None):
        return _answer(record, 403, {**JSON_TYPE, "x-amzn-errortype": "AccessDeniedException"}, FORBIDDEN, now)
    request_id = ids.uuid(state, "request")
    record["request_id"] = request_id
    given_body = call.get("body")
    if given_body is not None and not isinstance(given_body, str):
        given_body = json.dumps(given_body, separators=(",", ":"))
    body, encoded = body_for_event(given_body, bool(call.get("body_base64")), headers)
    iam = None
    if url["auth_type"] == "AWS_IAM" and signer:
        iam = {
            "accessKey": str(call.get("access_key_id") or access_key_id(str(signer))),
            "accountId": account,
            "callerId": user_id(str(signer)),
            "userArn": user_arn(account, str(signer)),
            "userId": user_id(str(signer)),
        }
    event = events.function_url_event(
        url_id=url_id(account, target),
        region=config["account"]["region"],
        account=account,
        request_id=request_id,
        now=now,
        method=method,
        path=record["path"],
        query=query_text(call.get("query")),
        headers=headers,
        body=body,
        is_base64=encoded,
        iam=iam,
        source_ip=str(call.get("source_ip") or events.CLIENT_IP),
    )
    text = json.dumps(event, separators=(",", ":"))
    resolved = qualifiers.resolve(state, target, None)
    refused = resolved.get("error") or invoke.admit(state, resolved.get("name", target), "RequestResponse", text, now)
    if refused is not None:
        return _refused(record, refused, now)
    name = resolved["name"]
    planned = attempts.plan_run(
        state,
        function=name,
        version=resolved["version"],
        qualifier=resolved["qualifier"],
        payload=text,
        request_id=request_id,
        trigger="function_url",
        attempt=1,
        ctx={"owner": "url", "index": index},
        now=now,
        sync=True,
    )
    if "throttle" in planned:
        metrics_for(state, name)["throttles"] += 1
        refused = qualifiers.service_error(429, "TooManyRequestsException", "Rate Exceeded.", planned["throttle"])
        return _refused(record, refused, now)
    return [planned]


def _refused(record: dict, refused: dict, now: float) -> list[dict]:
    """A Lambda service error (throttle, payload too large, function not ready) as the caller sees it."""
    headers = {**JSON_TYPE, "x-amzn-errortype": str(refused["error_type"])}
    body = json.dumps(refused["payload"], separators=(",", ":"))
    return _answer(record, int(refused["status_code"]), headers, body, now)


def _answer(record: dict, status: int, headers: dict, body: str, now: float) -> list[dict]:
    record.update(status_code=status, headers=dict(headers), body=body, at_s=now)
    return []


def end(state: State, data: dict, now: float) -> list[dict]:
    """The function finished: its result becomes the response (502 for any failure)."""
    record = state["trace"]["url_responses"][data["ctx"]["index"]]
    mapped = response_for(data.get("response")) if data["outcome"] == "success" else None
    if mapped is None:
        return _answer(record, 502, dict(JSON_TYPE), BAD_GATEWAY, now)
    step = state["config"]["steps"][record["step"]]["url_request"]
    url = state["config"]["function_urls"][record["url"]]
    given = {str(k).lower(): str(v) for k, v in (step.get("headers") or {}).items()}
    headers = mapped["headers"]
    if url.get("cors") and "origin" in given:
        headers = {k: v for k, v in headers.items() if not k.startswith("access-control-")}
        headers.update(cors_headers(url["cors"], given))
    record.update(cookies=mapped["cookies"], body_base64=mapped["base64"])
    return _answer(record, mapped["status"], headers, mapped["body"], now)
