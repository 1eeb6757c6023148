"""Signature Version 4 checks, as AWS makes them, with AWS's error codes and messages.

Two forms are accepted: the ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``
header (with ``X-Amz-Date`` or ``Date``), and presigned URLs carrying ``X-Amz-Algorithm``, ``X-Amz-Credential``,
``X-Amz-Date``, ``X-Amz-Expires``, ``X-Amz-SignedHeaders`` and ``X-Amz-Signature`` in the query string.

``verify`` rebuilds the canonical request from what arrived (the path as sent, encoded once more except for S3;
the query pairs decoded, encoded the SigV4 way and sorted; the signed headers; the payload hash), derives the
signing key from the secret ``secret_for`` returns for the access key id, and compares. Failures raise
``SignatureError`` with the code, message and HTTP status the service named in the credential scope answers with:
S3 (``SignatureDoesNotMatch``, ``InvalidAccessKeyId``, ``RequestTimeTooSkewed``...), the query services STS, SNS and
SQS (``SignatureDoesNotMatch``, ``InvalidClientTokenId``...), and the JSON services Lambda, DynamoDB and
EventBridge (``InvalidSignatureException``, ``UnrecognizedClientException``...).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from botocore.utils import normalize_url_path

from .hosts import service_from_host
from .http import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
STAMP = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOADS = (
    "UNSIGNED-PAYLOAD",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."


class SignatureError(Exception):
    """A request whose signature AWS would refuse: AWS's code, message and HTTP status.

    ``service`` is the service the request was for when it could be told (from the credential scope or the host),
    so the answer can take that service's error form.
    """

    def __init__(self, code: str, message: str, status: int, service: str | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.service = service


@dataclass(frozen=True)
class Dialect:
    """How one family of services words its signature errors."""

    mismatch: tuple[str, int]
    unknown_key: tuple[str, int, str]
    incomplete: tuple[str, int]
    missing: tuple[str, int, str]
    expired: tuple[str, int]
    window_minutes: int


QUERY = Dialect(
    mismatch=("SignatureDoesNotMatch", 403),
    unknown_key=("InvalidClientTokenId", 403, INVALID_TOKEN),
    incomplete=("IncompleteSignature", 400),
    missing=("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
    expired=("SignatureDoesNotMatch", 403),
    window_minutes=15,
)
JSON = Dialect(
    mismatch=("InvalidSignatureException", 400),
    unknown_key=("UnrecognizedClientException", 400, INVALID_TOKEN),
    incomplete=("IncompleteSignatureException", 400),
    missing=("MissingAuthenticationTokenException", 400, "Missing Authentication Token"),
    expired=("InvalidSignatureException", 400),
    window_minutes=15,
)
LAMBDA = Dialect(
    mismatch=("InvalidSignatureException", 403),
    unknown_key=("UnrecognizedClientException", 403, INVALID_TOKEN),
    incomplete=("IncompleteSignatureException", 403),
    missing=("MissingAuthenticationTokenException", 403, "Missing Authentication Token"),
    expired=("InvalidSignatureException", 403),
    window_minutes=5,
)
S3_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)
DIALECTS = {"s3": None, "sts": QUERY, "sns": QUERY, "sqs": QUERY, "lambda": LAMBDA, "dynamodb": JSON, "events": JSON}


@dataclass(frozen=True)
class Signed:
    """What a request claims about its signature."""

    access_key: str
    date: str  # yyyymmdd of the scope
    region: str
    service: str
    signed_headers: list[str]
    signature: str
    stamp: str  # the request's time, yyyymmddThhmmssZ
    expires: int | None  # seconds, presigned URLs only


class _Checker:
    def __init__(self, request: HttpRequest, service: str | None):
        self.request = request
        self.service = service

    @property
    def s3(self) -> bool:
        return self.service == "s3"

    @property
    def dialect(self) -> Dialect:
        return DIALECTS.get(self.service or "") or QUERY

    def fail(self, code: str, message: str, status: int) -> SignatureError:
        return SignatureError(code, message, status, self.service)

    def mismatch(self) -> SignatureError:
        if self.s3:
            return self.fail("SignatureDoesNotMatch", S3_MISMATCH, 403)
        code, status = self.dialect.mismatch
        return self.fail(code, MISMATCH, status)

    def incomplete(self, message: str) -> SignatureError:
        if self.s3:
            return self.fail("AuthorizationHeaderMalformed", f"The authorization header is malformed; {message}", 400)
        code, status = self.dialect.incomplete
        return self.fail(code, message, status)

    def unknown_key(self) -> SignatureError:
        if self.s3:
            return self.fail(
                "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403
            )
        code, status, message = self.dialect.unknown_key
        return self.fail(code, message, status)

    def missing(self) -> SignatureError:
        if self.s3:
            return self.fail("AccessDenied", "Access Denied", 403)
        code, status, message = self.dialect.missing
        return self.fail(code, message, status)


def _parse_credential(checker: _Checker, credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise checker.incomplete(
            f"Credential {credential!r} is not of the form <access key id>/<yyyymmdd>/<region>/<service>/aws4_request."
        )
    return parts[0], parts[1], parts[2], parts[3]


def _from_header(checker: _Checker, authorization: str) -> Signed:
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise checker.incomplete(f"Unsupported authorization type {algorithm!r}; only {ALGORITHM} is accepted.")
    fields = {}
    for part in rest.split(","):
        name, equals, value = part.strip().partition("=")
        if equals:
            fields[name.strip()] = value.strip()
    absent = [name for name in ("Credential", "Signature", "SignedHeaders") if name not in fields]
    if absent:
        raise checker.incomplete(
            " ".join(f"Authorization header requires '{name}' parameter." for name in absent)
            + f" Authorization={authorization}"
        )
    key, date, region, service = _parse_credential(checker, fields["Credential"])
    checker.service = service if service in DIALECTS else checker.service
    stamp = checker.request.header("x-amz-date")
    if stamp is None:
        http_date = checker.request.header("date")
        if http_date is None:
            raise checker.incomplete(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                f"Authorization={authorization}"
            )
        try:
            stamp = parsedate_to_datetime(http_date).astimezone(UTC).strftime(STAMP)
        except (TypeError, ValueError):
            raise checker.incomplete(f"Date header {http_date!r} is not an HTTP date.") from None
    return Signed(
        access_key=key,
        date=date,
        region=region,
        service=service,
        signed_headers=fields["SignedHeaders"].split(";"),
        signature=fields["Signature"],
        stamp=stamp,
        expires=None,
    )


def _from_query(checker: _Checker, query: dict[str, str]) -> Signed:
    absent = [
        name
        for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
        if name not in query
    ]
    if absent:
        raise checker.incomplete(f"The query string is missing {', '.join(absent)} of a presigned request.")
    if query["X-Amz-Algorithm"] != ALGORITHM:
        raise checker.incomplete(f"X-Amz-Algorithm must be {ALGORITHM}, not {query['X-Amz-Algorithm']!r}.")
    key, date, region, service = _parse_credential(checker, query["X-Amz-Credential"])
    checker.service = service if service in DIALECTS else checker.service
    expires_text = query.get("X-Amz-Expires", str(MAX_PRESIGNED_SECONDS))
    if not expires_text.isdigit():
        raise checker.incomplete(f"X-Amz-Expires must be a number of seconds, not {expires_text!r}.")
    expires = int(expires_text)
    if expires > MAX_PRESIGNED_SECONDS and checker.s3:
        raise checker.fail(
            "AuthorizationQueryParametersError",
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGNED_SECONDS}",
            400,
        )
    return Signed(
        access_key=key,
        date=date,
        region=region,
        service=service,
        signed_headers=query["X-Amz-SignedHeaders"].split(";"),
        signature=query["X-Amz-Signature"],
        stamp=query["X-Amz-Date"],
        expires=expires,
    )


def _check_time(checker: _Checker, signed: Signed, now: datetime) -> None:
    try:
        moment = datetime.strptime(signed.stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise checker.incomplete(
            f"Date {signed.stamp!r} must be in ISO 8601 basic format (yyyyMMdd'T'HHmmss'Z')."
        ) from None
    now = now.astimezone(UTC).replace(microsecond=0)
    fmt = now.strftime(STAMP)
    if signed.expires is not None and checker.s3:
        if now > moment + timedelta(seconds=signed.expires):
            raise checker.fail("AccessDenied", "Request has expired", 403)
        if moment - now > timedelta(minutes=15):
            raise checker.fail("AccessDenied", "Request is not valid yet", 403)
        return
    # Other services ignore X-Amz-Expires: a presigned request is as good as its X-Amz-Date, like a signed one.
    window = timedelta(minutes=15 if checker.s3 else checker.dialect.window_minutes)
    minutes = int(window.total_seconds() // 60)
    if abs(now - moment) > window and checker.s3:
        raise checker.fail(
            "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403
        )
    code, status = checker.dialect.expired
    if now - moment > window:
        earliest = (now - window).strftime(STAMP)
        raise checker.fail(
            code, f"Signature expired: {signed.stamp} is now earlier than {earliest} ({fmt} - {minutes} min.)", status
        )
    if moment - now > window:
        latest = (now + window).strftime(STAMP)
        raise checker.fail(
            code,
            f"Signature not yet current: {signed.stamp} is still later than {latest} ({fmt} + {minutes} min.)",
            status,
        )


def _canonical_query(raw_query: str, presigned: bool) -> str:
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key, value = unquote(key), unquote(value)
        if presigned and key == "X-Amz-Signature":
            continue
        pairs.append((quote(key, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def _payload_hash(checker: _Checker, presigned: bool) -> str:
    request = checker.request
    declared = request.header("x-amz-content-sha256")
    if presigned and checker.s3:
        return declared or "UNSIGNED-PAYLOAD"
    actual = hashlib.sha256(request.body).hexdigest()
    if declared is None:
        return actual
    if declared in UNSIGNED_PAYLOADS:
        return declared
    if declared.lower() != actual and checker.s3:
        raise checker.fail(
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            400,
        )
    return actual if declared.lower() != actual else declared


def _canonical_request(checker: _Checker, signed: Signed, presigned: bool) -> str:
    request = checker.request
    path = request.raw_path
    if not checker.s3:
        path = quote(normalize_url_path(path), safe="/~")
    lines = []
    for name in signed.signed_headers:
        values = request.header_values(name)
        if name == "host" and not values:
            values = [request.host]
        if not values:
            raise checker.mismatch()
        lines.append(f"{name}:{','.join(' '.join(value.split()) for value in values)}")
    return "\n".join(
        [
            request.method,
            path,
            _canonical_query(request.raw_query, presigned),
            "\n".join(lines) + "\n",
            ";".join(signed.signed_headers),
            _payload_hash(checker, presigned),
        ]
    )


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signature_for(secret: str, date: str, region: str, service: str, string_to_sign: str) -> str:
    """The hex SigV4 signature of ``string_to_sign`` with the key derived from ``secret`` and the scope."""
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def request_service(request: HttpRequest) -> str | None:
    """The service a request names in its credential scope (header or presigned query), else by its host."""
    authorization = request.header("authorization") or ""
    credential = ""
    if "Credential=" in authorization:
        credential = authorization.split("Credential=", 1)[1].split(",", 1)[0].strip()
    else:
        for key, value in request.query:
            if key == "X-Amz-Credential":
                credential = value
    parts = credential.split("/")
    if len(parts) == 5 and parts[3] in DIALECTS:
        return parts[3]
    return service_from_host(request.host)


def verify(request: HttpRequest, secret_for: Callable[[str], str | None], now: datetime) -> str:
    """The access key id that signed ``request``; SignatureError with AWS's code and message when AWS would refuse."""
    checker = _Checker(request, request_service(request))
    authorization = request.header("authorization")
    query = dict(request.query)
    presigned = authorization is None and "X-Amz-Algorithm" in query
    if authorization is not None:
        signed = _from_header(checker, authorization)
    elif presigned:
        signed = _from_query(checker, query)
    else:
        raise checker.missing()
    if "host" not in signed.signed_headers:
        raise checker.incomplete(f"The signed headers ({';'.join(signed.signed_headers)}) must include 'host'.")
    secret = secret_for(signed.access_key)
    if secret is None:
        raise checker.unknown_key()
    _check_time(checker, signed, now)
    if signed.stamp[:8] != signed.date:
        raise checker.incomplete(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{signed.date}' != '{signed.stamp[:8]}', from '{signed.stamp}'."
        )
    canonical = _canonical_request(checker, signed, presigned)
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            signed.stamp,
            f"{signed.date}/{signed.region}/{signed.service}/aws4_request",
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        ]
    )
    expected = signature_for(secret, signed.date, signed.region, signed.service, string_to_sign)
    if not hmac.compare_digest(expected, signed.signature.lower()):
        raise checker.mismatch()
    return signed.access_key
