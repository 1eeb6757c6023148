"""The sandbox daemon: one per host, root, exec'd with an empty environment, single-threaded, no Django.

It listens on a Unix socket (mode 0600, or 0660 for a group given at start) for framed JSON requests
(``create``, ``invoke``, ``destroy``, ``ping``, ``check``, ``describe``), keeps a pristine zygote process that
forks every execution environment, and measures Duration, Init Duration and Max Memory Used itself. See
docs/sandbox-runtime.md for the design.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import heapq
import itertools
import json
import math
import os
import resource
import secrets
import selectors
import signal
import socket
import struct
import sys
import time
import traceback
from pathlib import Path

from sandbox.runtime import envinit, isolation, limits, outcomes
from sandbox.runtime.environment import ANCILLARY, MIB, UID_BASE, Environment, StandInListener, now
from sandbox.runtime.protocol import (
    MAX_PROCS,
    SDK_PACKAGES,
    FrameReader,
    ProtocolError,
    encode,
    real_budget,
    validate_max_procs,
    validate_request,
    validate_spec,
)

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
UID_SLOTS = 10_000
DEFAULT_MAX_PROCS = MAX_PROCS
IDLE_TTL_S = 15 * 60  # Lambda keeps idle environments "for some time"; the daemon recycles them after this
SWEEP_EVERY_S = 30.0


class Timer:
    __slots__ = ("when", "callback", "cancelled")

    def __init__(self, when: float, callback) -> None:
        self.when, self.callback, self.cancelled = when, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class Client:
    """One connection on the daemon's socket: requests in, replies out, in order."""

    def __init__(self, daemon: Daemon, sock: socket.socket) -> None:
        self.daemon = daemon
        self.sock = sock
        self.reader = FrameReader()
        self.outgoing = bytearray()
        self.queue: list[dict] = []
        self.busy = False
        self.closed = False
        self.owner = secrets.token_hex(16)  # for requests that name no owner: this connection's own space

    def on_readable(self) -> None:
        try:
            data = self.sock.recv(1 << 20)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            return self.close()
        try:
            frames = self.reader.feed(data)
        except ProtocolError:
            return self.close()
        for frame in frames:
            if frame.get("op") == "answer":  # an SDK call's answer, while this connection's invoke runs
                self.daemon.on_answer(self, frame)
            else:
                self.queue.append(frame)
        self.next_request()

    def next_request(self) -> None:
        while self.queue and not self.busy and not self.closed:
            self.busy = True
            self.daemon.handle_request(self.queue.pop(0), self.reply, self.owner, caller=self)

    def reply(self, message: dict) -> None:
        self.busy = False
        if self.closed:
            return
        try:
            data = encode(message)
        except (ProtocolError, RecursionError, ValueError, TypeError) as problem:
            data = encode(outcomes.unsendable(message, problem))
        self.outgoing += data
        self.flush()
        self.next_request()

    def notify(self, message: dict) -> bool:
        """Send a message that is not a reply (an SDK call of the invoke this connection waits for)."""
        if self.closed:
            return False
        try:
            self.outgoing += encode(message)
        except (ProtocolError, ValueError, TypeError):
            return False
        self.flush()
        return True

    def flush(self) -> None:
        while self.outgoing:
            try:
                sent = self.sock.send(self.outgoing)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                return self.close()
            del self.outgoing[:sent]
        self.daemon.watch(self.sock, self, want_write=bool(self.outgoing))

    def on_writable(self) -> None:
        self.flush()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.daemon.unwatch(self.sock)
            self.sock.close()
            self.daemon.drop_calls_of(self)


class Daemon:
    def __init__(
        self,
        socket_path: str,
        run_dir: str,
        max_procs: int = DEFAULT_MAX_PROCS,
        group_id: int | None = None,
        sdk: list[list[str]] | None = None,
    ) -> None:
        self.socket_path = socket_path
        self.sdk = sdk or []  # [name, host path] of each AWS SDK package every environment sees read-only
        self.calls: dict[str, tuple] = {}  # SDK calls waiting for their answer: id -> (environment, connection, op)
        self.group_id = group_id  # members of this group may connect; None: root only
        self.run_dir = run_dir
        self.max_procs = max_procs
        self.selector = selectors.DefaultSelector()
        self.timers: list[tuple[float, int, Timer]] = []
        self.sequence = itertools.count()
        self.environments: dict[tuple[str, str], Environment] = {}  # (owner, id) -> environment
        self.slots_in_use: set[int] = set()
        self.waiting_forks: list[Environment] = []
        self.uid_base, self.uid_band_lock = claim_uid_band(UID_BAND_DIR)
        self.report = isolation.check()
        self.code = client_code_version()
        self.host = limits.host_limits()
        self.cgroups = isolation.Cgroups(f"examprep-sandbox-{os.getpid()}")
        if self.cgroups.available:
            self.cgroups.limit_all(self.host["memory_mb"] * MIB, self.host["pids"], self.host["cpus"])
        else:  # no parent cgroup lets the kernel reclaim: what is reserved must fit in memory as it is
            self.host["reservable_mb"] = self.host["memory_mb"]
        self.stopping = False
        self.noted: dict[str, float] = {}
        self.log_budget = limits.LOG_BYTES_PER_TURN
        self.loop_lag_ms = 0.0
        self.wake_r, self.wake_w = socket.socketpair()
        for end in (self.wake_r, self.wake_w):
            end.setblocking(False)
        self.watch(self.wake_r, _Waker(self.wake_r))
        os.makedirs(os.path.join(run_dir, "net"), mode=0o755, exist_ok=True)
        os.makedirs(os.path.join(run_dir, "root"), mode=0o755, exist_ok=True)
        self.zygote, self.zygote_pid = self.start_zygote()
        self.zygote.setblocking(False)
        self.watch(self.zygote, self, events=selectors.EVENT_READ)
        self.listener = self.listen()
        self.call_at(now() + SWEEP_EVERY_S, self.sweep)

    # --- selector helpers ---------------------------------------------------------------------------------------

    def watch(self, sock, handler, want_write: bool = False, events: int | None = None) -> None:
        self.watch_fd(
            sock.fileno(), handler, events or (selectors.EVENT_READ | (selectors.EVENT_WRITE if want_write else 0))
        )

    def watch_fd(self, fd: int, handler, events: int = selectors.EVENT_READ) -> None:
        try:
            key = self.selector.get_key(fd)
        except KeyError:
            self.selector.register(fd, events, handler)
            return
        if key.events != events or key.data is not handler:
            self.selector.modify(fd, events, handler)

    def unwatch(self, sock) -> None:
        self.unwatch_fd(sock.fileno())

    def unwatch_fd(self, fd: int) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(fd)

    def call_at(self, when: float, callback) -> Timer:
        timer = Timer(when, callback)
        heapq.heappush(self.timers, (when, next(self.sequence), timer))
        return timer

    # --- zygote -------------------------------------------------------------------------------------------------

    def start_zygote(self) -> tuple[socket.socket, int]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        daemon_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            ours.close()
            zygote_main(theirs, daemon_pid)
        theirs.close()
        return ours, pid

    def on_readable(self) -> None:  # the zygote answered a fork request
        try:
            data, ancillary, _, _ = self.zygote.recvmsg(256, ANCILLARY)
        except (BlockingIOError, InterruptedError):
            return
        if not data:
            print("sandbox daemon: the zygote died; stopping", file=sys.stderr, flush=True)
            self.stopping = True
            return
        fds = []
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = list(struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4]))
        env = self.waiting_forks.pop(0)
        channel = socket.socket(fileno=fds[0])
        channel.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        env.channel = channel
        env.intermediate_pid = int(json.loads(data)["pid"])
        env.set_pidfd("intermediate", env.intermediate_pid)
        try:
            if self.cgroups.available:
                self.cgroups.add(env.name, env.intermediate_pid)
            setup = {
                "spec": env.spec,
                "uid": env.uid,
                "root_dir": os.path.join(self.run_dir, "root"),
                "net_dir": env.net_dir,
                "max_procs": env.max_procs,
                "log_stream": env.log_stream,
                "sdk": self.sdk,
                "start": {"clock_start_s": time.time(), "init_budget_s": env.spec["init_limit_s"]},
            }
            channel.setblocking(True)
            envinit.send_blob(channel, setup)
        except OSError as error:
            env.on_env_gone(f"could not start: {error}")
            return
        channel.setblocking(False)
        self.watch(channel, env.channel_handler)

    # --- requests -----------------------------------------------------------------------------------------------

    def listen(self) -> socket.socket:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        old = os.umask(0o177)
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(self.socket_path)
        finally:
            os.umask(old)
        if self.group_id is None:
            os.chmod(self.socket_path, 0o600)
        else:
            os.chown(self.socket_path, 0, self.group_id)
            os.chmod(self.socket_path, 0o660)
        sock.listen(128)
        sock.setblocking(False)
        self.watch(sock, _Acceptor(self, sock))
        return sock

    def handle_request(self, request: dict, reply, connection_owner: str = "", caller: Client | None = None) -> None:
        try:
            op = request.get("op")
            owner = str(request.get("owner") or connection_owner)[:128]
            if op == "ping":
                return reply(
                    {
                        "ok": True,
                        "pid": os.getpid(),
                        "mode": self.report["mode"],
                        "code": self.code,
                        "root": PROJECT_ROOT,
                        "group": self.group_id,
                        "loop_lag_ms": round(self.loop_lag_ms, 1),
                    }
                )
            if op == "check":
                return reply({"ok": True, "result": self.report})
            if op == "stats":
                return reply({"ok": True, "result": self.stats(reset=bool(request.get("reset")))})
            budget = real_budget(request.get("real_budget_s"))
            if op == "create":
                return self.create(
                    owner,
                    str(request["id"])[:200],
                    validate_spec(request["spec"]),
                    validate_max_procs(request.get("max_procs"), self.max_procs),
                    reply,
                    tenant=str(request.get("tenant") or owner)[:128],
                    budget_s=budget,
                    caller=caller,
                )
            env = self.environments.get((owner, str(request.get("id"))))
            if env is None or env.dead:
                return reply({"ok": False, "error": f"no environment {request.get('id')!r}", "missing": True})
            if op == "invoke":
                if env.operation is not None:
                    return reply({"ok": False, "error": f"environment {env.id} is busy"})
                return env.begin_invoke(validate_request(request["request"]), reply, budget, caller)
            if op == "describe":
                return reply(
                    {
                        "ok": True,
                        "result": {
                            "uid": env.uid,
                            "pid1": env.pid1,
                            "runtime_pid": env.runtime_pid,
                            "cgroup": self.cgroups.paths(env.name),
                        },
                    }
                )
            if op == "destroy":
                return self.teardown(env, reply)
            reply({"ok": False, "error": f"unknown operation {op!r}"})
        except (KeyError, TypeError, ValueError) as error:
            reply({"ok": False, "error": f"bad request: {error}"})
        except Exception as error:  # report it to the caller and keep serving everyone else
            self.log_bug(self)
            reply({"ok": False, "error": f"internal error in the sandbox daemon: {error}"})

    def create(
        self,
        owner: str,
        environment_id: str,
        spec: dict,
        max_procs: int,
        reply,
        tenant: str = "",
        budget_s: float = limits.REAL_TIME_LIMIT_S,
        caller: Client | None = None,
    ) -> None:
        if self.report["mode"] == "none":
            return reply({"ok": False, "error": self.report.get("reason", "this machine cannot isolate handlers")})
        if (owner, environment_id) in self.environments:
            return reply({"ok": False, "error": f"environment {environment_id!r} already exists"})
        self.make_room()
        refusal = self.refusal(tenant or owner, self.reserved_mb(spec))
        if refusal:
            return reply({"ok": False, "error": refusal, "full": True})
        free = next((slot for slot in range(UID_SLOTS) if slot not in self.slots_in_use), None)
        if free is None:
            return reply({"ok": False, "error": "no free environment uid", "full": True})
        self.slots_in_use.add(free)
        env = Environment(self, environment_id, spec, free, max_procs)
        env.owner, env.tenant = owner, tenant or owner
        self.environments[(owner, environment_id)] = env
        os.makedirs(env.net_dir, mode=0o755, exist_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        path = os.path.join(env.net_dir, "net.sock")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        listener.bind(path)
        os.chown(path, env.uid, env.uid)
        os.chmod(path, 0o600)  # only this environment's runtime may connect
        listener.listen(16)
        listener.setblocking(False)
        env.listener = StandInListener(self, env, listener)
        self.watch(listener, env.listener)
        if self.cgroups.available:
            self.cgroups.create(env.name, int(spec["memory_mb"]) * MIB, max_procs)
        env.begin_create(reply, budget_s, caller)
        self.waiting_forks.append(env)
        self.zygote.send(b"F")

    # --- SDK calls: the daemon carries them between an environment and the client that asked for the invoke -----

    def on_answer(self, client: Client, frame: dict) -> None:
        """An answer to an SDK call. Only the connection that asked for the invoke can answer its calls; an answer
        to a call that is gone (the invoke ended) is dropped."""
        entry = self.calls.get(str(frame.get("call")))
        if entry is None or entry[2].caller is not client:
            return
        call_id = str(frame.get("call"))
        env, connection, op = self.calls.pop(call_id)
        env.on_sdk_answer(call_id, connection, op, frame)

    def drop_calls_of(self, client: Client) -> None:
        """The client went away: nobody will answer its calls, so their connections are closed (the handler sees
        the connection end instead of waiting until its deadline)."""
        for call_id, (env, connection, op) in list(self.calls.items()):
            if op.caller is client:
                del self.calls[call_id]
                env.on_sdk_answer(call_id, connection, op, None)

    def reserved_mb(self, spec: dict) -> int:
        """What an environment reserves: its memory size, plus its /tmp when no memory cgroup charges /tmp's
        pages to the environment (rlimits-only mode), since tmpfs pages are then held by nothing else."""
        memory_mb = int(spec["memory_mb"])
        return memory_mb if self.cgroups.available else memory_mb + int(spec["ephemeral_storage_mb"])

    def refusal(self, tenant: str, memory_mb: int) -> str | None:
        """Why a new environment of ``memory_mb`` cannot start now (None when it can)."""
        live = [env for env in self.environments.values() if not env.dead]
        mine = [env for env in live if env.tenant == tenant]
        if len(mine) >= limits.ENVIRONMENTS_PER_CLIENT:
            return (
                f"Too many execution environments: this student already has {len(mine)} (the limit is "
                f"{limits.ENVIRONMENTS_PER_CLIENT}). Reset a workspace or wait for idle ones to be reclaimed."
            )
        reserved = sum(self.reserved_mb(env.spec) for env in mine)
        if reserved + memory_mb > limits.MEMORY_PER_CLIENT_MB:
            return (
                f"Too much memory reserved: this student's execution environments already reserve {reserved} MB "
                f"and another {memory_mb} MB would pass the limit of {limits.MEMORY_PER_CLIENT_MB} MB."
            )
        if len(live) >= limits.MAX_ENVIRONMENTS:
            return (
                f"The sandbox is full ({len(live)} execution environments are busy). Rate Exceeded: try again "
                "in a minute."
            )
        total = sum(self.reserved_mb(env.spec) for env in live)
        if total + memory_mb > self.host["reservable_mb"]:
            return (
                f"The sandbox is full (its execution environments reserve {total} MB of the "
                f"{self.host['reservable_mb']} MB this host allows). Rate Exceeded: try again in a minute."
            )
        return None

    def stats(self, reset: bool = False) -> dict:
        figures = {
            "environments": len(self.environments),
            "loop_lag_ms": round(self.loop_lag_ms, 1),
            "host": self.host,
        }
        if reset:
            self.loop_lag_ms = 0.0
        return figures

    def sweep(self) -> None:
        """Recycle environments idle for longer than IDLE_TTL_S (the next invoke is a cold start)."""
        for env in list(self.environments.values()):
            if env.operation is None and not env.dead and now() - env.last_used > IDLE_TTL_S:
                self.teardown(env)
        self.call_at(now() + SWEEP_EVERY_S, self.sweep)

    def make_room(self) -> None:
        idle = [env for env in self.environments.values() if env.operation is None and not env.dead]
        if len(self.environments) >= limits.MAX_ENVIRONMENTS and idle:
            self.teardown(min(idle, key=lambda env: env.last_used))

    def teardown(self, env: Environment, reply=None) -> None:
        """Kill the whole environment (SIGKILL of pid 1 ends its pid namespace) and clean up after it."""
        if not env.dead:
            env.dead = True
            if env.frozen:
                self.cgroups.freeze(env.name, False)
                env.frozen = False
            # Kill pid 1 (its namespace dies with it) and let the intermediate reap it: no zombie for host init.
            env.kill("pid1" if env.pidfds["pid1"] >= 0 else "intermediate")
            env.detach_runtime()
            if env.channel is not None:
                self.unwatch(env.channel)
                env.channel.close()
            for handler in list(env.stand_ins):
                handler.close()
            if env.listener is not None:
                self.unwatch(env.listener.sock)
                env.listener.sock.close()
            if env.operation is not None:
                op, env.operation = env.operation, None
                if op.timer:
                    op.timer.cancel()
                env.forget_calls(op)
                op.reply({"ok": False, "error": f"environment {env.id} was destroyed"})
        self._finish_teardown(env, reply, now() + 5.0)

    def _finish_teardown(self, env: Environment, reply, give_up: float) -> None:
        if self.processes_left(env) and now() < give_up:
            self.call_at(now() + 0.002, lambda: self._finish_teardown(env, reply, give_up))
            return
        left = self.processes_left(env)
        removed = not self.cgroups.available or self.cgroups.remove(env.name)
        try:
            os.unlink(os.path.join(env.net_dir, "net.sock"))
            os.rmdir(env.net_dir)
        except OSError:
            pass
        for which in ("intermediate", "pid1"):
            env.set_pidfd(which, 0)
        if self.environments.get((env.owner, env.id)) is env:
            del self.environments[(env.owner, env.id)]
        if not left and removed:
            self.slots_in_use.discard(env.slot)  # the uid is reused only once nothing of it runs
        if reply is not None:
            reply({"ok": True, "result": {"processes_left": left}})

    def processes_left(self, env: Environment) -> int:
        if self.cgroups.available:
            path = self.cgroups.paths(env.name).get("pids") or self.cgroups.paths(env.name).get("unified")
            try:
                with open(os.path.join(path, "cgroup.procs")) as handle:
                    return len(handle.read().split())
            except OSError:
                return 0
        return len(processes_of_uid(env.uid))

    # --- main loop ----------------------------------------------------------------------------------------------

    def run(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        signal.signal(signal.SIGINT, lambda *_: setattr(self, "stopping", True))
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.set_wakeup_fd(self.wake_w.fileno(), warn_on_full_buffer=False)  # a signal ends the select
        while not self.stopping:
            self.log_budget = limits.LOG_BYTES_PER_TURN
            timeout = None
            while self.timers and self.timers[0][2].cancelled:
                heapq.heappop(self.timers)
            if self.timers:
                timeout = max(0.0, self.timers[0][0] - now())
            try:
                events = self.selector.select(timeout)
            except InterruptedError:
                continue
            for key, mask in events:
                handler = key.data
                try:
                    if mask & selectors.EVENT_READ and hasattr(handler, "on_readable"):
                        handler.on_readable()
                    if mask & selectors.EVENT_WRITE and hasattr(handler, "on_writable"):
                        handler.on_writable()
                except Exception:  # a bug must not take every environment down with the daemon
                    self.log_bug(handler)
            current = now()
            while self.timers and self.timers[0][0] <= current:
                when, _, timer = heapq.heappop(self.timers)
                if not timer.cancelled:
                    self.loop_lag_ms = max(self.loop_lag_ms, (current - when) * 1000)
                    try:
                        timer.callback()
                    except Exception:
                        self.log_bug(timer)
        self.shutdown()

    def note_once(self, message: str) -> None:
        """Log a condition at most once a minute (a repeated one must not flood the log)."""
        last = self.noted.get(message, -math.inf)
        if now() - last >= 60:
            self.noted[message] = now()
            print(f"sandbox daemon: {message}", file=sys.stderr, flush=True)

    def log_bug(self, where) -> None:
        print(f"sandbox daemon: internal error in {type(where).__name__}:", file=sys.stderr)
        traceback.print_exc()
        sys.stderr.flush()
        env = getattr(where, "env", None)
        if env is not None and not env.dead:
            env.on_env_gone("internal error in the sandbox daemon")

    def shutdown(self) -> None:
        """Stop within about 2 s: kill every environment, wait briefly for them, remove the socket and cgroups."""
        with contextlib.suppress(OSError):
            os.unlink(self.socket_path)
        self.listener.close()
        self.timers.clear()
        for env in list(self.environments.values()):
            self.teardown(env)
        deadline = now() + 2.0
        while self.timers and now() < deadline:  # only teardown checks are left: each takes milliseconds
            when, _, timer = heapq.heappop(self.timers)
            time.sleep(min(max(0.0, when - now()), 0.05))
            if not timer.cancelled:
                timer.callback()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.zygote_pid, signal.SIGKILL)
        self.cgroups.reap_own()
        self.cgroups.close()


class _Acceptor:
    def __init__(self, daemon: Daemon, sock: socket.socket) -> None:
        self.daemon, self.sock = daemon, sock

    def on_readable(self) -> None:
        for _ in range(64):
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    raise
                # Out of descriptors: stop listening for a moment instead of spinning on the ready socket.
                self.daemon.unwatch(self.sock)
                self.daemon.call_at(now() + 0.1, lambda: self.daemon.watch(self.sock, self))
                self.daemon.note_once("out of file descriptors; pausing accept()")
                return
            conn.setblocking(False)
            self.daemon.watch(conn, Client(self.daemon, conn))


class _Waker:
    """The read end of the signal wakeup socket: drained, so the loop can look at ``stopping``."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def on_readable(self) -> None:
        with contextlib.suppress(OSError):
            while self.sock.recv(4096):
                pass


UID_BANDS = 100
UID_BAND_DIR = "/run/examprep-uid-bands"  # one for the host, whatever socket each daemon serves


def claim_uid_band(lock_dir: str) -> tuple[int, object]:
    """A band of UID_SLOTS uids no other daemon on this host uses (uids share RLIMIT_NPROC host-wide). The
    band is held by a lock on a file that the kernel releases when the daemon dies."""
    os.makedirs(lock_dir, mode=0o711, exist_ok=True)
    for band in range(UID_BANDS):
        handle = open(os.path.join(lock_dir, f".uid-band-{band}.lock"), "w")  # noqa: SIM115 - held for life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        return UID_BASE + band * UID_SLOTS, handle
    raise RuntimeError(f"every one of the {UID_BANDS} uid bands is held by another sandbox daemon")


def client_code_version() -> str:
    from sandbox.runtime.client import code_version

    return code_version(PROJECT_ROOT)


def processes_of_uid(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status") as status:
                    for line in status:
                        if line.startswith("Uid:"):
                            if uid in map(int, line.split()[1:]):
                                found.append(int(entry))
                            break
            except OSError:
                continue
    return found


def zygote_main(channel: socket.socket, daemon_pid: int) -> None:
    """The pristine process every environment is forked from. It never sees a spec. Never returns."""
    try:
        isolation.set_parent_death_signal()
        if os.getppid() != daemon_pid:  # the daemon died before the death signal was armed
            os._exit(0)
        envinit.close_fds_except(0, 1, 2, channel.fileno())
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # intermediates are reaped by the kernel
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            seccomp_filter = isolation.build_seccomp_filter()
        except isolation.SeccompUnavailable:
            seccomp_filter = None  # the daemon's mode is then "none": no environment is ever started
        zygote_pid = os.getpid()
        gc.collect()
        gc.freeze()
        while True:
            try:
                data = channel.recv(16)
            except InterruptedError:
                continue
            if not data:
                break
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            pid = os.fork()
            if pid == 0:
                channel.close()
                ours.close()
                envinit.intermediate(theirs, seccomp_filter, zygote_pid)
            envinit.send_message(channel, {"pid": pid}, [ours.fileno()])
            ours.close()
            theirs.close()
    finally:
        os._exit(0)


def raise_descriptor_limit(wanted: int = 1 << 16) -> int:
    """Five descriptors per environment and one per client: raise the soft limit as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def socket_group(name: str) -> int:
    """The group id for a group name or number; KeyError names a group that does not exist."""
    import grp

    return int(name) if name.isdigit() else grp.getgrnam(name).gr_gid


def sdk_packages(site_packages: str) -> list[list[str]]:
    """The AWS SDK's packages found in ``site_packages`` (the client's virtualenv), as [name, real path]."""
    if not site_packages:
        return []
    found = []
    for name in SDK_PACKAGES:
        path = os.path.realpath(os.path.join(site_packages, name))
        if os.path.isdir(path) or (name.endswith(".py") and os.path.isfile(path)):
            found.append([name, path])
    return found


def main(argv: list[str]) -> int:
    """``argv``: socket path, run directory, and optionally the socket's group, "1" for development mode and the
    site-packages directory that holds the AWS SDK."""
    socket_path, run_dir = argv[0], argv[1]
    group = argv[2] if len(argv) > 2 else ""
    dev = len(argv) > 3 and argv[3] == "1"
    sdk = sdk_packages(argv[4] if len(argv) > 4 else "")
    if set(os.environ) - {"LC_CTYPE"}:  # Python itself sets LC_CTYPE when it coerces the C locale (PEP 538)
        print("sandbox daemon: refusing to start with a non-empty environment", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("sandbox daemon: " + isolation.check()["reason"], file=sys.stderr)
        return 2
    os.umask(0o022)
    if not dev:
        from sandbox.runtime import trust

        here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        writable = trust.writable_code_path(here, trust.imported_extras(), tuple(path for _, path in sdk))
        if writable:
            print(
                f"sandbox daemon: refusing to run as root from code others can change: {writable} is writable by "
                f"a user other than root (make it root's, or set {trust.DEV_FLAG}=1 for development)",
                file=sys.stderr,
            )
            return 2
    try:
        group_id = socket_group(group) if group else None
    except KeyError:
        print(f"sandbox daemon: the socket group {group!r} does not exist", file=sys.stderr)
        return 2
    raise_descriptor_limit()
    from sandbox.runtime.client import run_dir_problem

    problem = run_dir_problem(run_dir)
    if problem:
        print(f"sandbox daemon: {problem}", file=sys.stderr)
        return 2
    daemon = Daemon(socket_path, run_dir, group_id=group_id, sdk=sdk)
    if daemon.report["mode"] == "none":
        print("sandbox daemon: " + daemon.report.get("reason", "cannot isolate"), file=sys.stderr)
    print(
        f"sandbox daemon {os.getpid()} listening on {socket_path}"
        f"{f' for group {group}' if group else ''}; isolation mode {daemon.report['mode']}",
        file=sys.stderr,
        flush=True,
    )
    daemon.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
