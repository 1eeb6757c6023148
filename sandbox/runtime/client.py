"""The daemon executor: the executor contract over the sandbox daemon's Unix socket.

``DaemonExecutor()`` connects to the daemon at ``$SANDBOX_SOCKET`` (default ``/run/examprep/sandbox.sock``) and
starts one if none answers: ``/usr/bin/python3 -I -S`` with an empty environment, in its own session.
``default_executor()`` is what the app and the scenario runner use: the daemon where the machine can isolate,
the local executor only when ``EXAMPREP_UNSAFE_LOCAL_SANDBOX=1`` is set, otherwise a plain refusal.
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sandbox.emulator.executor import EnvironmentSpec, InitResult, InvokeRequest, InvokeResult, Services
from sandbox.runtime.limits import CALL_TIMEOUT_S, CONNECT_TIMEOUT_S
from sandbox.runtime.protocol import HEADER, MAX_FRAME, ProtocolError, decode, encode, sdk_site_packages
from sandbox.runtime.results import init_result_from, invoke_result_from, request_to_data, spec_to_data

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
DEFAULT_SOCKET = "/run/examprep/sandbox.sock"
RECENT_USE_S = 5.0  # an environment this connection used this recently is taken as still there
USED_RECORD_LIMIT = 256  # past this many entries, the record drops the ones older than RECENT_USE_S
UNSAFE_FLAG = "EXAMPREP_UNSAFE_LOCAL_SANDBOX"
GROUP_SETTING = "SANDBOX_SOCKET_GROUP"  # a group whose members may connect to the daemon's socket
DEV_FLAG = "EXAMPREP_DEV_SANDBOX"  # development: the daemon may run from code others can write
IDLE_CONNECTIONS = 16  # connections an executor keeps open between calls; more are closed after use
# The daemon's program arrives on a pipe, so its command line (which every environment can read in
# /proc/1/cmdline, being forked from it) names no path of the host.
BOOT = (
    "import sys; sys.path.insert(0, {root!r})\n"
    "try:\n"
    "    sys.path.append({extra!r}); import pyseccomp\n"
    "except Exception:\n"
    "    pass\n"
    "finally:\n"
    "    sys.path.remove({extra!r})\n"
    "from sandbox.runtime.daemon import main\n"
    "raise SystemExit(main([{path!r}, {run_dir!r}, {group!r}, {dev!r}, {sdk!r}]))\n"
)
LOADER = "import os, sys; fd = int(sys.argv[1]); program = os.read(fd, 1 << 20); os.close(fd); exec(program)"


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


def daemon_command(path: str, root: str = PROJECT_ROOT) -> tuple[list[str], int]:
    """The daemon's command line and the (inheritable) pipe its program is read from. The daemon gets an empty
    environment, so the socket's group, the development flag and where the AWS SDK lives travel in its program."""
    run_dir = os.path.dirname(path)
    group = os.environ.get(GROUP_SETTING, "")
    dev = "1" if os.environ.get(DEV_FLAG) == "1" else ""
    try:
        import pyseccomp

        extra = os.path.dirname(pyseccomp.__file__)
    except (ImportError, RuntimeError):
        extra = ""
    program = BOOT.format(
        root=root, extra=extra, path=path, run_dir=run_dir, group=group, dev=dev, sdk=sdk_site_packages()
    ).encode()
    read, write = os.pipe()
    os.write(write, program)
    os.close(write)
    os.set_inheritable(read, True)
    return [daemon_python(), "-I", "-S", "-c", LOADER, str(read)], read


def code_version(root: str = PROJECT_ROOT) -> str:
    """A hash of the runtime's code as this checkout has it (the daemon reports the same for its own)."""
    digest = hashlib.sha256()
    base = Path(root, "sandbox", "runtime")
    for path in sorted(base.rglob("*.py")):
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _recv_exactly(sock: socket.socket, size: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        sock.settimeout(remaining)
        chunk = sock.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise ConnectionError("the sandbox daemon closed the connection")
        data += chunk
    return bytes(data)


def _read_message(sock: socket.socket, deadline: float) -> dict:
    (size,) = HEADER.unpack(_recv_exactly(sock, HEADER.size, deadline))
    if size > MAX_FRAME:
        raise ProtocolError(f"reply of {size} bytes is over the {MAX_FRAME}-byte limit")
    return decode(_recv_exactly(sock, size, deadline))


def answer_call(call: dict, services: Services | None) -> dict:
    """The answer to one SDK call a handler made (imported here only: the daemon has no botocore)."""
    from sandbox.runtime.sdkcalls import answer

    return answer(call, services)


class _ServicesFailed(Exception):
    """``services`` raised while answering an SDK call: its exception, kept apart from the connection's own
    errors (which make a call retry)."""

    def __init__(self, failure: BaseException) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _request(sock: socket.socket, message: dict, timeout_s: float, services: Services | None = None) -> dict:
    """Send one request and read its reply; every wait is bounded by ``timeout_s`` in all. SDK calls the handler
    makes meanwhile arrive on the same connection and are answered from ``services`` (which may itself invoke
    other environments through other connections) before the reply comes."""
    deadline = time.monotonic() + timeout_s
    sock.settimeout(timeout_s)
    sock.sendall(encode(message))
    while True:
        reply = _read_message(sock, deadline)
        if "ok" in reply or not isinstance(reply.get("call"), dict):
            return reply
        try:
            answer = encode(answer_call(reply["call"], services))
        except Exception as failure:
            raise _ServicesFailed(failure) from failure
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        sock.sendall(answer)


def ping(path: str | None = None) -> dict | None:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(CONNECT_TIMEOUT_S)
            sock.connect(path or socket_path())
            return _request(sock, {"op": "ping"}, CONNECT_TIMEOUT_S)
    except (OSError, ProtocolError):
        return None


def stop_daemon(answer: dict, path: str, wait_s: float = 10.0) -> None:
    """Stop the daemon that gave this ping answer and wait until its socket is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(answer["pid"]), signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and ping(path):
        time.sleep(0.05)


def wrong_group(answer: dict) -> bool:
    """True when this process is root, asks for a socket group, and the daemon serves another (or none)."""
    wanted = os.environ.get(GROUP_SETTING, "")
    if not wanted or os.geteuid() != 0:
        return False
    try:
        gid = int(wanted) if wanted.isdigit() else grp.getgrnam(wanted).gr_gid
    except KeyError:
        return False
    return answer.get("group") != gid


def current_daemon(path: str) -> dict | None:
    """The daemon answering at ``path`` if it runs this checkout's code. One started from this checkout with
    older code, or (asked by root) with another socket group, is restarted; one from another checkout with other
    code is refused, since others may be using it."""
    answer = ping(path)
    if not answer:
        return None
    stale = answer.get("code") != code_version()
    if not stale and not wrong_group(answer):
        return answer
    if answer.get("root") == PROJECT_ROOT and os.geteuid() == 0:
        stop_daemon(answer, path)  # older code, or a socket group other than the one asked for
        return None
    if not stale:
        return answer
    raise SandboxUnavailable(
        f"The sandbox daemon at {path} (pid {answer.get('pid')}) runs other code than this checkout "
        f"(version {answer.get('code') or 'unknown'}, this checkout has {code_version()}"
        f"{', started from ' + str(answer['root']) if answer.get('root') else ''}). Stop it, or point "
        "SANDBOX_SOCKET to a socket of your own."
    )


def run_dir_problem(run_dir: str) -> str | None:
    """The socket's directory holds the daemon's files: it must be the daemon's own, not a shared one."""
    if not os.path.exists(run_dir):
        os.makedirs(run_dir, mode=0o711)
        os.chmod(run_dir, 0o711)
        return None
    info = os.stat(run_dir)
    if info.st_uid != 0 or info.st_mode & 0o022:
        return (
            f"{run_dir} is writable by others or not owned by root; give SANDBOX_SOCKET a directory of its own "
            "(for example /run/examprep/sandbox.sock)"
        )
    return None


def ensure_daemon(path: str | None = None, wait_s: float = 10.0) -> dict:
    """Return the running daemon's ping answer, starting a daemon first if none answers."""
    path = path or socket_path()
    answer = current_daemon(path)
    if answer:
        return answer
    if os.geteuid() != 0:
        barred = os.path.exists(path) and not os.access(path, os.W_OK)
        raise SandboxUnavailable(
            (
                f"This process (uid {os.geteuid()}) may not connect to the sandbox daemon's socket {path}: add "
                f"its user to the socket's group (the daemon's {GROUP_SETTING})."
            )
            if barred
            else (
                f"No sandbox daemon answers at {path}. Start it as root (`sudo make sandbox`, or the "
                f"examprep-sandbox systemd unit); a process of uid {os.geteuid()} does not start one. On a "
                f"single-user laptop without root, {UNSAFE_FLAG}=1 runs handlers without isolation."
            )
        )
    run_dir = os.path.dirname(path)
    problem = run_dir_problem(run_dir)
    if problem:
        raise SandboxUnavailable(f"The sandbox daemon cannot use {path}: {problem}.")
    with open(os.path.join(run_dir, "start.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        answer = current_daemon(path)
        if answer:
            return answer
        command, program = daemon_command(path)
        with open(os.path.join(run_dir, "daemon.log"), "ab") as log:
            subprocess.Popen(
                command,
                env={},
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=True,
                pass_fds=(program,),
                start_new_session=True,
            )
        os.close(program)
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


class SandboxTimeout(RuntimeError):
    """The daemon did not answer in time; the connection was dropped so no later call gets this answer."""


class SandboxFull(RuntimeError):
    """The daemon refused a new environment: this client or the whole host is at its limit."""


_process_owner = secrets.token_hex(16)


def _new_process_owner() -> None:
    global _process_owner
    _process_owner = secrets.token_hex(16)


os.register_at_fork(after_in_child=_new_process_owner)


def process_owner() -> str:
    """This process's secret owner token: the daemon shows a client only the environments of its token."""
    return _process_owner


class DaemonExecutor:
    """Implements the executor contract through the sandbox daemon. Thread-safe.

    Connections are pooled (a thread takes one for a call and gives it back), so any number of threads and
    thread pools share a few sockets. Environment ids live in the space of ``owner``, a secret token (one per
    process unless given): other clients of the daemon cannot see, invoke or destroy them. ``tenant`` names
    whose limits (live environments, memory reserved) the environments count against; by default the owner.
    """

    def __init__(
        self,
        path: str | None = None,
        max_procs: int | None = None,
        owner: str | None = None,
        tenant: str | None = None,
    ) -> None:
        self.path = path or socket_path()
        self.max_procs = max_procs
        self.owner = owner or process_owner()
        self.tenant = tenant
        self.call_timeout_s = CALL_TIMEOUT_S
        self.daemon = ensure_daemon(self.path)
        self._lock = threading.Lock()
        self._idle: list[socket.socket] = []
        self._used: dict[str, float] = {}  # environments this executor used: id -> monotonic time
        self.created: set[str] = set()

    # --- connections ---------------------------------------------------------------------------------------------

    @staticmethod
    @staticmethod
    def _is_open(sock: socket.socket) -> bool:
        """True for a connection the daemon has not closed and that holds no stray data."""
        try:
            sock.setblocking(False)
            sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return False  # closed by the daemon (b""), or a stray reply: not to be used

    def _checkout(self) -> socket.socket:
        while True:
            with self._lock:
                sock = self._idle.pop() if self._idle else None
            if sock is None:
                break
            if self._is_open(sock):
                return sock
            sock.close()
            self._forget_used()  # a closed connection: the daemon may have restarted
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(CONNECT_TIMEOUT_S)
            sock.connect(self.path)
        except OSError:
            sock.close()
            raise
        return sock

    def _checkin(self, sock: socket.socket) -> None:
        with self._lock:
            if len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(sock)
                return
        sock.close()

    def _forget_used(self) -> None:
        with self._lock:
            self._used.clear()

    def call(self, message: dict, timeout_s: float | None = None, services: Services | None = None) -> dict:
        message = dict(message, owner=self.owner)
        timeout_s = timeout_s or self.call_timeout_s
        for attempt in (1, 2):
            try:
                sock = self._checkout()
            except OSError:
                if attempt == 2:
                    raise
                self._forget_used()
                ensure_daemon(self.path)
                continue
            try:
                reply = _request(sock, message, timeout_s, services)
            except TimeoutError:
                sock.close()  # its answer may still come: nobody may read it as the answer to another call
                raise SandboxTimeout(
                    f"The sandbox did not answer within {timeout_s:.0f} s ({message.get('op')} of "
                    f"{message.get('id')!r}); the call was abandoned."
                ) from None
            except (OSError, ProtocolError):
                sock.close()
                self._forget_used()
                if attempt == 2:
                    raise
                ensure_daemon(self.path)
                continue
            except _ServicesFailed as failed:  # the daemon's reply must not reach a later call
                sock.close()
                raise failed.failure from None
            except BaseException:
                sock.close()
                raise
            self._checkin(sock)
            break
        if not reply.get("ok"):
            if reply.get("missing"):
                with self._lock:
                    self._used.pop(message.get("id"), None)
                raise EnvironmentGone(message.get("id"))
            if reply.get("full"):
                raise SandboxFull(reply.get("error"))
            raise RuntimeError(f"sandbox daemon: {reply.get('error')}")
        return reply.get("result")

    def _note_used(self, environment_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._used[environment_id] = now
            if len(self._used) > USED_RECORD_LIMIT:  # forget what is too old to be trusted anyway
                for stale in [key for key, at in self._used.items() if now - at > RECENT_USE_S]:
                    del self._used[stale]

    def recently_used(self, environment_id: str, within_s: float = RECENT_USE_S) -> bool:
        """True when this executor used the environment within ``within_s`` and the daemon that served it is
        still there: a daemon that died or restarted has closed every connection, which shows without a round
        trip; only then (or when the use is older) must the caller ask the daemon with ``describe``."""
        with self._lock:
            used = self._used.get(environment_id)
            idle = list(self._idle)
        if used is None or time.monotonic() - used > within_s:
            return False
        return bool(idle) and all(self._is_open(sock) for sock in idle)

    # --- the executor contract -----------------------------------------------------------------------------------

    def create(
        self,
        environment_id: str,
        spec: EnvironmentSpec,
        real_budget_s: float | None = None,
        tenant: str | None = None,
    ) -> InitResult:
        """``tenant``: whose per-student limits the environment counts against (default: this executor's)."""
        message = {"op": "create", "id": environment_id, "spec": spec_to_data(spec)}
        if self.max_procs:
            message["max_procs"] = self.max_procs
        if tenant or self.tenant:
            message["tenant"] = tenant or self.tenant
        if real_budget_s is not None:
            message["real_budget_s"] = float(real_budget_s)
        result = self.call(message)
        with self._lock:
            self.created.add(environment_id)
        self._note_used(environment_id)
        return init_result_from(result)

    def invoke(
        self,
        environment_id: str,
        request: InvokeRequest,
        services: Services | None = None,
        real_budget_s: float | None = None,
    ) -> InvokeResult:
        """``services`` answers the AWS SDK calls the handler makes (None: every call gets an error saying no
        emulated world answers); ``real_budget_s``: real seconds the caller's run has left (see
        limits.RUN_REAL_BUDGET_S)."""
        message = {"op": "invoke", "id": environment_id, "request": request_to_data(request)}
        if real_budget_s is not None:
            message["real_budget_s"] = float(real_budget_s)
        result = self.call(message, services=services)
        self._note_used(environment_id)
        return invoke_result_from(result)

    def destroy(self, environment_id: str) -> None:
        with self._lock:
            self.created.discard(environment_id)
            self._used.pop(environment_id, None)
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
            idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()


def default_executor(owner: str | None = None):
    """The daemon executor where the machine isolates; the local one only in the explicit unsafe mode.
    ``owner``: the secret token whose environments this executor sees (default: this process's own)."""
    if os.environ.get(UNSAFE_FLAG) == "1":
        from sandbox.runtime.local import LocalExecutor

        print(
            f"WARNING: {UNSAFE_FLAG}=1: handlers run WITHOUT isolation, as this user, with its network and "
            "files. Use this only on a single-user laptop.",
            file=sys.stderr,
        )
        return LocalExecutor()
    return DaemonExecutor(owner=owner)
