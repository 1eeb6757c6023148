"""Network interception: connections decided from the function's NetworkTable, reported to the daemon.

The daemon decides and records every connection again itself (the runtime can be bypassed); what the runtime
decides here only shapes what the handler sees. Standard library only.
"""

from __future__ import annotations

import errno
import ipaddress
import math
import os
import socket

from sandbox.runtime.protocol import decide, encode, is_aws_endpoint
from sandbox.runtime.shim.clock import CLOCK
from sandbox.runtime.shim.tls import PassThrough

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_setsockopt = socket.socket.setsockopt
_encode = encode


class Network:
    """Decides connections from the function's NetworkTable and records every attempt."""

    def __init__(self, table: dict, broker_path: str | None, token: str | None = None) -> None:
        self.table = table
        self.broker_path = broker_path
        self.token = token  # names this environment to an endpoint shared by several (the local executor's)
        self.names_by_address: dict[str, str] = {}
        self.next_address = 1
        self.connections: list[dict] = []
        self.tls = PassThrough()

    def address_for(self, name: str) -> str:
        for address, known in self.names_by_address.items():
            if known == name:
                return address
        address = str(ipaddress.ip_address("198.18.0.0") + self.next_address)
        self.next_address += 1
        self.names_by_address[address] = name
        return address

    @staticmethod
    def is_address(host: str) -> bool:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True

    def resolves(self, name: str, port: int) -> bool:
        outcome, _ = decide(self.table, name, port)
        return outcome != "dns_failure"

    def record(self, host: str, port: int, outcome: str, reason: str) -> None:
        self.connections.append(
            {"host": host, "port": port, "outcome": outcome, "reason": reason, "at_ms": CLOCK.elapsed() * 1000}
        )

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or self.is_address(name) or name in ("localhost",):
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        number = _port_number(port)
        if not self.resolves(name, number):
            self.record(name.lower(), number, "dns_failure", decide(self.table, name, number)[1])
            self.report_attempt(name.lower(), number)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = self.address_for(name.lower().rstrip("."))
        return [(socket.AF_INET, type or socket.SOCK_STREAM, proto or socket.IPPROTO_TCP, "", (address, number))]

    def connect(self, sock: socket.socket, address) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return _real_connect(sock, address)
        host, port = str(address[0]), int(address[1])
        name = self.names_by_address.get(host, host.lower().rstrip("."))
        outcome, reason = decide(self.table, name, port)
        if outcome == "dns_failure" and self.is_address(name):
            outcome, reason = "timeout", "no route to this address"
        self.record(name, port, outcome, reason)
        if outcome != "connected":
            self.report_attempt(name, port)
        if outcome == "dns_failure":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if outcome == "refused":
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        if outcome == "timeout":
            wait = sock.gettimeout()
            if not CLOCK.running:
                raise TimeoutError("timed out")
            if wait is None:
                CLOCK.advance(math.inf)  # hangs until the function times out
            CLOCK.advance(wait)
            raise TimeoutError("timed out")
        self.reach_stand_in(sock, name, port)

    def open_link(self, name: str, port: int) -> socket.socket:
        """A stream to the daemon's endpoint that has been told which host and port the handler wants."""
        link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            _real_connect(link, self.broker_path)
            opening = {"host": name, "port": port, "at_ms": CLOCK.elapsed() * 1000}
            if self.token:
                opening["env"] = self.token
            link.sendall(_encode(opening))
        except OSError:
            link.close()
            raise
        return link

    def report_attempt(self, name: str, port: int) -> None:
        """Tell the daemon about a connection that fails: it records attempts itself, for the trace."""
        if not self.broker_path:
            return
        try:
            link = self.open_link(name, port)
        except OSError:
            return
        with link:
            try:
                link.settimeout(5)
                link.recv(1)
            except OSError:
                pass

    def reach_stand_in(self, sock: socket.socket, name: str, port: int) -> None:
        """Swap the socket's descriptor for a stream to the stand-in endpoint served outside the environment."""
        if not self.broker_path:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused (no stand-in endpoint)")
        link = self.open_link(name, port)
        try:
            answer = link.recv(1)
            if answer != b"+":
                raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
            wait = sock.gettimeout()
            os.dup2(link.fileno(), sock.fileno())
            sock.settimeout(wait)
        finally:
            link.close()
        if is_aws_endpoint(name, port):
            self.tls.remember(sock)  # HTTPS to the emulated AWS world: wrap_socket passes it through


def _port_number(port) -> int:
    if port is None:
        return 0
    if isinstance(port, bytes):
        port = port.decode()
    try:
        return int(port)
    except ValueError:
        return {"http": 80, "https": 443}.get(str(port), 0)


def install_network(network: Network) -> None:
    def connect(sock, address):
        return network.connect(sock, address)

    def connect_ex(sock, address):
        try:
            network.connect(sock, address)
        except OSError as error:
            return error.errno or errno.EIO
        return 0

    def gethostbyname(name):
        return network.getaddrinfo(name, 0)[0][4][0]

    def gethostbyname_ex(name):
        return name, [], [gethostbyname(name)]

    def setsockopt(sock, level, option, *value):
        try:
            return _real_setsockopt(sock, level, option, *value)
        except OSError as error:
            # A TCP option (TCP_NODELAY, keepalive timing) on a connection the sandbox carries over a Unix socket.
            if level == socket.IPPROTO_TCP and error.errno in (errno.EOPNOTSUPP, errno.ENOPROTOOPT):
                return None
            raise

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.setsockopt = setsockopt
    socket.getaddrinfo = network.getaddrinfo
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex
