"""HTTPS to emulated AWS endpoints: TLS is a pass-through, and each request goes to the emulated world in a frame.

A connection to an AWS endpoint (``is_aws_endpoint``) that the network allows reaches the sandbox, not AWS. No
certificate exists anywhere: ``SSLContext.wrap_socket`` on such a socket returns an ``EmulatedTLS`` that does no
handshake and reports the certificate the client expects. What the SDK writes is plain HTTP/1.1; each whole
request travels as one frame ``{"at_ms", "request"}`` (the virtual time of the call and the request's bytes as
latin-1 text), and each answer comes back as one frame ``{"elapsed_ms", "data"}``: the handler's virtual clock
moves on by ``elapsed_ms`` before it reads the response, or by the socket's timeout when that is shorter (the
client's read timeout, as botocore's 60 s on a long synchronous invoke). Standard library only.
"""

from __future__ import annotations

import errno
import io
import threading
import weakref

from sandbox.runtime.protocol import FrameReader, ProtocolError, encode, expects_continue, http_request_size, number
from sandbox.runtime.shim.clock import CLOCK

EMULATED_CERTIFICATE_DAYS = ("Jan  1 00:00:00 2026 GMT", "Dec 31 23:59:59 2030 GMT")


class EmulatedTLS:
    """What ``wrap_socket`` gives for a connection to an emulated AWS endpoint; behaves as an ``SSLSocket``."""

    server_side = False
    session = None
    session_reused = False

    def __init__(self, sock, server_hostname: str | None, context) -> None:
        self._sock = sock
        self.server_hostname = server_hostname
        self.context = context
        self._outgoing = bytearray()
        self._incoming = bytearray()
        self._reader = FrameReader()
        self._asked_continue = False

    def __getattr__(self, name):  # fileno, settimeout, gettimeout, setblocking, getpeername, shutdown, family...
        return getattr(self._sock, name)

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # --- the TLS side -------------------------------------------------------------------------------------------

    def do_handshake(self, block: bool = False) -> None:
        return None

    def getpeercert(self, binary_form: bool = False):
        if binary_form:
            return b""
        name = self.server_hostname or ""
        return {
            "subject": ((("commonName", name),),),
            "issuer": ((("commonName", "Emulated AWS endpoint"),),),
            "subjectAltName": (("DNS", name),),
            "notBefore": EMULATED_CERTIFICATE_DAYS[0],
            "notAfter": EMULATED_CERTIFICATE_DAYS[1],
        }

    def version(self) -> str:
        return "TLSv1.3"

    def cipher(self):
        return ("TLS_AES_128_GCM_SHA256", "TLSv1.3", 128)

    def shared_ciphers(self):
        return [self.cipher()]

    def compression(self):
        return None

    def selected_alpn_protocol(self):
        return None

    def selected_npn_protocol(self):
        return None

    def pending(self) -> int:
        return len(self._incoming)

    def unwrap(self):
        return self._sock

    def close(self) -> None:
        self._sock.close()

    # --- writing: whole HTTP requests, one frame each ------------------------------------------------------------

    def sendall(self, data, flags: int = 0) -> None:
        self._outgoing += data
        while True:
            try:
                size = http_request_size(self._outgoing)
            except ValueError as problem:
                self._outgoing.clear()
                raise OSError(errno.EPROTO, f"not a request the emulated endpoint can take: {problem}") from None
            if size is None:
                if not self._asked_continue and expects_continue(self._outgoing):
                    self._asked_continue = True
                    self._send_frame({"expect": True})
                return
            request = bytes(self._outgoing[:size])
            del self._outgoing[:size]
            self._asked_continue = False
            self._send_frame({"at_ms": CLOCK.elapsed() * 1000, "request": request.decode("latin-1")})

    def send(self, data, flags: int = 0) -> int:
        self.sendall(data)
        return len(data)

    def write(self, data) -> int:
        return self.send(data)

    def _send_frame(self, message: dict) -> None:
        try:
            frame = encode(message)
        except ProtocolError as problem:
            raise OSError(errno.EMSGSIZE, f"request too large for the emulated endpoint: {problem}") from None
        self._sock.sendall(frame)

    # --- reading: answers, each moving the virtual clock on --------------------------------------------------------

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        if not self._incoming and not self._fill():
            return 0
        view = memoryview(buffer)
        count = min(nbytes or len(view), len(view), len(self._incoming))
        view[:count] = self._incoming[:count]
        del self._incoming[:count]
        return count

    def recv(self, size: int = 1024, flags: int = 0) -> bytes:
        buffer = bytearray(size)
        return bytes(buffer[: self.recv_into(buffer)])

    def read(self, size: int = 1024, buffer=None):
        if buffer is not None:
            return self.recv_into(buffer, size)
        return self.recv(size)

    def _fill(self) -> bool:
        """Read answers until there are bytes for the handler; False at the end of the stream."""
        while not self._incoming:
            chunk = self._sock.recv(1 << 16)
            if not chunk:
                return False
            try:
                frames = self._reader.feed(chunk)
            except ProtocolError as problem:
                raise OSError(errno.EPROTO, f"bad answer from the emulated endpoint: {problem}") from None
            for frame in frames:
                elapsed_s = max(number(frame.get("elapsed_ms")), 0.0) / 1000
                if elapsed_s and threading.current_thread() is threading.main_thread():
                    wait = self._sock.gettimeout()
                    if wait is not None and elapsed_s > wait:  # the client's read timeout comes first
                        CLOCK.advance(wait)
                        raise TimeoutError("The read operation timed out")
                    CLOCK.advance(elapsed_s)  # the call took this long in the emulated world
                data = frame.get("data")
                if isinstance(data, str):
                    self._incoming += data.encode("latin-1", errors="replace")
        return True

    def makefile(self, mode: str = "r", buffering=None, *, encoding=None, errors=None, newline=None):
        raw = _Stream(self)
        if buffering == 0 and "b" in mode:
            return raw
        stream = io.BufferedWriter(raw) if "w" in mode else io.BufferedReader(raw)
        if "b" in mode:
            return stream
        return io.TextIOWrapper(stream, encoding, errors, newline)


class _Stream(io.RawIOBase):
    """``makefile`` of an EmulatedTLS: reads and writes go through it; closing leaves the connection open."""

    def __init__(self, tls: EmulatedTLS) -> None:
        self.tls = tls

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self.tls.recv_into(buffer)

    def write(self, data) -> int:
        return self.tls.send(data)


class PassThrough:
    """Remembers the sockets connected to emulated AWS endpoints and makes ``wrap_socket`` a pass-through for
    them (installed on ``ssl.SSLContext`` at the first such connection: a handler that never calls AWS never pays
    for importing ``ssl``)."""

    def __init__(self) -> None:
        self.sockets: weakref.WeakSet = weakref.WeakSet()
        self.installed = False

    def remember(self, sock) -> None:
        self.sockets.add(sock)
        if not self.installed:
            self.install()

    def install(self) -> None:
        import ssl

        real_wrap_socket = ssl.SSLContext.wrap_socket
        sockets = self.sockets

        def wrap_socket(
            context,
            sock,
            server_side=False,
            do_handshake_on_connect=True,
            suppress_ragged_eofs=True,
            server_hostname=None,
            session=None,
        ):
            if sock in sockets:
                sockets.discard(sock)
                return EmulatedTLS(sock, server_hostname, context)
            return real_wrap_socket(
                context, sock, server_side, do_handshake_on_connect, suppress_ragged_eofs, server_hostname, session
            )

        ssl.SSLContext.wrap_socket = wrap_socket
        self.installed = True
