"""The daemon executor: the executor contract over the sandbox daemon's Unix socket.

``DaemonExecutor()`` connects to the daemon at ``$SANDBOX_SOCKET`` (default ``/run/examprep/sandbox.sock``) and
starts one if none answers: ``/usr/bin/python3 -I -S`` with an empty environment, in its own session.
``default_executor()`` is what the app and the scenario runner use: the daemon where the machine can isolate,
the local executor only when ``EXAMPREP_UNSAFE_LOCAL_SANDBOX=1`` is set, otherwise a plain refusal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sandbox.emulator.executor import EnvironmentSpec, InitResult, InvokeRequest, InvokeResult
from sandbox.runtime.protocol import encode, read_frame
from sandbox.runtime.results import init_result_from, invoke_result_from, request_to_data, spec_to_data

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
DEFAULT_SOCKET = "/run/examprep/sandbox.sock"
RECENT_USE_S = 5.0  # an environment this connection used this recently is taken as still there
USED_RECORD_LIMIT = 256  # past this many entries, the record drops the ones older than RECENT_USE_S
UNSAFE_FLAG = "EXAMPREP_UNSAFE_LOCAL_SANDBOX"
BOOT = (
    "import sys; sys.path.insert(0, {root!r})\n"
    "try:\n"
    "    sys.path.append({extra!r}); import pyseccomp\n"
    "except Exception:\n"
    "    pass\n"
    "finally:\n"
    "    sys.path.remove({extra!r})\n"
    "from sandbox.runtime.daemon import main\n"
    "raise SystemExit(main(sys.argv[1:]))\n"
)


class SandboxUnavailable(RuntimeError):
    """This machine cannot run handlers in isolation, and the unsafe local mode is not switched on."""


class EnvironmentGone(KeyError):
    """The daemon no longer has this environment (it was restarted, or the environment was lost)."""


def socket_path() -> str:
    return os.environ.get("SANDBOX_SOCKET") or DEFAULT_SOCKET


def daemon_python() -> str:
    """A world-readable interpreter: Debian's /usr/bin/python3 (pyenv's lives under /root, mode 0700)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.path.exists(candidate):
            return candidate
    return sys.executable


def daemon_command(path: str) -> list[str]:
    run_dir = os.path.dirname(path)
    try:
        import pyseccomp

        extra = os.path.dirname(pyseccomp.__file__)
    except (ImportError, RuntimeError):
        extra = ""
    return [daemon_python(), "-I", "-S", "-c", BOOT.format(root=PROJECT_ROOT, extra=extra), path, run_dir]


def _request(sock: socket.socket, message: dict) -> dict:
    sock.sendall(encode(message))
    reply = read_frame(sock.fileno())
    if reply is None:
        raise ConnectionError("the sandbox daemon closed the connection")
    return reply


def ping(path: str | None = None) -> dict | None:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(path or socket_path())
            sock.settimeout(None)
            return _request(sock, {"op": "ping"})
    except OSError:
        return None


def ensure_daemon(path: str | None = None, wait_s: float = 10.0) -> dict:
    """Return the running daemon's ping answer, starting a daemon first if none answers."""
    path = path or socket_path()
    answer = ping(path)
    if answer:
        return answer
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "The sandbox needs root to isolate handlers (namespaces, a uid per environment, cgroups), and this "
            f"process runs as uid {os.geteuid()}. Run the app as root, or on a single-user laptop set "
            f"{UNSAFE_FLAG}=1 to run handlers without isolation."
        )
    run_dir = os.path.dirname(path)
    os.makedirs(run_dir, mode=0o711, exist_ok=True)
    with open(os.path.join(run_dir, "start.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        answer = ping(path)
        if answer:
            return answer
        with open(os.path.join(run_dir, "daemon.log"), "ab") as log:
            subprocess.Popen(
                daemon_command(path),
                env={},
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=True,
                start_new_session=True,
            )
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            answer = ping(path)
            if answer:
                if answer.get("mode") == "none":
                    raise SandboxUnavailable(
                        f"The sandbox daemon cannot isolate handlers here: see {run_dir}/daemon.log"
                    )
                return answer
            time.sleep(0.01)
    raise SandboxUnavailable(f"The sandbox daemon did not start; see {run_dir}/daemon.log")


class DaemonExecutor:
    """Implements the executor contract through the sandbox daemon. Thread-safe: one connection per thread."""

    def __init__(self, path: str | None = None, max_procs: int | None = None) -> None:
        self.path = path or socket_path()
        self.max_procs = max_procs
        self.daemon = ensure_daemon(self.path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self.created: set[str] = set()

    def _connection(self) -> socket.socket:
        sock = getattr(self._local, "sock", None)
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.path)
            self._local.sock = sock
            self._local.used = {}  # environments this connection's daemon served: id -> monotonic time
            with self._lock:
                self._connections.append(sock)
        return sock

    def call(self, message: dict) -> dict:
        try:
            reply = _request(self._connection(), message)
        except OSError:
            self._local.sock = None
            ensure_daemon(self.path)
            reply = _request(self._connection(), message)
        if not reply.get("ok"):
            if reply.get("missing"):
                self._local.used.pop(message.get("id"), None)
                raise EnvironmentGone(message.get("id"))
            raise RuntimeError(f"sandbox daemon: {reply.get('error')}")
        return reply.get("result")

    def _note_used(self, environment_id: str) -> None:
        used, now = self._local.used, time.monotonic()
        used[environment_id] = now
        if len(used) > USED_RECORD_LIMIT:  # forget what is too old to be trusted anyway
            for stale in [key for key, at in used.items() if now - at > RECENT_USE_S]:
                del used[stale]

    def recently_used(self, environment_id: str, within_s: float = RECENT_USE_S) -> bool:
        """True when this thread's connection used the environment within ``within_s`` and is still open.

        A daemon that died or restarted since has closed the connection, which shows without a round
        trip; only then (or when the use is older) must the caller ask the daemon with ``describe``.
        """
        sock = getattr(self._local, "sock", None)
        used = getattr(self._local, "used", {}).get(environment_id)
        if sock is None or used is None or time.monotonic() - used > within_s:
            return False
        try:
            sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True  # open, nothing unread: the daemon that served it is still there
        except OSError:
            return False
        return False  # closed by the daemon (b""), or a stray frame: ask instead

    def create(self, environment_id: str, spec: EnvironmentSpec) -> InitResult:
        message = {"op": "create", "id": environment_id, "spec": spec_to_data(spec)}
        if self.max_procs:
            message["max_procs"] = self.max_procs
        result = self.call(message)
        with self._lock:
            self.created.add(environment_id)
        self._note_used(environment_id)
        return init_result_from(result)

    def invoke(self, environment_id: str, request: InvokeRequest) -> InvokeResult:
        result = self.call({"op": "invoke", "id": environment_id, "request": request_to_data(request)})
        self._note_used(environment_id)
        return invoke_result_from(result)

    def destroy(self, environment_id: str) -> None:
        with self._lock:
            self.created.discard(environment_id)
        getattr(self._local, "used", {}).pop(environment_id, None)
        with contextlib.suppress(EnvironmentGone):
            self.call({"op": "destroy", "id": environment_id})

    def describe(self, environment_id: str) -> dict:
        """The environment's uid, host pids and cgroup paths (for tests and diagnostics)."""
        result = self.call({"op": "describe", "id": environment_id})
        self._note_used(environment_id)
        return result

    def check(self) -> dict:
        return self.call({"op": "check"})

    def close(self) -> None:
        for environment_id in list(self.created):
            with contextlib.suppress(OSError, RuntimeError):
                self.destroy(environment_id)
        with self._lock:
            for sock in self._connections:
                sock.close()
            self._connections.clear()
        self._local = threading.local()


def default_executor():
    """The daemon executor where the machine isolates; the local one only in the explicit unsafe mode."""
    if os.environ.get(UNSAFE_FLAG) == "1":
        from sandbox.runtime.local import LocalExecutor

        print(
            f"WARNING: {UNSAFE_FLAG}=1: handlers run WITHOUT isolation, as this user, with its network and "
            "files. Use this only on a single-user laptop.",
            file=sys.stderr,
        )
        return LocalExecutor()
    return DaemonExecutor()
