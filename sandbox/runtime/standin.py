"""The stand-in endpoint: what a connection that the network rules allow actually reaches.

An HTTP request gets a small ``200 OK`` JSON answer naming the emulated host; anything else is echoed back.
Used by the local executor (threads) and by the daemon (its event loop).
"""

from __future__ import annotations

import json

HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"DELETE ", b"HEAD ", b"PATCH ", b"OPTIONS ")


def looks_like_http(data: bytes) -> bool:
    return data.startswith(HTTP_METHODS)


def http_answer(host: str, port: int, request: bytes) -> bytes:
    line = request.split(b"\r\n", 1)[0].decode("latin-1", errors="replace")
    parts = line.split(" ")
    body = json.dumps(
        {
            "standIn": True,
            "host": host,
            "port": port,
            "method": parts[0],
            "path": parts[1] if len(parts) > 1 else "/",
            "message": f"Reached the emulated endpoint {host}:{port}.",
        }
    ).encode()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return head + (b"" if parts[0] == "HEAD" else body)


def answer(host: str, port: int, first: bytes) -> tuple[bytes, bool]:
    """What to send back for the first bytes of a stream, and whether to close afterwards."""
    if looks_like_http(first):
        return http_answer(host, port, first), True
    return first, False
