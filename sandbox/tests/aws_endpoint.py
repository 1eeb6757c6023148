"""A small HTTP server for tests of the AWS layer: it frames requests with ``sandbox.aws.http``, hands each one to
an ``answer`` function and writes its response back, keeping connections open as botocore expects.

Point a real boto3 client at it with ``endpoint_url=endpoint.url``, or send through it as an HTTP proxy
(``Config(proxies={"http": endpoint.url})`` with ``endpoint_url="http://sqs.us-east-1.amazonaws.com"``) so that
requests carry AWS's own host names.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
import uuid
from collections.abc import Callable

from sandbox.aws import answer
from sandbox.aws.http import HttpRequest, HttpResponse, expects_continue, read_request, request_end, write_response
from sandbox.emulator.executor import ServiceError, ServiceReply

Answer = Callable[[HttpRequest], HttpResponse]


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        endpoint: Endpoint = self.server.endpoint  # type: ignore[attr-defined]
        connection: socket.socket = self.request
        if endpoint.tls is not None:
            connection = endpoint.tls.wrap_socket(connection, server_side=True)
        buffer = b""
        continued = False
        while True:
            end = request_end(buffer)
            if end is None:
                if not continued and expects_continue(buffer):
                    connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                    continued = True
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                continue
            raw, buffer, continued = buffer[:end], buffer[end:], False
            endpoint.raw_requests.append(raw)
            connection.sendall(write_response(endpoint.answer(read_request(raw))))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Endpoint:
    """Serves ``answer`` on 127.0.0.1 on a free port until ``close``; ``raw_requests`` keeps every request's bytes.
    With ``tls`` (a server SSLContext) it speaks HTTPS, as handlers' SDK calls do."""

    def __init__(self, answer: Answer, tls: ssl.SSLContext | None = None):
        self.answer = answer
        self.tls = tls
        self.raw_requests: list[bytes] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.endpoint = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CannedWorld:
    """An answer for an Endpoint that serves AWS calls through ``sandbox.aws.answer``: it checks the signature (when
    given ``secret_for``), parses the request, records the call and answers with the result or ServiceError set
    for that operation with ``reply`` (an empty result otherwise)."""

    def __init__(self, secret_for: Callable[[str], str | None] | None = None):
        self.secret_for = secret_for
        self.calls: list[tuple[str, str, dict, str]] = []
        self.replies: dict[tuple[str, str], object] = {}
        self.request_ids: list[str] = []

    def reply(self, service: str, operation: str, answer: object) -> None:
        self.replies[(service, operation)] = answer

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        self.request_ids.append(request_id)
        return answer(request, self.handle, request_id, secret_for=self.secret_for)

    def handle(self, service: str, operation: str, params: dict, region: str) -> ServiceReply:
        self.calls.append((service, operation, params, region))
        reply = self.replies.get((service, operation), {})
        if isinstance(reply, ServiceError):
            return ServiceReply(error=reply)
        return ServiceReply(result=reply)
