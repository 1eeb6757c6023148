"""The local executor: one plain child process per execution environment. Development only.

It gives Lambda's behaviour (warm globals and /tmp, timeouts enforced from outside with SIGKILL, a runtime
reset after a timeout or crash that keeps /tmp, suppressed Init on the next invoke, Max Memory Used from
``VmHWM``) but **isolates nothing**: the handler runs as the calling user, with the caller's network and files.
Use it only on a single-user laptop (``EXAMPREP_UNSAFE_LOCAL_SANDBOX=1``) or in tests of the pure core.

Limits of this mode: /tmp is private only when the kernel allows a mount namespace (root, or unprivileged user
namespaces), otherwise only ``TMPDIR`` points to the environment's directory; memory is capped per process by
``RLIMIT_AS`` (so a handler sees ``MemoryError``, reported as out of memory) and not for child processes; the code
lives in a temporary directory, not ``/var/task``; nothing is frozen between invokes.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import queue
import secrets
import selectors
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sandbox.emulator.executor import EnvironmentSpec, InitResult, InvokeRequest, InvokeResult, Services
from sandbox.runtime import outcomes, standin
from sandbox.runtime.limits import REAL_TIME_LIMIT_S
from sandbox.runtime.protocol import (
    MAX_FRAME,
    SDK_PACKAGES,
    FrameReader,
    LogBuffer,
    ProtocolError,
    decode,
    encode,
    is_aws_endpoint,
    sdk_site_packages,
)
from sandbox.runtime.results import init_result_from, invoke_result_from, request_to_data, spec_to_data

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
# The shim is imported before localsetup may bind a private directory over /tmp (which would hide a
# project that lives under /tmp).
BOOT = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from sandbox.runtime import localsetup; from sandbox.runtime.shim import main; "
    "localsetup.apply(sys.argv[3], int(sys.argv[4]), int(sys.argv[5])); main()"
)


CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n"


class _StandInHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock = self.request
        header = _recv_exactly(sock, 4)
        if header is None:
            return
        body = _recv_exactly(sock, int.from_bytes(header, "big")) if int.from_bytes(header, "big") < 4096 else None
        if body is None:
            return
        target = decode(body)
        host, port = str(target.get("host")), int(target.get("port", 0))
        sock.sendall(b"+")
        if is_aws_endpoint(host, port):
            env = self.server.environments_by_token.get(str(target.get("env")))
            if env is not None:
                self.serve_sdk(sock, env, host, port)
            return
        while True:
            data = sock.recv(65536)
            if not data:
                return
            reply, close = standin.answer(host, port, data)
            sock.sendall(reply)
            if close:
                return

    def serve_sdk(self, sock, env: _Environment, host: str, port: int) -> None:
        """Framed HTTP requests to an emulated AWS endpoint, each answered by the invoke running in ``env``."""
        reader = FrameReader(limit=MAX_FRAME)
        while True:
            data = sock.recv(1 << 16)
            if not data:
                return
            try:
                frames = reader.feed(data)
            except ProtocolError:
                return
            for frame in frames:
                if frame.get("expect") is True:
                    sock.sendall(encode({"elapsed_ms": 0, "data": CONTINUE}))
                    continue
                if not isinstance(frame.get("request"), str):
                    return
                call = {"host": host, "port": port, "at_ms": frame.get("at_ms"), "request": frame["request"]}
                answer = env.pass_call(call)
                if answer is None:
                    return
                try:
                    sock.sendall(encode({"elapsed_ms": answer["elapsed_ms"], "data": answer["response"]}))
                except ProtocolError:
                    return


def _recv_exactly(sock, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class _StandInServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    environments_by_token: dict[str, _Environment]


def _status_vm_hwm_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return math.ceil(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return 0


def _clear_refs(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


class _Environment:
    def __init__(self, spec: dict, directory: Path) -> None:
        self.spec = spec
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.to_child = -1
        self.from_child = -1
        self.log_fd = -1
        self.reader = FrameReader()
        self.logs = LogBuffer()
        self.lock = threading.Lock()
        self.log_stream = spec["log_stream_name"] or outcomes.log_stream_name(spec["version"])
        self.token = secrets.token_hex(16)  # names this environment to the shared endpoint
        self.services: Services | None = None  # the running invoke's, for the SDK calls its handler makes
        self.running = False  # the caller is waiting for this environment's runtime (Init or an invoke)
        self.holder: int | None = None  # the thread whose call is running here
        self.calls: queue.SimpleQueue = queue.SimpleQueue()  # SDK calls for the waiting caller to answer
        self.wake_r, self.wake_w = os.pipe()  # written when a call is queued
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.generation = 0  # counts the caller's waits: a call belongs to the wait it was made in
        self.waited_s = 0.0  # real time the current call spent answering SDK calls

    def pass_call(self, call: dict) -> dict | None:
        """Hand an SDK call to the thread waiting for this environment and wait for its answer (None: nobody
        answers, the connection is dropped)."""
        if not self.running:
            return None
        slot = {"call": call, "answer": None, "done": threading.Event(), "generation": self.generation}
        self.calls.put(slot)
        with contextlib.suppress(OSError):
            os.write(self.wake_w, b"!")
        if not slot["done"].wait(REAL_TIME_LIMIT_S + 15):
            return None
        return slot["answer"]

    def answer_calls(self) -> float:
        """Answer every queued SDK call from ``services``, in the waiting caller's thread; the real seconds it
        took (not the handler's time)."""
        from sandbox.runtime.sdkcalls import answer

        with contextlib.suppress(OSError):
            while os.read(self.wake_r, 4096):
                pass
        started = time.monotonic()
        while True:
            try:
                slot = self.calls.get_nowait()
            except queue.Empty:
                break
            try:
                if slot["generation"] == self.generation:  # not a call left over from an invoke that ended
                    slot["answer"] = answer(slot["call"], self.services)
            finally:
                slot["done"].set()
        spent = time.monotonic() - started
        self.waited_s += spent
        return spent

    def close_pipes(self) -> None:
        for fd in (self.wake_r, self.wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)


_NO_CACHE = shutil.ignore_patterns("__pycache__")


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class LocalExecutor:
    """Implements the executor contract with plain child processes. Not a security boundary."""

    def __init__(self, base_dir: str | None = None, python: str | None = None) -> None:
        # Not under /tmp: each runtime sees its own directory mounted over /tmp, which would hide the code.
        parent = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="examprep-local-", dir=parent))
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.python = python or sys.executable
        self.environments: dict[str, _Environment] = {}
        self.lock = threading.Lock()
        self.net_socket = str(self.base_dir / "net.sock")
        self.sdk_path = self._link_sdk()
        self.stand_in = _StandInServer(self.net_socket, _StandInHandler)
        self.stand_in.environments_by_token = {}
        threading.Thread(target=self.stand_in.serve_forever, name="stand-in", daemon=True).start()

    def _link_sdk(self) -> str | None:
        """A directory with links to the AWS SDK's packages of this interpreter, and nothing else of its
        virtualenv, for the handlers' import path. Not read-only: this executor isolates nothing."""
        source = sdk_site_packages()
        if not source:
            return None
        directory = self.base_dir / "sdk"
        directory.mkdir(exist_ok=True)
        # A virtualenv under /tmp disappears under each runtime's private /tmp: link its files in instead.
        hidden = os.path.realpath(source).startswith("/tmp/")
        for name in SDK_PACKAGES:
            path = os.path.join(source, name)
            if not os.path.exists(path):
                continue
            if not hidden:
                os.symlink(path, directory / name)
            elif os.path.isdir(path):
                shutil.copytree(path, directory / name, copy_function=_link_or_copy, ignore=_NO_CACHE)
            else:
                _link_or_copy(path, str(directory / name))
        return str(directory)

    # --- the contract --------------------------------------------------------------------------------------------

    def create(
        self, environment_id: str, spec: EnvironmentSpec, real_budget_s: float | None = None, tenant: str | None = None
    ) -> InitResult:
        """``real_budget_s`` and ``tenant`` are accepted as the daemon executor takes them; this executor has no
        per-student limits and enforces only the emulated timeouts."""
        data = spec_to_data(spec)
        directory = self.base_dir / f"env-{len(self.environments)}-{os.urandom(4).hex()}"
        (directory / "task").mkdir(parents=True)
        (directory / "tmp").mkdir()
        os.chmod(directory / "tmp", 0o1777)
        for name, text in outcomes.code_files(data["code"]):
            path = directory / "task" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        for name, text in outcomes.code_files(data.get("layer_files") or {}):
            path = directory / "opt" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        env = _Environment(data, directory)
        with self.lock:
            if environment_id in self.environments:
                env.close_pipes()
                raise ValueError(f"environment {environment_id!r} already exists")
            self.environments[environment_id] = env
            self.stand_in.environments_by_token[env.token] = env
        with self._holding(env):
            started = time.perf_counter()
            kind, value = self._start(env, time.time(), data["init_limit_s"])
            real_ms = (time.perf_counter() - started) * 1000
            memory = _status_vm_hwm_mb(env.process.pid) if env.process else 0
            logs = env.logs.take()
            if kind == "frame" and value.get("type") == "ready":
                init_ms = real_ms + outcomes.number(value.get("slept_ms"))
                return init_result_from(outcomes.init_result(True, init_ms, memory, logs))
            self._stop(env)
            if kind == "frame" and value.get("type") == "init_error":
                status = "timeout" if value.get("status") == "timeout" else "error"
                elapsed = data["init_limit_s"] * 1000 if status == "timeout" else real_ms
                error = outcomes.clean_error(value.get("error"))
                return init_result_from(outcomes.init_result(False, elapsed, memory, logs, error, status))
            if kind == "deadline":
                error = outcomes.init_timeout_error(data["init_limit_s"])
                return init_result_from(
                    outcomes.init_result(False, data["init_limit_s"] * 1000, memory, logs, error, "timeout")
                )
            error = (
                outcomes.init_exit_error(value)
                if kind == "exit"
                else {"errorType": "Runtime.ExitError", "errorMessage": f"Runtime broke the runtime protocol: {value}"}
            )
            return init_result_from(outcomes.init_result(False, real_ms, memory, logs, error, "error"))

    def invoke(
        self,
        environment_id: str,
        request: InvokeRequest,
        services: Services | None = None,
        real_budget_s: float | None = None,
    ) -> InvokeResult:
        """``services`` answers the handler's AWS SDK calls, in this thread, while the handler waits; it may
        invoke other environments of this executor (this one is busy until the call returns)."""
        env = self.environments[environment_id]
        with self._holding(env):
            env.services = services
            try:
                return invoke_result_from(self._invoke(env, request_to_data(request)))
            finally:
                env.services = None

    @contextlib.contextmanager
    def _holding(self, env: _Environment):
        """The environment's lock. The thread that holds it (an SDK call's ``services`` invoking the environment
        whose handler is waiting for that very call) gets the daemon's answer: the environment is busy."""
        if env.holder == threading.get_ident():
            raise RuntimeError("the environment is busy")
        with env.lock:
            env.holder = threading.get_ident()
            try:
                yield
            finally:
                env.holder = None

    def destroy(self, environment_id: str) -> None:
        with self.lock:
            env = self.environments.pop(environment_id, None)
            if env is not None:
                self.stand_in.environments_by_token.pop(env.token, None)
        if env is not None:
            with env.lock:
                self._stop(env)
                env.close_pipes()
                shutil.rmtree(env.directory, ignore_errors=True)

    def close(self) -> None:
        for environment_id in list(self.environments):
            self.destroy(environment_id)
        self.stand_in.shutdown()
        self.stand_in.server_close()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    # --- one invoke ----------------------------------------------------------------------------------------------

    def _invoke(self, env: _Environment, request: dict) -> dict:
        spec = env.spec
        timeout_s, memory_size = spec["timeout_s"], spec["memory_mb"]
        request_id = request["request_id"]
        suppressed, init_ms = False, 0.0
        if env.process is None:
            suppressed = True
            kind, value = self._start(env, request["clock_start_s"], timeout_s)
            if kind != "frame" or value.get("type") != "ready":
                memory = _status_vm_hwm_mb(env.process.pid) if env.process else 0
                logs = env.logs.take()
                self._stop(env)
                if kind == "frame" and value.get("type") == "init_error":
                    return outcomes.init_failure_in_invoke(value, request_id, timeout_s, memory, logs)
                if kind == "deadline":
                    return outcomes.timed_out(request_id, timeout_s, memory, logs, True)
                return outcomes.exited(
                    request_id, value if kind == "exit" else 0, 0.0, timeout_s, memory, memory_size, logs, True
                )
            init_ms = outcomes.trusted_ms(value.get("elapsed_ms"), 0.0, timeout_s * 1000)
        budget_s = max(timeout_s - init_ms / 1000, 0.0)
        pid = env.process.pid
        _clear_refs(pid)
        frame = outcomes.invoke_frame(request, request["clock_start_s"] + init_ms / 1000, budget_s, timeout_s)
        started = time.perf_counter()
        env.waited_s = 0.0
        kind, value = self._wait(env, time.monotonic() + budget_s, encode(frame))
        real_ms = (time.perf_counter() - started - env.waited_s) * 1000
        memory = _status_vm_hwm_mb(pid)
        logs = env.logs.take()
        if kind == "frame" and value.get("type") == "result" and value.get("request_id") == request_id:
            result = outcomes.from_result_frame(
                value, request_id, timeout_s, init_ms, memory, memory_size, logs, suppressed
            )
            if result["outcome"] in ("timeout", "oom"):
                self._stop(env)
            return result
        self._stop(env)
        if kind == "deadline":
            return outcomes.timed_out(request_id, timeout_s, memory, logs, suppressed)
        if kind == "exit":
            return outcomes.exited(
                request_id, value, init_ms + real_ms, timeout_s, memory, memory_size, logs, suppressed
            )
        reason = value if kind == "violation" else "unexpected frame"
        return outcomes.violated(request_id, str(reason), init_ms + real_ms, memory, logs, suppressed)

    # --- the child process ---------------------------------------------------------------------------------------

    def _start(self, env: _Environment, clock_start_s: float, init_budget_s: float) -> tuple[str, object]:
        spec = env.spec
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        log_r, log_w = os.pipe()
        config = outcomes.shim_config(
            spec,
            task_root=str(env.directory / "task"),
            opt_root=str(env.directory / "opt"),
            net_socket=self.net_socket,
            tmp_dir=str(env.directory / "tmp"),
            clock_start_s=clock_start_s,
            init_budget_s=init_budget_s,
            log_stream=env.log_stream,
            sdk_path=self.sdk_path,
        )
        config["net_token"] = env.token
        argv = [
            self.python,
            "-I",
            "-S",
            "-B",  # as on Lambda, where the code and the SDK are read-only: no __pycache__ beside them
            "-c",
            BOOT.format(root=PROJECT_ROOT),
            str(to_child_r),
            str(from_child_w),
            str(env.directory / "tmp"),
            str(spec["memory_mb"]),
            str(spec["ephemeral_storage_mb"]),
        ]
        try:
            env.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                pass_fds=(to_child_r, from_child_w),
                cwd=str(env.directory / "task"),
                env={},
                start_new_session=True,
            )
        finally:
            for fd in (to_child_r, from_child_w, log_w):
                os.close(fd)
        env.to_child, env.from_child, env.log_fd = to_child_w, from_child_r, log_r
        env.reader = FrameReader()
        for fd in (to_child_w, from_child_r, log_r):
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        # Real time for Init: the budget plus the interpreter's start-up, which Lambda does not count.
        return self._wait(env, time.monotonic() + init_budget_s + 1.0, encode({"type": "start", "config": config}))

    def _wait(self, env: _Environment, deadline: float, outgoing: bytes = b"") -> tuple[str, object]:
        """Send ``outgoing`` and wait for one frame: ("frame", f), ("exit", status), ("deadline", None) or
        ("violation", reason)."""
        pending = memoryview(outgoing)
        env.generation += 1
        env.running = True
        try:
            return self._wait_running(env, deadline, pending)
        finally:
            env.running = False
            with contextlib.suppress(queue.Empty):
                while True:  # calls nobody will answer: their connections are dropped
                    env.calls.get_nowait()["done"].set()

    def _wait_running(self, env: _Environment, deadline: float, pending: memoryview) -> tuple[str, object]:
        with selectors.DefaultSelector() as selector:
            selector.register(env.from_child, selectors.EVENT_READ, "frames")
            selector.register(env.log_fd, selectors.EVENT_READ, "logs")
            selector.register(env.wake_r, selectors.EVENT_READ, "calls")
            if pending:
                selector.register(env.to_child, selectors.EVENT_WRITE, "input")
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return "deadline", None
                for key, _ in selector.select(min(deadline - now, 0.05)):
                    if key.data == "calls":
                        try:
                            deadline += env.answer_calls()  # the handler's time stood still meanwhile
                        except BaseException:
                            self._stop(env)  # its handler waits for an answer that will never come
                            raise
                    elif key.data == "input":
                        try:
                            pending = pending[os.write(env.to_child, pending) :]
                        except BlockingIOError:
                            continue
                        except BrokenPipeError:
                            pending = memoryview(b"")
                        if not pending:
                            selector.unregister(env.to_child)
                    elif key.data == "logs":
                        self._drain_logs(env)
                    else:
                        outcome = self._read_frames(env)
                        if outcome is not None:
                            return outcome
                status = env.process.poll()
                if status is not None:
                    outcome = self._read_frames(env)
                    if outcome is not None:
                        return outcome
                    self._drain_logs(env)
                    return "exit", self._wait_status(env)

    def _read_frames(self, env: _Environment) -> tuple[str, object] | None:
        while True:
            try:
                chunk = os.read(env.from_child, 1 << 20)
            except BlockingIOError:
                chunk = None
            try:
                frames = env.reader.feed(chunk or b"")
            except ProtocolError as error:
                return "violation", str(error)
            if frames:
                self._drain_logs(env)
                return "frame", frames[0]
            if not chunk:
                return None

    def _drain_logs(self, env: _Environment) -> None:
        while True:
            try:
                chunk = os.read(env.log_fd, 1 << 20)
            except BlockingIOError:
                return
            if not chunk:
                return
            env.logs.add(chunk)

    def _wait_status(self, env: _Environment) -> int:
        returncode = env.process.wait()
        # Popen gives -N for a signal; turn it back into a wait status for exit_words().
        return (-returncode) & 0x7F if returncode < 0 else (returncode & 0xFF) << 8

    def _stop(self, env: _Environment) -> None:
        """Kill the runtime and everything it started (its session); keep the environment's directory."""
        if env.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(env.process.pid, signal.SIGKILL)
            env.process.wait()
            env.process = None
        for fd in (env.to_child, env.from_child, env.log_fd):
            if fd >= 0:
                os.close(fd)
        env.to_child = env.from_child = env.log_fd = -1
