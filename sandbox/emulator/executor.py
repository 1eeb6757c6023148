"""The executor contract: how the pure core asks for handler code to run.

The core never runs user code itself. It asks an executor to create an execution
environment, to invoke it, and to reset or destroy it. Two executors implement this
contract: ``sandbox.runtime.local`` (plain child processes, development only) and
``sandbox.runtime.client`` (the isolation daemon, the default).

Everything crossing this boundary is plain data (JSON-compatible), so the daemon can
receive it over a socket.

Time inside a handler is virtual: the environment's clock starts at ``clock_start_s``
(emulated epoch seconds) for each invoke; ``time.sleep`` advances that clock without
blocking, and real CPU time is measured and added. ``duration_ms`` in the result is
that virtual duration. A handler whose virtual duration reaches ``timeout_s`` ends
with outcome ``timeout`` at exactly the timeout.

Network calls are decided from ``NetworkTable``: the core computes, per function, the
verdict for every name a handler may try (the VPC rules of ``vpc.py``); the
executor only looks verdicts up and never reaches a real network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

OUTCOMES = ("success", "error", "timeout", "oom", "runtime_exit")
VERDICTS = ("connected", "timeout", "refused", "dns_failure")


@dataclass(frozen=True)
class Verdict:
    """What happens when a handler connects to one host and port."""

    outcome: str  # one of VERDICTS
    reason: str  # plain words, shown to the student


LOOPBACK_REASON = "nothing listens on the loopback address inside the execution environment"


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 and ::1: inside Lambda these refuse at once unless the handler listens there."""
    name = str(host).lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def wildcard_key(hosts, host: str) -> str:
    """The ``*.SUFFIX`` key of ``hosts`` that covers ``host`` most narrowly ("" when none does)."""
    labels = str(host).lower().rstrip(".").split(".")
    for start in range(1, len(labels) - 1):
        key = "*." + ".".join(labels[start:])
        if key in hosts:
            return key
    return ""


@dataclass(frozen=True)
class NetworkTable:
    """Connection verdicts for one function, computed by the core.

    ``hosts`` maps a host name to ``{port: Verdict}``; the key ``"*"`` as a port
    applies to any port of that host. A host key ``"*.SUFFIX"`` covers every name
    ending in ``.SUFFIX`` that has no entry of its own (S3's virtual-hosted bucket
    names). Names not in the table get ``default``.
    """

    hosts: dict[str, dict[str, Verdict]] = field(default_factory=dict)
    default: Verdict = Verdict("dns_failure", "the name does not resolve")

    def decide(self, host: str, port: int) -> Verdict:
        ports = self.hosts.get(host.lower().rstrip(".")) or self.hosts.get(wildcard_key(self.hosts, host))
        if ports is None:
            return Verdict("refused", LOOPBACK_REASON) if is_loopback(host) else self.default
        return ports.get(str(port)) or ports.get("*") or self.default


@dataclass(frozen=True)
class EnvironmentSpec:
    """Everything that defines one execution environment."""

    function_name: str
    code: dict[str, str]  # file name -> source, e.g. {"lambda_function.py": "..."}
    handler: str = "lambda_function.lambda_handler"
    memory_mb: int = 128
    timeout_s: float = 3.0
    ephemeral_storage_mb: int = 512
    environment: dict[str, str] = field(default_factory=dict)  # the function's own
    version: str = "$LATEST"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    log_stream_name: str = ""
    init_limit_s: float = 10.0
    network: NetworkTable = field(default_factory=NetworkTable)
    runtime: str = "python3.12"  # AWS_EXECUTION_ENV and INIT_START name it
    initialization_type: str = "on-demand"  # or "provisioned-concurrency"
    # Layer contents merged in the function's order (a later layer's file wins): path under /opt -> text.
    layer_files: dict[str, str] = field(default_factory=dict)
    # SnapStart: None, or {"phase": "snapshot" | "restore", "seed": text, "clock_s": emulated time of the snapshot}.
    # "snapshot" runs Init and the before-snapshot hooks; "restore" starts from that snapshot (same entropy and
    # clock as when it was taken) and runs the after-restore hooks; Init Duration is then the Restore Duration.
    snap_start: dict | None = None


@dataclass(frozen=True)
class InitResult:
    """The outcome of creating an environment and running its Init phase."""

    ok: bool
    init_duration_ms: float
    max_memory_used_mb: int
    logs: str = ""
    error: dict | None = None  # errorMessage / errorType / stackTrace on failure
    status: str = "success"  # success | error | timeout


@dataclass(frozen=True)
class InvokeRequest:
    request_id: str
    payload: str  # the event as JSON text
    clock_start_s: float  # emulated epoch seconds when the invoke starts
    invoked_function_arn: str = ""
    client_context: dict | None = None
    identity: dict | None = None


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    outcome: str  # one of VERDICTS
    reason: str
    at_ms: float  # virtual time into the invoke


@dataclass(frozen=True)
class InvokeResult:
    outcome: str  # one of OUTCOMES
    duration_ms: float  # virtual: measured CPU plus emulated sleeps
    max_memory_used_mb: int
    logs: str  # what the handler printed (stdout, stderr, logging), untrusted
    response: str | None = None  # marshalled JSON text on success
    error: dict | None = None  # errorMessage / errorType / stackTrace (and requestId)
    connections: tuple[Connection, ...] = ()
    # The runtime re-ran Init inside this invoke (after a reset): no Init Duration.
    suppressed_init: bool = False


@dataclass(frozen=True)
class ServiceError:
    """An AWS error answer to an SDK call: AWS's code, message and HTTP status."""

    code: str  # e.g. "AccessDeniedException", "QueueDoesNotExist"
    message: str
    status: int = 400
    sender_fault: bool = True


@dataclass(frozen=True)
class ServiceCall:
    """One AWS SDK call a handler made, already parsed from its HTTP request.

    ``service`` and ``operation`` are botocore's names ("sqs", "SendMessage"); ``params`` has the shape of the
    operation's input as botocore defines it (blobs as bytes, timestamps as datetime).
    """

    service: str
    operation: str
    params: dict
    region: str
    host: str  # the host the handler connected to, e.g. "sqs.us-east-1.amazonaws.com"
    at_ms: float  # virtual time into the invoke when the call was made


@dataclass(frozen=True)
class ServiceReply:
    """What the emulated world answers to a ServiceCall: a result shaped like the operation's output, or an error.

    ``elapsed_ms`` is the virtual time the call took (a synchronous Lambda invoke takes the callee's duration); the
    handler's clock moves on by it.
    """

    result: dict | None = None
    error: ServiceError | None = None
    elapsed_ms: float = 0.0


# Called by an executor, during an invoke, for each SDK call the handler makes; answered by the core.
Services = Callable[[ServiceCall], ServiceReply]


class Executor(Protocol):
    """Creates, invokes, resets and destroys execution environments."""

    def create(self, environment_id: str, spec: EnvironmentSpec) -> InitResult: ...

    def invoke(self, environment_id: str, request: InvokeRequest, services: Services | None = None) -> InvokeResult: ...

    def destroy(self, environment_id: str) -> None: ...

    def close(self) -> None: ...
