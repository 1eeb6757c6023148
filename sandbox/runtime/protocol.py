"""The protocol: framing shared by the shim, the executors and the daemon (a 4-byte big-endian length, then
UTF-8 JSON), and the checks the daemon applies to every request before acting on it.

Standard library only: the runtime shim imports this inside the execution environment.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import struct

from sandbox.runtime.limits import REAL_TIME_LIMIT_S

# The biggest frame anyone may send: a 6 MB response plus room for the error body and metadata.
MAX_FRAME = 8 * 1024 * 1024
MAX_DEPTH = 64  # frames are shallow; anything deeper is refused before it can exhaust the interpreter's stack
HEADER = struct.Struct(">I")
MAX_LAYER_FILES = 4096  # files under /opt, all layers of a function together
MAX_PROCS = 1024  # processes per environment, the default and the most a client may ask for


class ProtocolError(Exception):
    """A frame that is too big, not JSON, or cut off."""


def encode(message: dict) -> bytes:
    """One frame. UTF-8 text is kept as it is, so re-encoding what was decoded never makes it bigger."""
    try:
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate: only the escaped form is valid UTF-8
        body = json.dumps(message, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME:
        raise ProtocolError(f"frame of {len(body)} bytes is over the {MAX_FRAME}-byte limit")
    return HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict:
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ProtocolError(f"frame is not JSON: {str(error)[:200]}") from None
    if not isinstance(message, dict):
        raise ProtocolError("frame is not a JSON object")
    if nesting(message) > MAX_DEPTH:
        raise ProtocolError(f"frame is nested deeper than {MAX_DEPTH} levels")
    return message


def nesting(value) -> int:
    """How deep the arrays and objects of decoded JSON go (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in item)
    return deepest


def write_frame(fd: int, message: dict) -> None:
    """Write one whole frame to a blocking file descriptor."""
    data = memoryview(encode(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict | None:
    """Read one frame from a blocking file descriptor; None at a clean end of file."""
    header = _read_exactly(fd, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes is over the {MAX_FRAME}-byte limit")
    body = _read_exactly(fd, size)
    if body is None:
        raise ProtocolError("frame cut off by end of file")
    return decode(body)


class FrameReader:
    """Collects frames from bytes that arrive in pieces (non-blocking pipes and sockets)."""

    def __init__(self, limit: int = MAX_FRAME) -> None:
        self.buffer = bytearray()
        self.limit = limit

    def feed(self, data: bytes) -> list[dict]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if size > self.limit:
                raise ProtocolError(f"frame of {size} bytes is over the {self.limit}-byte limit")
            if len(self.buffer) < HEADER.size + size:
                break
            body = bytes(self.buffer[HEADER.size : HEADER.size + size])
            del self.buffer[: HEADER.size + size]
            frames.append(decode(body))
        return frames


class LogBuffer:
    """Keeps the last ``limit`` bytes of a log stream and counts everything that went through."""

    def __init__(self, limit: int = 256 * 1024) -> None:
        self.limit = limit
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data += chunk
        if len(self.data) > 2 * self.limit:
            del self.data[: len(self.data) - self.limit]

    def take(self) -> str:
        kept = bytes(self.data[-self.limit :])
        dropped = self.total - len(kept)
        self.data.clear()
        self.total = 0
        text = kept.decode("utf-8", errors="replace")
        if dropped > 0:
            text = f"[{dropped} earlier bytes of log output were dropped]\n" + text
        return text


SIGNAL_WORDS = {
    1: "hangup",
    2: "interrupt",
    3: "quit",
    4: "illegal instruction",
    5: "trace/breakpoint trap",
    6: "aborted",
    7: "bus error",
    8: "floating point exception",
    9: "killed",
    10: "user defined signal 1",
    11: "segmentation fault",
    12: "user defined signal 2",
    13: "broken pipe",
    14: "alarm clock",
    15: "terminated",
    24: "CPU time limit exceeded",
    25: "file size limit exceeded",
    31: "bad system call",
}


def exit_words(status: int) -> str:
    """Describe a wait status the way Lambda's Go runtime manager does: 'exit status 3', 'signal: killed'."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        return f"signal: {SIGNAL_WORDS.get(number, f'signal {number}')}"
    return f"exit status {os.WEXITSTATUS(status)}"


def exit_message(status: int) -> str:
    """What Lambda says when the runtime process ends: a clean exit gives no reason."""
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: {exit_words(status)}"


def runtime_exit_error(request_id: str, status: int) -> dict:
    return {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {exit_message(status)}"}


def timeout_error(request_id: str, timeout_s: float) -> dict:
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds",
    }


def out_of_memory_error(request_id: str) -> dict:
    return {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }


LOOPBACK_REASON = "nothing listens on the loopback address inside the execution environment"


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 and ::1 (the same rule as the core's ``executor.is_loopback``)."""
    name = str(host).lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def wildcard_key(hosts: dict, host: str) -> str:
    """The ``*.SUFFIX`` key covering ``host`` most narrowly (the same rule as the core's ``executor.wildcard_key``)."""
    labels = str(host).lower().rstrip(".").split(".")
    for start in range(1, len(labels) - 1):
        key = "*." + ".".join(labels[start:])
        if key in hosts:
            return key
    return ""


def decide(network: dict, host: str, port: int) -> tuple[str, str]:
    """Look a connection up in a NetworkTable given as plain data (see ``network_to_data``)."""
    hosts = network.get("hosts", {})
    ports = hosts.get(str(host).lower().rstrip(".")) or hosts.get(wildcard_key(hosts, str(host)))
    default = tuple(network.get("default", ("dns_failure", "the name does not resolve")))
    if ports is None:
        return ("refused", LOOPBACK_REASON) if is_loopback(str(host)) else default
    verdict = ports.get(str(port)) or ports.get("*")
    return tuple(verdict) if verdict else default


def network_to_data(table) -> dict:
    """A NetworkTable (or None) as plain data: {"hosts": {host: {port: [outcome, reason]}}, "default": [...]}."""
    if table is None:
        return {"hosts": {}, "default": ["dns_failure", "the name does not resolve"]}
    return {
        "hosts": {
            host: {str(port): [v.outcome, v.reason] for port, v in ports.items()}  # keys as given, like decide()
            for host, ports in table.hosts.items()
        },
        "default": [table.default.outcome, table.default.reason],
    }


# --- requests from clients, checked by the daemon before anything acts on them ----------------------------------


def number(value, default: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return float(value)


def code_files(code: dict) -> list[tuple[str, str]]:
    """The function's files as (relative path, text), refusing paths that would leave the code directory."""
    files = []
    for name, text in code.items():
        parts = str(name).replace("\\", "/").split("/")
        if not name or str(name).startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"code file name {name!r} must be a plain relative path")
        files.append(("/".join(parts), str(text)))
    return files


def validate_spec(spec: dict) -> dict:
    checked = {
        "function_name": str(spec["function_name"])[:64],
        "code": {str(k): str(v) for k, v in dict(spec["code"]).items()},
        "handler": str(spec.get("handler", "lambda_function.lambda_handler"))[:128],
        "memory_mb": int(spec.get("memory_mb", 128)),
        "timeout_s": float(spec.get("timeout_s", 3.0)),
        "ephemeral_storage_mb": int(spec.get("ephemeral_storage_mb", 512)),
        "environment": {str(k): str(v) for k, v in dict(spec.get("environment") or {}).items()},
        "version": str(spec.get("version", "$LATEST")),
        "region": str(spec.get("region", "us-east-1")),
        "account_id": str(spec.get("account_id", "123456789012")),
        "log_stream_name": str(spec.get("log_stream_name", "")),
        "init_limit_s": float(spec.get("init_limit_s", 10.0)),
        "network": spec.get("network") or {"hosts": {}, "default": ["dns_failure", "the name does not resolve"]},
        "runtime": str(spec.get("runtime") or "python3.12"),
        "initialization_type": str(spec.get("initialization_type") or "on-demand"),
        "layer_files": {str(k): str(v) for k, v in dict(spec.get("layer_files") or {}).items()},
        "snap_start": snap_start_of(spec.get("snap_start")),
    }
    if not re.fullmatch(r"python3\.\d{1,2}", checked["runtime"]):
        raise ValueError("runtime must be a Python runtime such as python3.12")
    if checked["initialization_type"] not in ("on-demand", "provisioned-concurrency"):
        raise ValueError("initialization_type must be on-demand or provisioned-concurrency")
    if not 64 <= checked["memory_mb"] <= 10_240:
        raise ValueError("memory_mb must be between 64 and 10240")
    if not 0 < checked["timeout_s"] <= 900:
        raise ValueError("timeout_s must be above 0 and at most 900")
    if not 1 <= checked["ephemeral_storage_mb"] <= 10_240:
        raise ValueError("ephemeral_storage_mb must be between 1 and 10240")
    if not 0 < checked["init_limit_s"] <= 900:
        raise ValueError("init_limit_s must be above 0 and at most 900")
    if sum(len(v) for v in checked["code"].values()) > 50 * (1 << 20):
        raise ValueError("the code is larger than 50 MB")
    code_files(checked["code"])
    if sum(len(v) for v in checked["layer_files"].values()) > 50 * (1 << 20):
        raise ValueError("the layers are larger than 50 MB")
    if len(checked["layer_files"]) > MAX_LAYER_FILES:  # each file takes a page of /opt, however small
        raise ValueError(f"the layers hold more than {MAX_LAYER_FILES} files")
    code_files(checked["layer_files"])
    if not isinstance(checked["network"], dict):
        raise ValueError("network must be an object")
    return checked


def snap_start_of(value) -> dict | None:
    """A spec's SnapStart phase: None, or the phase with the snapshot's seed and emulated clock."""
    if value is None:
        return None
    value = dict(value)
    checked = {
        "phase": str(value["phase"]),
        "seed": str(value["seed"])[:128],
        "clock_s": float(value["clock_s"]),
    }
    if checked["phase"] not in ("snapshot", "restore"):
        raise ValueError("snap_start phase must be snapshot or restore")
    if not checked["clock_s"] == checked["clock_s"] or abs(checked["clock_s"]) > 1e11:
        raise ValueError("snap_start clock_s must be a time in seconds")
    return checked


def validate_request(request: dict) -> dict:
    return {
        "request_id": str(request["request_id"]),
        "payload": str(request["payload"]),
        "clock_start_s": float(request["clock_start_s"]),
        "invoked_function_arn": str(request.get("invoked_function_arn") or ""),
        "client_context": request.get("client_context") if isinstance(request.get("client_context"), dict) else None,
        "identity": request.get("identity") if isinstance(request.get("identity"), dict) else None,
    }


def real_budget(value) -> float:
    """Real seconds a call may take: the client's run budget, never more than the per-call limit."""
    budget = number(value, REAL_TIME_LIMIT_S)
    return min(max(budget, 0.0), REAL_TIME_LIMIT_S)


def validate_max_procs(value, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 8 <= value <= MAX_PROCS:
        raise ValueError(f"max_procs must be a whole number from 8 to {MAX_PROCS}")
    return value


# --- AWS SDK calls ------------------------------------------------------------------------------------------------

SDK_PORT = 443
AWS_DOMAIN = ".amazonaws.com"
HTTP_HEAD_LIMIT = 64 * 1024
# The largest HTTP request a handler may send to an emulated AWS endpoint: it travels inside one frame.
SDK_REQUEST_LIMIT = 6 * 1024 * 1024
# The packages of the AWS SDK for Python that every environment sees (read-only), as Lambda's runtime bundles them.
SDK_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


def sdk_site_packages() -> str:
    """The directory that holds this interpreter's boto3 (botocore and the rest beside it), found without
    importing it; "" when the SDK is not installed."""
    import importlib.util

    found = importlib.util.find_spec("boto3")
    if found is None or not found.origin:
        return ""
    return os.path.dirname(os.path.dirname(found.origin))


def is_aws_endpoint(host: str, port: int) -> bool:
    """A connection the sandbox answers from the emulated AWS world: HTTPS to a name under amazonaws.com."""
    name = str(host).lower().rstrip(".")
    return port == SDK_PORT and name.endswith(AWS_DOMAIN) and len(name) > len(AWS_DOMAIN)


def sdk_dir(runtime: str) -> str:
    """Where the SDK's packages are inside an environment, as on Lambda: the runtime's own site-packages."""
    return f"/var/lang/lib/{runtime}/site-packages"


def _head_lines(buffer, end: int) -> list[str]:
    return bytes(buffer[:end]).decode("latin-1").split("\r\n")


def expects_continue(buffer) -> bool:
    """True when the request head in ``buffer`` is complete and asks for ``100 Continue`` before its body."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return False
    for line in _head_lines(buffer, end)[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "expect" and value.strip().lower() == "100-continue":
            return True
    return False


def http_request_size(buffer, limit: int = SDK_REQUEST_LIMIT) -> int | None:
    """The size in bytes of the first whole HTTP/1.1 request in ``buffer`` (its body framed by Content-Length or
    chunked transfer encoding), or None while it is incomplete. ValueError names what is wrong with a request
    that can never be whole: a head or body over the limits, or a malformed length."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > HTTP_HEAD_LIMIT:
            raise ValueError(f"the request head is longer than {HTTP_HEAD_LIMIT} bytes")
        return None
    if end > HTTP_HEAD_LIMIT:
        raise ValueError(f"the request head is longer than {HTTP_HEAD_LIMIT} bytes")
    length, chunked = 0, False
    for line in _head_lines(buffer, end)[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "content-length":
            if not value.isdigit():
                raise ValueError(f"Content-Length {value[:40]!r} is not a number")
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    position = end + 4
    if not chunked:
        if position + length > limit:
            raise ValueError(f"the request is larger than {limit} bytes")
        return position + length if len(buffer) >= position + length else None
    while True:  # chunks: a hexadecimal size line, the data and CRLF; a zero size, trailers and an empty line
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0 or line_end - position > 1024:
            if len(buffer) - position > 1024:
                raise ValueError("a chunk size line is too long")
            return None
        size_text = bytes(buffer[position:line_end]).split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ValueError(f"chunk size {size_text[:20]!r} is not hexadecimal") from None
        position = line_end + 2
        if size == 0:
            while True:
                line_end = buffer.find(b"\r\n", position)
                if line_end < 0:
                    return None
                if line_end == position:
                    return position + 2
                position = line_end + 2
        position += size + 2
        if position > limit:
            raise ValueError(f"the request is larger than {limit} bytes")
        if len(buffer) < position:
            return None
