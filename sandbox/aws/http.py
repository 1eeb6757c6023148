"""HTTP/1.1 requests and responses as bytes: what an SDK sends to an AWS endpoint and what it reads back.

``read_request`` takes the bytes of one complete request (origin-form ``POST / HTTP/1.1`` with a Host header, or
absolute-form ``POST http://sqs.us-east-1.amazonaws.com/ HTTP/1.1`` as sent through a proxy), with a body framed by
Content-Length or chunked transfer encoding. ``request_end`` tells a reader of a byte stream where the first
complete request ends, and ``expects_continue`` when to answer ``100 Continue`` first (botocore asks for it on S3
uploads and otherwise waits a second before sending the body).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from .errors import ProtocolError

MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # with its query string, as sent (percent-encoded)
    headers: tuple[tuple[str, str], ...]
    body: bytes
    host: str  # the Host header (with a port when one was sent)

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    @property
    def raw_path(self) -> str:
        """The path without its query string, still percent-encoded."""
        return self.path.split("?", 1)[0] or "/"

    @property
    def raw_query(self) -> str:
        return self.path.split("?", 1)[1] if "?" in self.path else ""

    @property
    def query(self) -> list[tuple[str, str]]:
        """The query string's pairs, decoded (a key without "=" has the value "")."""
        pairs = []
        for part in self.raw_query.split("&"):
            if part:
                key, _, value = part.partition("=")
                pairs.append((unquote(key), unquote(value)))
        return pairs


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


def _bad(message: str) -> ProtocolError:
    return ProtocolError("BadRequest", message, 400)


def _split_head(raw: bytes) -> tuple[str, list[tuple[str, str]], int] | None:
    """(request line, headers, offset of the body), or None while the head is incomplete."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        if len(raw) > MAX_HEAD:
            raise _bad(f"The request head is longer than {MAX_HEAD} bytes.")
        return None
    lines = raw[:end].decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise _bad(f"Malformed header line: {line[:80]!r}.")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers, end + 4


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _chunked_end(raw: bytes, start: int) -> tuple[int, bytes] | None:
    """(end offset, decoded body) of a chunked body starting at ``start``, or None while incomplete."""
    position, parts = start, []
    while True:
        line_end = raw.find(b"\r\n", position)
        if line_end < 0:
            return None
        size_text = raw[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _bad(f"Malformed chunk size {size_text[:20]!r}.") from None
        position = line_end + 2
        if size == 0:
            # Trailer fields, then an empty line.
            while True:
                line_end = raw.find(b"\r\n", position)
                if line_end < 0:
                    return None
                if line_end == position:
                    return line_end + 2, b"".join(parts)
                position = line_end + 2
        if len(raw) < position + size + 2:
            return None
        parts.append(raw[position : position + size])
        position += size + 2


def _body_end(raw: bytes, headers: list[tuple[str, str]], start: int) -> tuple[int, bytes] | None:
    encoding = (_first(headers, "transfer-encoding") or "").lower()
    if "chunked" in encoding:
        return _chunked_end(raw, start)
    length_text = _first(headers, "content-length")
    try:
        length = int(length_text) if length_text is not None else 0
    except ValueError:
        raise _bad(f"Content-Length {length_text!r} is not a number.") from None
    if length < 0:
        raise _bad(f"Content-Length {length} is negative.")
    if len(raw) < start + length:
        return None
    return start + length, raw[start : start + length]


def request_end(raw: bytes) -> int | None:
    """The number of bytes the first complete request in ``raw`` takes, or None while more bytes are needed."""
    head = _split_head(raw)
    if head is None:
        return None
    _line, headers, start = head
    body = _body_end(raw, headers, start)
    return None if body is None else body[0]


def expects_continue(raw: bytes) -> bool:
    """True when the head is complete, asks ``Expect: 100-continue`` and the body has not arrived yet."""
    head = _split_head(raw)
    if head is None:
        return False
    _line, headers, start = head
    if (_first(headers, "expect") or "").lower() != "100-continue":
        return False
    return _body_end(raw, headers, start) is None


def read_request(raw: bytes) -> HttpRequest:
    """One HTTP/1.1 request from its bytes; ProtocolError when they are not one."""
    head = _split_head(raw)
    if head is None:
        raise _bad("The request head is incomplete (no empty line after the headers).")
    line, headers, start = head
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _bad(f"Malformed request line {line[:120]!r}.")
    method, target, _version = parts
    body = _body_end(raw, headers, start)
    if body is None:
        raise _bad("The request body is shorter than its framing says.")
    host = _first(headers, "host") or ""
    if target.startswith(("http://", "https://")):
        split = urlsplit(target)
        host = host or split.netloc
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
    if not target.startswith("/"):
        raise _bad(f"Unsupported request target {target[:120]!r}.")
    if "chunked" in (_first(headers, "transfer-encoding") or "").lower():
        headers = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]
        headers.append(("Content-Length", str(len(body[1]))))
    return HttpRequest(method=method.upper(), path=target, headers=tuple(headers), body=body[1], host=host)


def write_response(response: HttpResponse) -> bytes:
    """The HTTP/1.1 bytes of a response; Content-Length is added unless the response carries one (HEAD)."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    has_length = False
    for name, value in response.headers:
        if "\r" in name or "\n" in name or "\r" in value or "\n" in value:
            raise ValueError(f"Header {name!r} contains a line break.")
        has_length = has_length or name.lower() == "content-length"
        lines.append(f"{name}: {value}")
    if not has_length:
        lines.append(f"Content-Length: {len(response.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body
