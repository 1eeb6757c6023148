"""One execution environment as the daemon sees it: its pipes, its control channel, its current operation.

Everything here runs in the daemon's single-threaded event loop; nothing blocks. Frames and messages from the
environment are untrusted: they can only change this environment's own result (see ``outcomes.py``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import math
import os
import secrets
import selectors
import signal
import socket
import struct
import time
from collections import deque
from typing import TYPE_CHECKING

from sandbox.runtime import outcomes, standin
from sandbox.runtime.limits import REAL_TIME_LIMIT_S
from sandbox.runtime.protocol import (
    MAX_FRAME,
    FrameReader,
    LogBuffer,
    ProtocolError,
    decide,
    encode,
    is_aws_endpoint,
)

if TYPE_CHECKING:
    from sandbox.runtime.daemon import Daemon, Timer

UID_BASE = 300_000
MIB = 1024 * 1024
ANCILLARY = socket.CMSG_SPACE(3 * 4) + socket.CMSG_SPACE(12)
# The daemon's answer to a connection attempt: "+" then the stream, or one byte naming why not.
VERDICT_BYTES = {"connected": b"+", "timeout": b"t", "refused": b"r", "dns_failure": b"d"}
CONNECTIONS_PER_INVOKE = 1000
SDK_REQUESTS_QUEUED = 8  # requests one SDK connection may send ahead of its answers
SDK_CALLS_PER_OPERATION = 4  # calls of one create or invoke the client holds at once; more wait their turn
# Bytes of unfinished or waiting SDK requests the daemon holds for one environment, all its connections together:
# without it, 64 connections each holding most of a frame would make the daemon hold half a gigabyte.
SDK_BUFFERED_BYTES = 32 * MIB
CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n"


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def open_pidfd(pid: int) -> int:
    """A descriptor that names this very process (a pid can be reused once its process is reaped); -1 when the
    process is already gone, so nothing is ever signalled by a stale pid."""
    try:
        return os.pidfd_open(pid)
    except (OSError, ValueError):
        return -1


def kill_pidfd(fd: int) -> None:
    if fd >= 0:
        with contextlib.suppress(OSError):
            signal.pidfd_send_signal(fd, signal.SIGKILL)


def now() -> float:
    return time.monotonic()


class StandInConnection:
    """A connection from a handler to the emulated network, re-decided here from the function's table."""

    def __init__(self, daemon: Daemon, env: Environment, sock: socket.socket) -> None:
        self.daemon, self.env, self.sock = daemon, env, sock
        self.reader = FrameReader(limit=4096)
        self.target = None
        self.outgoing = bytearray()
        self.close_after = False
        self.closed = False
        self.sdk = False  # HTTPS to an emulated AWS endpoint: framed requests, answered by the invoke's client
        self.requests: deque = deque()  # SDK requests not yet passed on: one call per connection at a time
        self.waiting = False

    def on_readable(self) -> None:
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            return self.close()
        if self.target is None:
            try:
                frames = self.reader.feed(data)
            except ProtocolError:
                return self.close()
            if not frames:
                return
            host, port = str(frames[0].get("host", ""))[:253], frames[0].get("port")
            port = port if isinstance(port, int) and not isinstance(port, bool) and 0 <= port < 65536 else -1
            outcome, reason = decide(self.env.spec["network"], host, port)
            if outcome == "dns_failure" and is_address(host):
                outcome, reason = "timeout", "no route to this address"
            self.env.record_connection(host, port, outcome, reason, frames[0].get("at_ms"))
            if outcome != "connected":
                self.send(VERDICT_BYTES.get(outcome, b"-"), close=True)
                return
            self.target = (host, port)
            self.send(b"+")
            data = bytes(self.reader.buffer)
            if is_aws_endpoint(host, port):
                self.sdk, self.reader = True, FrameReader(limit=MAX_FRAME)
            if not data:
                return
        if self.sdk:
            return self.on_sdk_data(data)
        reply, close = standin.answer(self.target[0], self.target[1], data)
        self.send(reply, close)

    def on_sdk_data(self, data: bytes) -> None:
        """Frames from the handler's side: ``{"expect": true}`` or ``{"at_ms", "request"}`` (one HTTP request)."""
        if self.env.sdk_buffered() + len(data) > SDK_BUFFERED_BYTES:
            return self.close()
        try:
            frames = self.reader.feed(data)
        except ProtocolError:
            return self.close()
        for frame in frames:
            if frame.get("expect") is True:
                self.send(encode({"elapsed_ms": 0, "data": CONTINUE}))
            elif isinstance(frame.get("request"), str):
                if len(self.requests) >= SDK_REQUESTS_QUEUED:
                    return self.close()
                self.requests.append((frame["request"], frame.get("at_ms")))
            else:
                return self.close()
        self.next_sdk_request()

    def next_sdk_request(self) -> None:
        if self.requests and not self.waiting and not self.closed and self.env.may_call():
            request, at_ms = self.requests.popleft()
            self.waiting = self.env.on_sdk_request(self, request, at_ms)
        if not self.closed:
            self.rewatch()

    def send(self, data: bytes, close: bool = False) -> None:
        if self.closed:
            return
        self.outgoing += data
        self.close_after = self.close_after or close
        if len(self.outgoing) > 8 * MIB:  # a handler that never reads: drop it
            return self.close()
        self.on_writable()

    def on_writable(self) -> None:
        while self.outgoing:
            try:
                sent = self.sock.send(self.outgoing)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                return self.close()
            del self.outgoing[:sent]
        if not self.outgoing and self.close_after:
            return self.close()
        self.rewatch()

    def rewatch(self) -> None:
        """Read unless an SDK request of this connection waits for its turn or its answer (the handler's further
        bytes wait in the kernel's buffer, so a handler cannot make the daemon hold more than one request per
        connection)."""
        reading = not self.waiting and not self.requests
        events = (selectors.EVENT_READ if reading else 0) | (selectors.EVENT_WRITE if self.outgoing else 0)
        if events:
            self.daemon.watch_fd(self.sock.fileno(), self, events)
        else:
            self.daemon.unwatch(self.sock)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.daemon.unwatch(self.sock)
        self.sock.close()
        self.env.stand_ins.discard(self)


class StandInListener:
    def __init__(self, daemon: Daemon, env: Environment, sock: socket.socket) -> None:
        self.daemon, self.env, self.sock = daemon, env, sock

    def on_readable(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        conn.setblocking(False)
        if len(self.env.stand_ins) >= 64:
            conn.close()
            return
        handler = StandInConnection(self.daemon, self.env, conn)
        self.env.stand_ins.add(handler)
        self.daemon.watch(conn, handler)


class Pipe:
    """One end of a runtime pipe registered in the selector."""

    def __init__(self, env: Environment, fd: int, kind: str) -> None:
        self.env, self.fd, self.kind = env, fd, kind
        os.set_blocking(fd, False)

    def on_readable(self) -> None:
        self.env.on_pipe(self)

    def on_writable(self) -> None:
        self.env.on_pipe_writable()


class Channel:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def on_readable(self) -> None:
        self.env.on_channel()


class Operation:
    """The create or invoke an environment is busy with."""

    def __init__(self, kind: str, reply, request: dict | None = None, caller=None) -> None:
        self.kind = kind
        self.reply = reply
        self.caller = caller  # the client connection that asked: it answers the handler's SDK calls
        self.request = request or {}
        self.started = now()
        self.timer: Timer | None = None
        self.phase = "init"
        self.init_ms = 0.0
        self.suppressed = kind == "invoke"
        self.budget_s = 0.0
        self.invoke_started = 0.0
        self.oom_before = 0
        self.real_deadline = self.started + REAL_TIME_LIMIT_S  # whatever the emulated budget says
        self.capped = False  # the kill timer is armed at the real-time limit, before the emulated deadline
        self.deadline = self.real_deadline  # when the kill timer fires, SDK calls aside
        self.calls: set[str] = set()  # SDK calls waiting for the client's answer
        self.paused_at = 0.0  # since when the kill timer waits for SDK answers (0: it does not)
        self.waited_s = 0.0  # real time spent waiting for SDK answers: neither the handler's time nor its CPU


class Environment:
    def __init__(self, daemon: Daemon, environment_id: str, spec: dict, slot: int, max_procs: int) -> None:
        self.daemon = daemon
        self.id = environment_id
        self.owner = self.tenant = ""
        self.spec = spec
        self.slot = slot
        self.uid = daemon.uid_base + slot
        self.name = f"env{slot}"
        self.max_procs = max_procs
        self.log_stream = spec.get("log_stream_name") or outcomes.log_stream_name(spec["version"])
        self.channel: socket.socket | None = None
        self.channel_handler = Channel(self)
        self.intermediate_pid = 0
        self.pid1 = 0
        self.runtime_pid = 0
        self.pidfds = {"intermediate": -1, "pid1": -1, "runtime": -1}
        self.request_fd = self.result_pipe = self.log_pipe = None
        self.outgoing = bytearray()
        self.reader = FrameReader()
        self.logs = LogBuffer()
        self.operation: Operation | None = None
        self.dead = False
        self.frozen = False
        self.net_dir = os.path.join(daemon.run_dir, "net", self.name)
        self.listener: StandInListener | None = None
        self.stand_ins: set[StandInConnection] = set()
        self.last_memory_mb = 0
        self.last_used = now()
        self.connections: list[dict] = []  # what this invoke's handler reached, as the daemon decided it

    # --- messages from env-init ---------------------------------------------------------------------------------

    def on_channel(self) -> None:
        try:
            data, ancillary, _, _ = self.channel.recvmsg(65536, ANCILLARY)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, ancillary = b"", []
        fds, creds_pid = [], 0
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = list(struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4]))
            elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                creds_pid = struct.unpack("iII", payload)[0]
        if not data:
            for fd in fds:
                os.close(fd)
            return self.on_env_gone("the environment's init process ended")
        message = json.loads(data)
        kind = message.get("kind")
        if kind == "pid1":
            self.pid1 = int(message["pid"])
            self.set_pidfd("pid1", self.pid1)
        elif kind == "root-ready":
            pass  # env-init starts the first runtime by itself (see "start" in the setup)
        elif kind == "runtime":
            self.attach_runtime(fds, creds_pid)
            fds = []
        elif kind == "exit":
            if self.request_fd is not None:
                self.on_runtime_exit(int(message["status"]))
        elif kind == "failed":
            self.on_env_gone(f"the environment could not be built: {message.get('reason')}")
        for fd in fds:
            os.close(fd)

    def send_control(self, message: dict) -> None:
        self.set_frozen(False)
        with contextlib.suppress(OSError):
            self.channel.send(json.dumps(message).encode())

    def start_runtime(self, clock_start_s: float, init_budget_s: float) -> None:
        self.detach_runtime()
        self.send_control({"op": "start", "clock_start_s": clock_start_s, "init_budget_s": init_budget_s})

    def attach_runtime(self, fds: list[int], pid: int) -> None:
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            return self.on_env_gone("the environment sent a malformed runtime start")
        self.detach_runtime()
        self.request_fd = Pipe(self, fds[0], "request")
        self.result_pipe = Pipe(self, fds[1], "result")
        self.log_pipe = Pipe(self, fds[2], "log")
        self.runtime_pid = pid
        self.set_pidfd("runtime", pid)
        self.reader = FrameReader()
        self.daemon.watch_fd(fds[1], self.result_pipe)
        self.daemon.watch_fd(fds[2], self.log_pipe)

    def detach_runtime(self) -> None:
        for pipe in (self.request_fd, self.result_pipe, self.log_pipe):
            if pipe is not None:
                self.daemon.unwatch_fd(pipe.fd)
                os.close(pipe.fd)
        self.request_fd = self.result_pipe = self.log_pipe = None
        self.runtime_pid = 0
        self.set_pidfd("runtime", 0)
        self.outgoing.clear()

    def set_pidfd(self, which: str, pid: int) -> None:
        if self.pidfds[which] >= 0:
            os.close(self.pidfds[which])
        self.pidfds[which] = open_pidfd(pid) if pid else -1

    def kill(self, which: str) -> None:
        kill_pidfd(self.pidfds[which])

    def record_connection(self, host: str, port: int, outcome: str, reason: str, at_ms) -> None:
        """Note a connection attempt the daemon decided; ``at_ms`` (emulated time) is the runtime's claim."""
        op = self.operation
        if op is None or op.phase != "invoke" or len(self.connections) >= CONNECTIONS_PER_INVOKE:
            return
        at = min(max(outcomes.number(at_ms), 0.0), self.spec["timeout_s"] * 1000)
        self.connections.append(
            {"host": host, "port": max(port, 0), "outcome": outcome, "reason": str(reason)[:500], "at_ms": at}
        )

    # --- pipes --------------------------------------------------------------------------------------------------

    def on_pipe(self, pipe: Pipe) -> None:
        if pipe.kind == "log":
            self.drain_logs(bounded=True)
            return
        while self.result_pipe is pipe:
            try:
                chunk = os.read(pipe.fd, 1 << 20)
            except (BlockingIOError, InterruptedError):
                return
            if not chunk:
                self.daemon.unwatch_fd(pipe.fd)  # the runtime closed it; its exit message follows
                return
            try:
                frames = self.reader.feed(chunk)
            except ProtocolError as error:
                return self.on_violation(str(error))
            for frame in frames:
                self.on_frame(frame)
                if self.result_pipe is not pipe:
                    return

    def drain_logs(self, bounded: bool = False) -> None:
        """Read the runtime's log pipe. ``bounded``: only this loop turn's share, so that many environments
        writing as fast as they can never keep the loop from its timers (the pipe stays readable; the rest is
        read on a later turn, and a writer that outpaces the daemon simply blocks)."""
        pipe = self.log_pipe
        share = min(self.daemon.log_budget, 1 << 18) if bounded else 4 * MIB
        read = 0
        while pipe is not None and read < share:
            try:
                chunk = os.read(pipe.fd, 1 << 16 if bounded else 1 << 20)
            except (BlockingIOError, InterruptedError):
                return
            if not chunk:
                self.daemon.unwatch_fd(pipe.fd)
                return
            read += len(chunk)
            if bounded:
                self.daemon.log_budget -= len(chunk)
            self.logs.add(chunk)

    def write_request(self, frame: dict) -> None:
        self.outgoing += encode(frame)
        self.on_pipe_writable()

    def on_pipe_writable(self) -> None:
        pipe = self.request_fd
        while pipe is not None and self.outgoing:
            try:
                written = os.write(pipe.fd, self.outgoing)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.outgoing.clear()
                break
            del self.outgoing[:written]
        if pipe is not None:
            if self.outgoing:
                self.daemon.watch_fd(pipe.fd, pipe, events=selectors.EVENT_WRITE)
            else:
                self.daemon.unwatch_fd(pipe.fd)

    # --- metrics ------------------------------------------------------------------------------------------------

    def begin_measure(self) -> None:
        if self.runtime_pid:
            try:
                with open(f"/proc/{self.runtime_pid}/clear_refs", "w") as handle:
                    handle.write("5")
            except OSError:
                pass
        self.daemon.cgroups.reset_peak(self.name)

    def memory_used_mb(self) -> int:
        peak = self.daemon.cgroups.peak_bytes(self.name)
        hwm = 0
        if self.runtime_pid:
            try:
                with open(f"/proc/{self.runtime_pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            hwm = int(line.split()[1]) * 1024
            except OSError:
                pass
        used = math.ceil(max(peak, hwm) / MIB)
        if used:
            self.last_memory_mb = used
        return min(used or self.last_memory_mb, int(self.spec["memory_mb"]))

    def set_frozen(self, frozen: bool) -> None:
        if frozen == self.frozen or self.dead:
            return
        self.frozen = frozen
        if self.daemon.cgroups.can_freeze():
            self.daemon.cgroups.freeze(self.name, frozen)
        elif self.channel is not None and not frozen:
            self.channel.send(json.dumps({"op": "cont"}).encode())
        elif self.channel is not None:
            self.channel.send(json.dumps({"op": "stop"}).encode())

    # --- operations ---------------------------------------------------------------------------------------------

    def begin_create(self, reply, budget_s: float = REAL_TIME_LIMIT_S, caller=None) -> None:
        op = self.operation = Operation("create", reply, caller=caller)
        op.real_deadline = op.started + budget_s
        op.timer = self.arm(op, now() + self.spec["init_limit_s"] + 2.0)

    def begin_invoke(self, request: dict, reply, budget_s: float = REAL_TIME_LIMIT_S, caller=None) -> None:
        op = self.operation = Operation("invoke", reply, request, caller)
        op.real_deadline = op.started + budget_s
        timeout_s = self.spec["timeout_s"]
        self.logs.take()
        if self.request_fd is None:
            op.phase = "init"
            op.timer = self.arm(op, now() + timeout_s + 1.0)
            self.start_runtime(request["clock_start_s"], timeout_s)
            return
        op.suppressed = False
        self.send_invoke()

    def send_invoke(self) -> None:
        op = self.operation
        timeout_s = self.spec["timeout_s"]
        op.phase = "invoke"
        op.budget_s = max(timeout_s - op.init_ms / 1000, 0.0)
        if op.timer:
            op.timer.cancel()
        self.set_frozen(False)
        op.oom_before = self.daemon.cgroups.oom_kills(self.name)
        self.begin_measure()
        op.invoke_started = now()
        op.waited_s = 0.0  # Init's waits are behind: the invoke's duration counts its own
        self.connections = []
        op.timer = self.arm(op, op.invoke_started + op.budget_s)
        request = op.request
        self.write_request(
            outcomes.invoke_frame(request, request["clock_start_s"] + op.init_ms / 1000, op.budget_s, timeout_s)
        )

    def finish(self, result: dict, keep_runtime: bool = True) -> None:
        op, self.operation = self.operation, None
        if op.timer:
            op.timer.cancel()
        self.forget_calls(op)
        if not keep_runtime:
            self.reset_runtime()
        self.set_frozen(True)
        self.last_used = now()
        op.reply({"ok": True, "result": result})

    def reset_runtime(self) -> None:
        """Kill the runtime and everything it started; env-init and /tmp stay."""
        self.kill("runtime")
        self.detach_runtime()
        if self.channel is not None:
            self.send_control({"op": "reset"})

    def on_frame(self, frame: dict) -> None:
        op = self.operation
        kind = frame.get("type")
        if op is None:
            return self.on_violation("a frame arrived while no request was running")
        self.drain_logs()
        if op.phase == "init" and kind in ("ready", "init_error"):
            return self.on_init_frame(op, frame)
        if op.phase == "invoke" and kind == "result" and frame.get("request_id") == op.request["request_id"]:
            measured = (now() - op.invoke_started - self.waited(op)) * 1000
            memory = self.memory_used_mb()
            oom = self.daemon.cgroups.oom_kills(self.name) > op.oom_before
            if oom:
                frame = dict(frame, outcome="oom")
            result = outcomes.from_result_frame(
                frame,
                op.request["request_id"],
                self.spec["timeout_s"],
                op.init_ms,
                memory,
                self.spec["memory_mb"],
                self.logs.take(),
                op.suppressed,
                measured_ms=measured,
                connections=self.connections,
            )
            return self.finish(result, keep_runtime=result["outcome"] not in ("timeout", "oom"))
        return self.on_violation(f"unexpected {kind!r} frame")

    def on_init_frame(self, op: Operation, frame: dict) -> None:
        """Init ended. Its emulated duration is the real time the daemon measured plus the virtual sleeps the
        runtime reports; a report is trusted only up to the limit and can never shorten what was measured."""
        memory = self.memory_used_mb()
        real_ms = (now() - op.started - self.waited(op)) * 1000
        if op.kind == "create":
            limit_ms = self.spec["init_limit_s"] * 1000
            slept = min(max(outcomes.number(frame.get("slept_ms")), 0.0), max(limit_ms - real_ms, 0.0))
            logs = self.logs.take()
            if frame["type"] == "ready":
                return self.finish(outcomes.init_result(True, min(real_ms + slept, limit_ms), memory, logs))
            status = "timeout" if frame.get("status") == "timeout" else "error"
            elapsed = limit_ms if status == "timeout" else min(real_ms + slept, limit_ms)
            error = outcomes.clean_error(frame.get("error"))
            return self.finish(outcomes.init_result(False, elapsed, memory, logs, error, status), keep_runtime=False)
        if frame["type"] == "ready":
            op.init_ms = outcomes.trusted_ms(frame.get("elapsed_ms"), real_ms, self.spec["timeout_s"] * 1000)
            return self.send_invoke()
        result = outcomes.init_failure_in_invoke(
            frame, op.request["request_id"], self.spec["timeout_s"], memory, self.logs.take(), measured_ms=real_ms
        )
        return self.finish(result, keep_runtime=False)

    def on_runtime_exit(self, status: int) -> None:
        op = self.operation
        self.drain_logs()
        memory = self.memory_used_mb()
        if op is None:
            self.detach_runtime()
            return
        if self.result_pipe is not None:  # a last frame may still be in the pipe
            self.on_pipe(self.result_pipe)
            if self.operation is not op:
                return
        oom = self.daemon.cgroups.oom_kills(self.name) > op.oom_before
        if op.kind == "create":
            error = outcomes.init_exit_error(status)
            return self.finish(
                outcomes.init_result(False, (now() - op.started) * 1000, memory, self.logs.take(), error, "error"),
                keep_runtime=False,
            )
        request_id = op.request["request_id"]
        elapsed = op.init_ms + ((now() - op.invoke_started - self.waited(op)) * 1000 if op.phase == "invoke" else 0.0)
        result = outcomes.exited(
            request_id,
            status,
            elapsed,
            self.spec["timeout_s"],
            memory,
            self.spec["memory_mb"],
            self.logs.take(),
            op.suppressed,
            oom=oom,
        )
        self.finish(result, keep_runtime=False)

    def arm(self, op: Operation, deadline: float) -> Timer:
        """The kill timer: at the emulated deadline, or at the real-time limit if that comes first."""
        op.deadline = deadline
        op.capped = op.real_deadline < deadline
        return self.daemon.call_at(min(deadline, op.real_deadline), self.on_deadline)

    # --- SDK calls ----------------------------------------------------------------------------------------------

    @staticmethod
    def waited(op: Operation) -> float:
        """Real seconds this operation has spent waiting for SDK answers, the current wait included."""
        return op.waited_s + (now() - op.paused_at if op.paused_at else 0.0)

    def sdk_buffered(self) -> int:
        """Bytes the daemon holds for this environment's SDK connections: partial frames and waiting requests."""
        return sum(
            len(c.reader.buffer) + sum(len(request) for request, _ in c.requests) for c in self.stand_ins if c.sdk
        )

    def may_call(self) -> bool:
        """Whether another SDK call may go out now (with no operation running, a request ends its connection)."""
        op = self.operation
        return op is None or len(op.calls) < SDK_CALLS_PER_OPERATION

    def on_sdk_request(self, connection: StandInConnection, request: str, at_ms) -> bool:
        """Pass one HTTP request of the handler to the client that asked for this operation. While answers are
        awaited the emulated kill timer stands still (the real-time limit does not); True once the call is out."""
        op = self.operation
        if op is None or op.caller is None or op.caller.closed:
            connection.close()
            return False
        call_id = secrets.token_hex(12)
        at = min(max(outcomes.number(at_ms), 0.0), self.spec["timeout_s"] * 1000)
        host, port = connection.target
        message = {"call": {"id": call_id, "host": host, "port": port, "at_ms": at, "request": request}}
        if not op.caller.notify(message):
            connection.close()
            return False
        self.daemon.calls[call_id] = (self, connection, op)
        op.calls.add(call_id)
        if not op.paused_at:
            op.paused_at = now()
            if op.timer:
                op.timer.cancel()
            op.capped = True
            op.timer = self.daemon.call_at(op.real_deadline, self.on_deadline)
        return True

    def on_sdk_answer(self, call_id: str, connection: StandInConnection, op: Operation, frame: dict | None) -> None:
        """The client's answer (None: the client is gone). The handler gets the response and the emulated time
        the call took; the kill timer moves on by the real time spent waiting."""
        if frame is None:
            connection.close()
        else:
            elapsed = min(max(outcomes.number(frame.get("elapsed_ms")), 0.0), self.spec["timeout_s"] * 1000)
            response = frame.get("response") if isinstance(frame.get("response"), str) else ""
            try:
                connection.send(encode({"elapsed_ms": elapsed, "data": response}))
            except ProtocolError:
                connection.close()
        connection.waiting = False
        op.calls.discard(call_id)
        if not connection.closed:
            connection.rewatch()
        for other in [other for other in self.stand_ins if other.requests and not other.waiting]:
            other.next_sdk_request()  # a request that waited for its turn
        if self.operation is op and not op.calls and op.paused_at:
            waited = now() - op.paused_at
            op.waited_s += waited
            op.paused_at = 0.0
            op.timer.cancel()
            op.timer = self.arm(op, op.deadline + waited)
        connection.next_sdk_request()

    def forget_calls(self, op: Operation) -> None:
        for call_id in op.calls:
            self.daemon.calls.pop(call_id, None)
        op.calls.clear()

    def on_deadline(self) -> None:
        op = self.operation
        if op is None:
            return
        self.drain_logs()
        memory = self.memory_used_mb()
        if op.capped:
            real_s = now() - op.started
            if op.kind == "create":
                error = outcomes.real_time_error(None, real_s)
                return self.finish(
                    outcomes.init_result(False, real_s * 1000, memory, self.logs.take(), error, "timeout"),
                    keep_runtime=False,
                )
            result = outcomes.timed_out(
                op.request["request_id"], self.spec["timeout_s"], memory, self.logs.take(), op.suppressed
            )
            result["duration_ms"] = round(min(real_s * 1000, self.spec["timeout_s"] * 1000), 3)
            result["error"] = outcomes.real_time_error(op.request["request_id"], real_s)
            return self.finish(result, keep_runtime=False)
        if op.kind == "create":
            limit = self.spec["init_limit_s"]
            error = outcomes.init_timeout_error(limit)
            return self.finish(
                outcomes.init_result(False, limit * 1000, memory, self.logs.take(), error, "timeout"),
                keep_runtime=False,
            )
        self.finish(
            outcomes.timed_out(
                op.request["request_id"], self.spec["timeout_s"], memory, self.logs.take(), op.suppressed
            ),
            keep_runtime=False,
        )

    def on_violation(self, reason: str) -> None:
        op = self.operation
        self.drain_logs()
        memory = self.memory_used_mb()
        if op is None:
            self.reset_runtime()
            return
        if op.kind == "create":
            error = {"errorType": "Runtime.ExitError", "errorMessage": f"Runtime broke the runtime protocol: {reason}"}
            return self.finish(
                outcomes.init_result(False, (now() - op.started) * 1000, memory, self.logs.take(), error, "error"),
                keep_runtime=False,
            )
        elapsed = op.init_ms + (now() - op.invoke_started) * 1000 if op.invoke_started else 0.0
        self.finish(
            outcomes.violated(op.request["request_id"], reason, elapsed, memory, self.logs.take(), op.suppressed),
            keep_runtime=False,
        )

    def on_env_gone(self, reason: str) -> None:
        op, self.operation = self.operation, None
        if op and op.timer:
            op.timer.cancel()
        if op:
            self.forget_calls(op)
        self.daemon.teardown(self)
        if op is not None:
            op.reply({"ok": False, "error": f"environment {self.id} was lost: {reason}"})
